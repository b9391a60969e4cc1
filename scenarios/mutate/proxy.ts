/**
 * The mutating proxy: an HTTP server on a free loopback port in front of one node of a target.
 * Every exchange goes through the mutant's `handle`, which may rewrite the request, the
 * response, answer itself, or keep state (per node, or shared by the proxies of one mutant).
 * Bodies are small JSON documents, so both are buffered whole.
 */
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROXY_ADDRESS } from '../../orchestrator/cluster.ts';
import type { Contract } from '../conformance/types.ts';

export interface ProxyRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  /** Lower-case names; `cookie` as one string. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface ProxyReply {
  status: number;
  /** Lower-case names; `set-cookie` always an array. */
  headers: Record<string, string>;
  setCookie: string[];
  body: Buffer;
}

/** What a mutant sees of the node it sits in front of. */
export interface ProxyContext {
  /** 0-based index of this proxy's node. */
  node: number;
  /** State held by this proxy only (a per-node cache). */
  local: Map<string, unknown>;
  /** State shared by every proxy of the mutant (a cluster-wide map). */
  shared: Map<string, unknown>;
  contract: Contract;
  /** Sends a request to the node and returns its answer unchanged. */
  forward(request: ProxyRequest): Promise<ProxyReply>;
}

export type Handler = (request: ProxyRequest, ctx: ProxyContext) => Promise<ProxyReply>;

export interface MutatingProxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip'];

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function flatHeaders(raw: IncomingMessage['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name === 'set-cookie' || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A JSON reply the proxy makes itself. */
export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ProxyReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    setCookie: [],
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)),
  };
}

function forwarder(upstream: URL, agent: Agent) {
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname);
  return (request: ProxyRequest): Promise<ProxyReply> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.path,
          headers: { ...request.headers, 'content-length': String(request.body.length) },
          agent,
          // The nodes trust X-Forwarded-Proto only from nginx's address: the proxy speaks from it.
          ...(loopback ? { localAddress: PROXY_ADDRESS } : {}),
          timeout: 15_000,
        },
        (res) => {
          readBody(res).then((body) => {
            const raw = res.headers['set-cookie'];
            resolve({
              status: res.statusCode ?? 502,
              headers: flatHeaders(res.headers),
              setCookie: raw ?? [],
              body,
            });
          }, reject);
        },
      );
      out.on('timeout', () => out.destroy(new Error('upstream timed out')));
      out.on('error', reject);
      out.end(request.body);
    });
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  handle: Handler,
  ctx: ProxyContext,
): Promise<void> {
  const headers = flatHeaders(req.headers);
  // Only nginx may speak for the client's scheme; a direct caller's claim is dropped.
  if (req.socket.remoteAddress !== PROXY_ADDRESS) for (const h of FORWARDED) delete headers[h];
  const request: ProxyRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    body: await readBody(req),
  };
  let reply: ProxyReply;
  try {
    reply = await handle(request, ctx);
  } catch {
    reply = jsonReply(502, { error: 'the node did not answer' });
  }
  res.writeHead(reply.status, {
    ...reply.headers,
    ...(reply.setCookie.length > 0 ? { 'set-cookie': reply.setCookie } : {}),
    'content-length': String(reply.body.length),
  });
  res.end(reply.body);
}

/** Starts a proxy for `upstream` (a node's base URL) that answers through `handle`. */
export async function startMutatingProxy(options: {
  upstream: string;
  node: number;
  shared: Map<string, unknown>;
  contract: Contract;
  handle: Handler;
}): Promise<MutatingProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const ctx: ProxyContext = {
    node: options.node,
    local: new Map(),
    shared: options.shared,
    contract: options.contract,
    forward: forwarder(new URL(options.upstream), agent),
  };
  const server: Server = createServer((req, res) => {
    answer(req, res, options.handle, ctx).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
