/**
 * The lab page's server, run by `sessionlab up` on a loopback port that nginx routes `/_lab/` to:
 * the static page, its event stream, a look at the page's session in the store, and the
 * buttons' operations. Every mistake is a 4xx JSON error; nothing is served but these routes.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientError, httpStatusOf, publicMessageOf } from '../../core/errors.ts';
import type { LocalCluster } from '../../orchestrator/cluster.ts';
import { send } from '../conformance/client.ts';
import { createStoreInspector } from '../conformance/store-inspector.ts';
import type { StoreInspector } from '../conformance/types.ts';
import { burst, checkNodeIndex, checkStoreIndex, flawsWith } from './lab-actions.ts';
import { LabEvents } from './lab-events.ts';
import { hashId, readSessionRecords, sessionCookieOf, sessionIdOf } from './lab-record.ts';

export interface LabServerOptions {
  cluster: LocalCluster;
  /** Loopback port to listen on (the one nginx was told for `/_lab/`). */
  port: number;
  /** Runs after an operation that changes pids: `up` rewrites its state file. @default none */
  onChange?: () => Promise<void>;
  /** How often open pages get a fresh picture of the cluster. @default 1000 */
  pollIntervalMs?: number;
}

export const DEFAULT_LAB_SERVER_OPTIONS = { pollIntervalMs: 1000 } as const;

export interface LabServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;
const STATIC: Record<string, [file: string, type: string]> = {
  '/_lab/': ['index.html', 'text/html; charset=utf-8'],
  '/_lab/lab.css': ['lab.css', 'text/css; charset=utf-8'],
  '/_lab/lab.js': ['lab.js', 'text/javascript; charset=utf-8'],
};

/** What a handler may set on its answer besides the body. */
interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
}

type Handler = (
  req: IncomingMessage,
  body: Record<string, unknown>,
  answer: Answer,
) => Promise<unknown>;

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new ClientError(413, 'request body too large'));
      const text = Buffer.concat(chunks).toString('utf8') || '{}';
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          return reject(new ClientError(400, 'the body must be a JSON object'));
        resolve(parsed as Record<string, unknown>);
      } catch {
        reject(new ClientError(400, 'the body is not valid JSON'));
      }
    });
  });
}

