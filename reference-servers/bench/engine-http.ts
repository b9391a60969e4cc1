/**
 * The engine on bare node:http (session/http.ts `withSession`), for the bench: the routes the
 * bench drives (/login, /logout, /me, GET /session/data, GET and PUT /session/data/:key) with
 * the JSON, 404 and error semantics of engine-app.ts, and no framework in the request path.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SessionEngine } from '../../session/engine.ts';
import { withSession } from '../../session/http.ts';
import type { Session } from '../../session/session.ts';
import type { NodeConfig } from '../config.ts';
import {
  contractDocument,
  passwordMatches,
  requireCredentials,
  requireKey,
  requireValue,
} from '../http-common.ts';
import { ClientError } from '../../core/errors.ts';

const DATA_PREFIX = '/session/data/';
/** The same body limit as http-common.ts jsonBody(). */
const MAX_BODY_BYTES = 1024 * 1024;

export function createEngineHttpServer(config: NodeConfig, engine: SessionEngine): Server {
  const contract = {
    ...contractDocument(config, ['carry-over'], engine.store.kind),
    impl: 'engine-http',
  };
  const handleSession = withSession(engine, async (req, res, session) => {
    try {
      await route(req, res, session, config.password);
    } catch (error) {
      // Anything else is withSession's to answer: 503 for the store, 500 otherwise.
      if (!(error instanceof ClientError)) throw error;
      sendJson(res, error.status, { error: error.message });
    }
  });
  return createServer((req, res) => {
    res.setHeader('X-Node-Id', config.nodeId);
    if (req.method === 'GET' && req.url === '/contract') return sendJson(res, 200, contract);
    res.setHeader('Cache-Control', 'no-store');
    handleSession(req, res);
  });
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
  password: string,
): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const method = req.method ?? 'GET';
  if (path.startsWith(DATA_PREFIX) && (method === 'GET' || method === 'PUT')) {
    const key = requireKey(decodeKey(path.slice(DATA_PREFIX.length)));
    if (method === 'GET') {
      const value = session.get(key);
      if (value === undefined) throw new ClientError(404, 'no such key');
      return sendJson(res, 200, { value });
    }
    session.set(key, requireValue(await readJson(req)));
    await session.commit();
    return sendNoContent(res);
  }
  if (method === 'POST' && path === '/login') {
    const credentials = requireCredentials(await readJson(req));
    if (!passwordMatches(credentials.password, password))
      throw new ClientError(401, 'wrong user name or password');
    await session.regenerate({ user: credentials.user, carryOver: true });
    return sendJson(res, 200, { user: credentials.user });
  }
  if (method === 'POST' && path === '/logout') {
    await session.destroy();
    return sendNoContent(res);
  }
  if (method === 'GET' && path === '/me') {
    if (session.user === undefined) throw new ClientError(401, 'not logged in');
    return sendJson(res, 200, { user: session.user, createdAt: session.createdAt });
  }
  if (method === 'GET' && path === '/session/data') {
    return sendJson(res, 200, { data: session.entries() });
  }
  throw new ClientError(404, `no route ${method} ${path}`);
}

function decodeKey(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The body as JSON, as express.json() gives it: `{}` for a non-JSON content type. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ClientError(413, 'request body too large');
    chunks.push(chunk);
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ClientError(400, 'invalid JSON body');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}
