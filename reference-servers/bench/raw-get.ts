/**
 * What the raw-GET baselines share: bare node:http that answers any `GET /session/data/:key`
 * with `{"value": <stored>}` from exactly one store GET per request, and nothing else (no
 * cookie, no signature, no framework).
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { NodeConfig } from '../config.ts';
import { contractDocument } from '../http-common.ts';

/** The one key every request reads. */
export const RAW_KEY = 'bench:raw';
const DATA_PREFIX = '/session/data/';

export interface RawGetServer {
  server: Server;
  close(): Promise<void>;
}

/**
 * The server around `get`, which calls back with the stored JSON text (null when absent) or an
 * error: a callback, not a promise, so the baseline costs no more than the client itself.
 */
export function createRawGetServer(
  config: NodeConfig,
  impl: string,
  store: 'redis' | 'memcached' | 'postgres',
  get: (done: (error: unknown, stored: string | null) => void) => void,
): Server {
  const contract = JSON.stringify({ ...contractDocument(config, [], store), impl });
  const unavailable = JSON.stringify({ error: `${store} unavailable` });
  return createServer((req, res) => {
    res.setHeader('X-Node-Id', config.nodeId);
    if (req.method === 'GET' && req.url === '/contract') return sendRaw(res, 200, contract);
    if (req.method !== 'GET' || !req.url?.startsWith(DATA_PREFIX))
      return sendRaw(res, 404, JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
    get((error, stored) =>
      error ? sendRaw(res, 503, unavailable) : sendRaw(res, 200, `{"value":${stored ?? 'null'}}`),
    );
  });
}

/** A JSON body with its length: the least node:http can do. */
function sendRaw(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
