/**
 * The bench's upper limit for a store-backed read: bare node:http doing exactly one ioredis GET
 * of a fixed key per request, nothing else (no cookie, no signature, no framework). Any
 * `GET /session/data/:key` answers `{"value": <the stored value>}`.
 */
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { parseStoreUrl } from '../../stores/from-url.ts';
import { redactUrl } from '../../core/redact.ts';
import type { NodeConfig } from '../config.ts';
import { BENCH_VALUE } from './nosession-app.ts';
import { createRawReadServer } from './raw-read.ts';

/** The one key every request reads. */
export const RAW_KEY = 'bench:raw';

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
  const server = createRawReadServer(config, 'raw-ioredis-get', 'redis', () => redis.get(RAW_KEY));
  return { server, close: async () => void (await redis.quit()) };
}
