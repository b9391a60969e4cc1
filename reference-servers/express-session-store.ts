/**
 * The express-session store of the baseline server, built the way the connect-redis 9,
 * connect-memcached 3 and connect-pg-simple 10 READMEs show: node-redis `createClient` +
 * `RedisStore`, `connectMemcached(session)` over the `memcached` client, or
 * `connectPgSimple(session)` over a `pg` Pool with `createTableIfMissing`. Nothing is hardened: no command
 * deadline, node-redis's offline queue stays on, so an outage behaves as the ecosystem does.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type Memcached from 'memcached';
import pg from 'pg';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';
import { withDeadline } from '../core/deadline.ts';
import { formatStoreUrl, parseStoreUrl } from '../stores/from-url.ts';
import { redactUrl } from '../core/redact.ts';
import { describePostgresUrl } from '../stores/postgres.ts';
import type { NodeConfig } from './config.ts';
import type { NodeMetrics } from './metrics.ts';

export interface BaselineStore {
  kind: 'redis' | 'memcached' | 'postgres';
  store: session.Store;
  /** Ends the store client. */
  close(): Promise<void>;
}

/** Start-up only: how long the first contact with the store may take, in milliseconds. */
const STARTUP_TIMEOUT_MS = 5_000;
const PREFIX = 'sess:';

interface MemcachedStoreOptions {
  hosts: string[];
  prefix: string;
  ttl: number;
}
type MemcachedStoreClass = new (
  options: MemcachedStoreOptions,
) => session.Store & { client: Memcached };

// connect-memcached is CommonJS without type declarations: typed here, loaded with require.
const connectMemcached = createRequire(import.meta.url)('connect-memcached') as (
  expressSession: typeof session,
) => MemcachedStoreClass;

/** Short, non-reversible id for logs: the same form the engine logs. */
export function idHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 10);
}

export async function createBaselineStore(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<BaselineStore> {
  const location = parseStoreUrl(config.storeUrl);
  const { kind, hosts } = location;
  const locations = hosts.map((h) => `${h.host}:${h.port}`);
  const ttlSeconds = Math.ceil(config.idleTimeoutMs / 1000);
  if (kind === 'redis') {
    const url = formatStoreUrl({ ...location, hosts: hosts.slice(0, 1) });
    const client = await connectRedisClient(url, logger);
    const store = new RedisStore({ client, prefix: PREFIX, ttl: ttlSeconds });
    timeStoreCalls(store, metrics);
    return {
      kind,
      store,
      close: async () => (client.isReady ? client.close() : client.destroy()),
    };
  }
  if (kind === 'memcached') {
    const MemcachedStore = connectMemcached(session);
    const store = new MemcachedStore({ hosts: locations, prefix: PREFIX, ttl: ttlSeconds });
    const version = new Promise<void>((resolve, reject) =>
      store.client.version((error: unknown) => (error ? reject(error) : resolve())),
    );
    try {
      await withDeadline(version, STARTUP_TIMEOUT_MS, `memcached at ${locations.join(',')}`);
    } catch (error) {
      store.client.end();
      throw new StoreUnavailableError(
        `memcached unreachable at ${locations.join(',')} — is it running? see \`make services\``,
        { cause: error },
      );
    }
    timeStoreCalls(store, metrics);
    return { kind, store, close: async () => store.client.end() };
  }
  if (kind === 'postgres') return createPgSimpleStore(config, logger, metrics, ttlSeconds);
  throw new InvalidOptionError(
    `invalid store "${redactUrl(config.storeUrl)}": the express-session server supports redis:// | memcached:// | postgres://`,
  );
}

async function createPgSimpleStore(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
  ttlSeconds: number,
): Promise<BaselineStore> {
  const pool = new pg.Pool({ connectionString: config.storeUrl });
  pool.on('error', (error: Error) => logger.warn({ err: error.message }, 'postgres pool error'));
  const where = describePostgresUrl(config.storeUrl);
  try {
    await withDeadline(pool.query('SELECT 1'), STARTUP_TIMEOUT_MS, `postgres at ${where}`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(
      `postgres unreachable at ${where} — is it running? see \`make services\``,
      { cause: error },
    );
  }
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool,
    createTableIfMissing: true,
    ttl: ttlSeconds,
    errorLog: (...args: unknown[]) =>
      logger.warn({ err: String(args.at(-1)) }, 'connect-pg-simple'),
  });
  timeStoreCalls(store, metrics);
  const close = async (): Promise<void> => {
    // The store ends only a pool it made itself; this one is ours.
    await store.close();
    await pool.end();
  };
  return { kind: 'postgres', store, close };
}

export type RedisClient = ReturnType<typeof createClient>;

/** A node-redis client as its README shows: connected at start-up, reconnecting forever after. */
export async function connectRedisClient(url: string, logger: Logger): Promise<RedisClient> {
  const client = createClient({ url });
  // Without a listener an 'error' event would crash the process; node-redis keeps reconnecting.
  client.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis client error'));
  await connectOrFail(client, redactUrl(url));
  return client;
}

/** node-redis's connect() retries forever; at start-up the first failure is fatal instead. */
async function connectOrFail(client: RedisClient, url: string): Promise<void> {
  let onError: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = reject;
    client.once('error', onError);
  });
  try {
    await withDeadline(Promise.race([client.connect(), failed]), STARTUP_TIMEOUT_MS, url);
  } catch (error) {
    client.destroy();
    throw new StoreUnavailableError(
      `redis unreachable at ${url} — is it running? see \`make services\``,
      {
        cause: error,
      },
    );
  } finally {
    client.off('error', onError);
  }
}

// express-session's method names, under the op labels the engine's store calls use.
const TIMED_OPS = { get: 'load', set: 'commit', touch: 'touch', destroy: 'destroy' } as const;

/**
 * Feeds metrics.storeLatency from the store's callbacks. connect-memcached's touch is a full
 * set, so a memcached touch is also counted as a commit.
 */
function timeStoreCalls(store: session.Store, metrics: NodeMetrics): void {
  const methods = store as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [method, op] of Object.entries(TIMED_OPS)) {
    const original = methods[method];
    if (typeof original !== 'function') continue;
    methods[method] = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback !== 'function') return original.apply(store, args);
      const end = metrics.storeLatency.startTimer({ op });
      const timed = (error: unknown, ...rest: unknown[]): unknown => {
        end({ outcome: error ? 'error' : 'ok' });
        return callback(error, ...rest);
      };
      return original.apply(store, [...args.slice(0, -1), timed]);
    };
  }
}
