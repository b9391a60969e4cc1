/**
 * The HTTP client every scenario speaks through: undici with keep-alive, one agent per target
 * (self-signed TLS accepted: targets are the user's own test deployments), and a per-client
 * cookie jar so each simulated user carries exactly its own cookies.
 */
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { currentSignal } from './abort.ts';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  text: string;
  /** Raw Set-Cookie lines. */
  setCookie: string[];
  /** X-Node-Id of the node that answered. */
  node: string | undefined;
  ms: number;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding), for malformed-input checks. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Cookie header to send instead of the jar's. */
  cookie?: string;
  timeoutMs?: number;
  /** Aborts the request; the running check's signal when omitted. */
  signal?: AbortSignal;
}

const agents = new Map<string, Agent>();
/** Errors of a reused keep-alive connection that the server closed: safe to resend a GET. */
const RETRYABLE = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);
/** RFC 9110 9.2.2: a client may resend these after a closed connection; never a POST. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** One pooled agent per origin set, shared by every client (closed by `closeAgents`). */
export function agentFor(name = 'default'): Agent {
  let agent = agents.get(name);
  if (agent === undefined) {
    agent = new Agent({
      connections: 128,
      connect: { rejectUnauthorized: false },
      keepAliveTimeout: 4_000,
    });
    agents.set(name, agent);
  }
  return agent;
}

export async function closeAgents(): Promise<void> {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents.clear();
}

/** Sends one request; never throws for an HTTP status, only for a transport failure. */
export async function send(
  url: string,
  method: string,
  options: RequestOptions = {},
  dispatcher: Dispatcher = agentFor(),
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const timeout = options.timeoutMs ?? 10_000;
  const signal = options.signal ?? currentSignal();
  const attempt = () =>
    request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      ...(body === undefined ? {} : { body }),
      dispatcher,
      ...(signal === undefined ? {} : { signal }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  let res: Dispatcher.ResponseData;
  try {
    res = await attempt();
  } catch (error) {
    // A kept-alive connection the server closed just as we reused it (a proxy reloading):
    // an idempotent request is safe to send once more on a fresh connection.
    const code = (error as { code?: string }).code ?? '';
    if (!IDEMPOTENT.has(method) || !RETRYABLE.has(code)) throw error;
    res = await attempt();
  }
  const text = await res.body.text();
  const raw = res.headers['set-cookie'];
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  const node = res.headers['x-node-id'];
  return {
    status: res.statusCode,
    headers: res.headers,
    body: parsed,
    text,
    setCookie: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw],
    node: Array.isArray(node) ? node[0] : node,
    ms: performance.now() - started,
  };
}

/** A simulated user: remembers the cookies it was given, like a browser would. */
export class SessionClient {
  readonly #jar = new Map<string, string>();

  /** The Cookie header this client sends. */
  get cookie(): string {
    return [...this.#jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  set(name: string, value: string): void {
    this.#jar.set(name, value);
  }

  clear(): void {
    this.#jar.clear();
  }

  async request(
    baseUrl: string,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply> {
    const cookie = options.cookie ?? this.cookie;
    const reply = await send(`${baseUrl}${path}`, method, {
      ...options,
      ...(cookie ? { cookie } : {}),
    });
    for (const line of reply.setCookie) this.#remember(line);
    return reply;
  }

  #remember(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const cleared = attributes.some(
      (a) => /^\s*max-age\s*=\s*0\s*$/i.test(a) || /^\s*expires\s*=.*1970/i.test(a),
    );
    if (cleared) this.#jar.delete(name);
    else this.#jar.set(name, pair.slice(eq + 1).trim());
  }
}
