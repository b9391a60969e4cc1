/**
 * The load generator's own ceiling: bare node:http answering every `GET /session/data/:key`
 * with a constant `{"value": …}` — no store, no cookie, no framework. A ratio whose
 * denominator is close to this figure measures the load generator, not the server.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { NodeConfig } from '../config.ts';
import { contractDocument } from '../http-common.ts';
import { BENCH_VALUE } from './nosession-app.ts';

const DATA_PREFIX = '/session/data/';

export function createStaticHttpServer(config: NodeConfig): Server {
  const contract = JSON.stringify({ ...contractDocument(config, [], 'none'), impl: 'static-http' });
  const value = JSON.stringify({ value: BENCH_VALUE });
  return createServer((req, res) => {
    const found = req.method === 'GET' && req.url !== undefined;
    const body =
      found && req.url === '/contract'
        ? contract
        : found && req.url?.startsWith(DATA_PREFIX)
          ? value
          : undefined;
    const text = body ?? JSON.stringify({ error: `no route ${req.method} ${req.url}` });
    res.writeHead(body === undefined ? 404 : 200, {
      'x-node-id': config.nodeId,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
}
