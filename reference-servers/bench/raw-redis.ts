/**
 * The bench's upper limit for a redis-backed read: bare node:http doing exactly one ioredis GET
 * of a fixed key per request (raw-get.ts).
 */
import { Redis } from 'ioredis';
import { parseStoreUrl } from '../../stores/from-url.ts';
import { redactUrl } from '../../core/redact.ts';
import type { NodeConfig } from '../config.ts';
import { BENCH_VALUE } from './nosession-app.ts';
import { RAW_KEY, createRawGetServer } from './raw-get.ts';
import type { RawGetServer } from './raw-get.ts';

export async function createRawRedisServer(config: NodeConfig): Promise<RawGetServer> {
  const { kind, hosts } = parseStoreUrl(config.storeUrl);
  const [first] = hosts;
  if (kind !== 'redis' || first === undefined)
    throw new Error(
      `raw-ioredis-get needs --store-url redis://host:port, not ${redactUrl(config.storeUrl)}`,
    );
  const redis = new Redis({ host: first.host, port: first.port, lazyConnect: true });
  await redis.connect();
  await redis.set(RAW_KEY, JSON.stringify(BENCH_VALUE));
  const server = createRawGetServer(config, 'raw-ioredis-get', 'redis', (done) =>
    redis.get(RAW_KEY, (error, stored) => done(error ?? null, stored ?? null)),
  );
  return { server, close: async () => void (await redis.quit()) };
}