export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const { cluster } = options;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_LAB_SERVER_OPTIONS.pollIntervalMs;
  const onChange = options.onChange ?? (async () => undefined);
  const events = new LabEvents(cluster, pollIntervalMs);
  const pageDir = new URL('./page/', import.meta.url);
  const files = new Map<string, Buffer>();
  for (const [file] of Object.values(STATIC))
    files.set(file, await readFile(new URL(file, pageDir)));
  const inspector: StoreInspector | undefined = await createStoreInspector(cluster.stores.url);
  // The page is as secure as the way it was reached: its own requests go back the same way.
  const entryOf = (req: IncomingMessage): string =>
    req.headers['x-forwarded-proto'] === 'https' && cluster.nginx.entryTls !== undefined
      ? cluster.nginx.entryTls
      : cluster.nginx.entry;

  /** One cluster operation at a time; each is noted for every open page. */
  const operate = async (what: string, run: () => Promise<void>): Promise<unknown> => {
    if (events.busy !== null) throw new ClientError(409, `busy: ${events.busy}`);
    events.busy = what;
    events.note(`${what}…`);
    try {
      await run();
      events.busy = null;
      events.note(`${what}: done`);
      await onChange();
      return { done: what };
    } catch (error) {
      events.busy = null;
      events.note(`${what}: failed (${publicMessageOf(error)})`);
      throw error;
    }
  };
  /**
   * Operations that restart nodes outlast nginx's reloads, whose old workers cut a request
   * still open 5 s later: answer 202 at once, and let the event stream tell how it went.
   */
  const operateInBackground = (what: string, run: () => Promise<void>, answer: Answer) => {
    if (events.busy !== null) throw new ClientError(409, `busy: ${events.busy}`);
    operate(what, run).catch((error: unknown) =>
      process.stderr.write(`lab: ${what} failed: ${(error as Error).message}\n`),
    );
    answer.status = 202;
    return Promise.resolve({ started: what });
  };

  const routes: Record<string, Handler> = {
    'GET /_lab/api/state': () => events.picture(),
    'GET /_lab/api/record': async (req) => {
      const value = sessionCookieOf(req.headers.cookie);
      if (value === undefined) return { session: null, records: [] };
      const id = sessionIdOf(value);
      const records = inspector === undefined ? [] : await readSessionRecords(inspector, id);
      return { session: hashId(id), records };
    },
    'POST /_lab/api/login': async (req, body, answer) => {
      if (typeof body.user !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(body.user))
        throw new ClientError(400, 'user must match ^[a-z0-9_-]{1,32}$');
      // The lab adds the password, so it never reaches the page.
      const reply = await send(`${entryOf(req)}/login`, 'POST', {
        body: { user: body.user, password: cluster.password },
        ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
      });
      // The cookie goes to the browser as the node set it (HttpOnly), never into the body.
      answer.status = reply.status;
      answer.headers['set-cookie'] = reply.setCookie;
      answer.headers['x-node-id'] = reply.node ?? 'none';
      return reply.body;
    },
    'POST /_lab/api/burst': async (req, body) => {
      const result = await burst(entryOf(req), req.headers.cookie, body);
      events.note(`${result.sent} concurrent increments: ${result.lost} lost`);
      return result;
    },
    'POST /_lab/api/node': (_req, body) => {
      const index = checkNodeIndex(cluster, body.index);
      const op = body.op;
      if (op !== 'kill' && op !== 'start') throw new ClientError(400, 'op must be kill or start');
      const id = cluster.nodes[index]?.id ?? '';
      return operate(`${op} node ${id}`, () => cluster.fault(op, 'node', index));
    },
    'POST /_lab/api/store': (_req, body) => {
      const index = checkStoreIndex(cluster, body.index ?? 0);
      const op = body.op;
      if (op !== 'pause' && op !== 'resume')
        throw new ClientError(400, 'op must be pause or resume');
      return operate(`${op} store ${index}`, () => cluster.fault(op, 'store', index));
    },
    'POST /_lab/api/rotate-key': (_req, _body, answer) =>
      operateInBackground(
        'rotate the signing key (two rolling restarts)',
        async () => {
          const key = await cluster.rollingRestart();
          events.note(`the nodes now sign with ${key.id}`);
        },
        answer,
      ),
    'POST /_lab/api/flaw': (_req, body, answer) => {
      const flaws = flawsWith(cluster, body.name, body.on);
      const what = `flaw ${String(body.name)} ${body.on ? 'on' : 'off'}`;
      return operateInBackground(what, () => cluster.setFlaws(flaws), answer);
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reply = (
      status: number,
      body: unknown,
      headers: Record<string, string | string[]> = {},
    ) =>
      res
        .writeHead(status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...headers,
        })
        .end(JSON.stringify(body));
    try {
      const page = STATIC[path];
      if (page !== undefined && req.method === 'GET') {
        res.writeHead(200, { 'content-type': page[1], 'cache-control': 'no-store' });
        return void res.end(files.get(page[0]));
      }
      if (req.method === 'GET' && path === '/_lab/api/events') return events.subscribe(res);
      const handler = routes[`${req.method} ${path}`];
      if (handler === undefined) throw new ClientError(404, `no lab route ${req.method} ${path}`);
      // A JSON content type makes a cross-site form post impossible (it needs a CORS preflight).
      if (req.method === 'POST' && !/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        throw new ClientError(415, 'send the body as application/json');
      const body = req.method === 'POST' ? await readJson(req) : {};
      const answer: Answer = { status: 200, headers: {} };
      const result = await handler(req, body, answer);
      reply(answer.status, result, answer.headers);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status >= 500) process.stderr.write(`lab: ${(error as Error).message}\n`);
      reply(status, { error: publicMessageOf(error) });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${options.port}/_lab/`,
    async close() {
      events.close();
      await inspector?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
