/**
 * The bench's upper limit for a memcached-backed read: bare node:http doing exactly one GET of a
 * fixed key per request (raw-get.ts) with the `memcached` package and the options the memcached
 * store gives it.
 */
import Memcached from 'memcached';
import { parseStoreUrl } from '../../stores/from-url.ts';
import { memcachedClientOptions } from '../../stores/memcached-client.ts';
import { redactUrl } from '../../core/redact.ts';
import type { NodeConfig } from '../config.ts';
import { BENCH_VALUE } from './nosession-app.ts';
import { RAW_KEY, createRawGetServer } from './raw-get.ts';
import type { RawGetServer } from './raw-get.ts';

export async function createRawMemcachedServer(config: NodeConfig): Promise<RawGetServer> {
  const { kind, hosts } = parseStoreUrl(config.storeUrl);
  const [first] = hosts;
  if (kind !== 'memcached' || first === undefined)
    throw new Error(
      `raw-memcached-get needs --store-url memcached://host:port, not ${redactUrl(config.storeUrl)}`,
    );
  const memcached = new Memcached(
    `${first.host}:${first.port}`,
    memcachedClientOptions(config.storeTimeoutMs),
  );
  await new Promise<void>((resolve, reject) =>
    memcached.set(RAW_KEY, JSON.stringify(BENCH_VALUE), 0, (error) =>
      error ? reject(new Error(`raw-memcached-get: set failed: ${String(error)}`)) : resolve(),
    ),
  );
  const server = createRawGetServer(config, 'raw-memcached-get', 'memcached', (done) =>
    memcached.get(RAW_KEY, (error: unknown, stored: unknown) =>
      done(error, typeof stored === 'string' ? stored : null),
    ),
  );
  return { server, close: async () => memcached.end() };
}
