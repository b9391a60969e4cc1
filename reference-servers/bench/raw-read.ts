/**
 * The shape of the bench's raw-store baselines (raw-redis.ts, raw-pg.ts): bare node:http whose
 * every `GET /session/data/:key` makes the one store read it is given and answers
 * `{"value": <what it read>}` — nothing else per request.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { NodeConfig } from '../config.ts';
import { contractDocument } from '../http-common.ts';

const DATA_PREFIX = '/session/data/';

/** `read` resolves with the stored JSON text (null: nothing stored); a rejection answers 503. */
export function createRawReadServer(
  config: NodeConfig,
  impl: string,
  storeKind: string,
  read: () => Promise<string | null>,
): Server {
  const contract = JSON.stringify({ ...contractDocument(config, [], storeKind), impl });
  return createServer((req, res) => {
    res.setHeader('X-Node-Id', config.nodeId);
    if (req.method === 'GET' && req.url === '/contract') return send(res, 200, contract);
    if (req.method !== 'GET' || !req.url?.startsWith(DATA_PREFIX))
      return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
    read().then(
      (stored) => send(res, 200, `{"value":${stored ?? 'null'}}`),
      () => send(res, 503, `{"error":"${storeKind} unavailable"}`),
    );
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
