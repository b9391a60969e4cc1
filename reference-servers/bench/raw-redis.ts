/**
 * The bench's upper limit for a store-backed read: bare node:http doing exactly one ioredis GET
 * of a fixed key per request, nothing else (no cookie, no signature, no framework). Any
 * `GET /session/data/:key` answers `{"value": <the stored value>}`.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { parseStoreUrl } from '../../stores/from-url.ts';
import { redactUrl } from '../../core/redact.ts';
import type { NodeConfig } from '../config.ts';
import { contractDocument } from '../http-common.ts';
import { BENCH_VALUE } from './nosession-app.ts';

/** The one key every request reads. */
export const RAW_KEY = 'bench:raw';
const DATA_PREFIX = '/session/data/';

export interface RawRedisServer {
  server: Server;
  close(): Promise<void>;
}

export async function createRawRedisServer(config: NodeConfig): Promise<RawRedisServer> {
  const { kind, hosts } = parseStoreUrl(config.storeUrl);
  const [first] = hosts;
  if (kind !== 'redis' || first === undefined)
    throw new Error(
      `raw-ioredis-get needs --store-url redis://host:port, not ${redactUrl(config.storeUrl)}`,
    );
  const redis = new Redis({ host: first.host, port: first.port, lazyConnect: true });
  await redis.connect();
  await redis.set(RAW_KEY, JSON.stringify(BENCH_VALUE));
  const contract = { ...contractDocument(config, [], 'redis'), impl: 'raw-ioredis-get' };

  const server = createServer((req, res) => {
    res.setHeader('X-Node-Id', config.nodeId);
    if (req.method === 'GET' && req.url === '/contract')
      return send(res, 200, JSON.stringify(contract));
    if (req.method !== 'GET' || !req.url?.startsWith(DATA_PREFIX))
      return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
    redis.get(RAW_KEY).then(
      (stored) => send(res, 200, `{"value":${stored ?? 'null'}}`),
      () => send(res, 503, '{"error":"redis unavailable"}'),
    );
  });
  return { server, close: async () => void (await redis.quit()) };
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
