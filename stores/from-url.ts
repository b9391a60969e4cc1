/**
 * One string names a store and where it is, for command lines and config files:
 *   redis://127.0.0.1:6379              redis-cluster://127.0.0.1:7000,127.0.0.1:7001
 *   redis-sentinel://127.0.0.1:26379/mymaster   memcached://127.0.0.1:11211,127.0.0.1:11212
 *   postgres://user:password@127.0.0.1:5432/database
 *   memory://  (process-local: a negative control, never shared between nodes)
 * Credentials go before the hosts, percent-encoded: `redis://app:pw@h:6379`, `redis://:pw@h:6379`
 * (requirepass); memcached:// takes none (its client speaks no authentication). `rediss://`,
 * `rediss-cluster://` and `rediss-sentinel://` speak TLS, verified against the system CAs and
 * NODE_EXTRA_CA_CERTS. A URL is only ever shown through `redactUrl` (core/redact.ts).
 */
import type { ConnectionOptions } from 'node:tls';
import { InvalidOptionError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';
import { MemcachedStore } from './memcached.ts';
import { MemoryStore } from './memory.ts';
import { PostgresStore } from './postgres.ts';
import { RedisStore } from './redis.ts';
import type { SessionStore } from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

export const STORE_KINDS = [
  'redis',
  'redis-cluster',
  'redis-sentinel',
  'memcached',
  'memory',
  'postgres',
] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoreLocation {
  kind: StoreKind;
  /** host:port of each server (empty for memory). */
  hosts: { host: string; port: number }[];
  /** Sentinel master name. */
  name?: string;
  /** postgres: the whole URL (user, password, database); never log it, see redactUrl. */
  url?: string;
  /** ACL user (redis 6+). */
  username?: string;
  /** `requirepass` or the ACL user's password. */
  password?: string;
  /** The `rediss*` schemes: TLS to every server. */
  tls?: true;
}

/** Schemes that speak TLS, by the kind they are. */
const TLS_SCHEMES: Record<string, StoreKind> = {
  rediss: 'redis',
  'rediss-cluster': 'redis-cluster',
  'rediss-sentinel': 'redis-sentinel',
};

const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

export function parseStoreUrl(url: string): StoreLocation {
  const shown = redactUrl(url);
  const match = /^([a-z-]+):\/\/(?:([^/]*)@)?(.*)$/.exec(url);
  const scheme = match?.[1] ?? '';
  const kind = (TLS_SCHEMES[scheme] ?? scheme) as StoreKind;
  if (!match || !STORE_KINDS.includes(kind)) {
    throw new InvalidOptionError(
      `invalid store "${shown}": expected ${STORE_KINDS.map((k) => `${k}://`).join(' | ')} (rediss* for TLS)`,
    );
  }
  const rest = match[3] ?? '';
  if (kind === 'memory') return { kind, hosts: [] };
  if (kind === 'postgres') return parsePostgresUrl(url);
  const [list = '', name] = rest.split('/');
  const hosts = list.split(',').map((entry) => {
    const parts = HOST_PORT.exec(entry);
    const port = Number(parts?.[2]);
    if (!parts || port < 1 || port > 65535) {
      throw new InvalidOptionError(`invalid store "${shown}": "${entry}" is not host:port`);
    }
    return { host: (parts[1] ?? '').replace(/^\[|\]$/g, ''), port };
  });
  if (kind === 'redis' && hosts.length !== 1)
    throw new InvalidOptionError(`invalid store "${shown}": redis:// takes one host:port`);
  const location: StoreLocation = { kind, hosts };
  if (kind === 'redis-sentinel') location.name = name || 'mymaster';
  if (match[2] !== undefined) Object.assign(location, credentialsOf(match[2], shown));
  if (scheme in TLS_SCHEMES) location.tls = true;
  if (kind === 'memcached' && match[2] !== undefined)
    throw new InvalidOptionError(
      `invalid store "${shown}": memcached:// takes no credentials (the memcached client speaks no authentication; keep memcached on a private network)`,
    );
  return location;
}

function credentialsOf(userinfo: string, shown: string): { username?: string; password?: string } {
  const colon = userinfo.indexOf(':');
  try {
    const username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const password = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
    return {
      ...(username === '' ? {} : { username }),
      ...(password === undefined || password === '' ? {} : { password }),
    };
  } catch {
    throw new InvalidOptionError(
      `invalid store "${shown}": user and password must be percent-encoded`,
    );
  }
}

function parsePostgresUrl(url: string): StoreLocation {
  const invalid = (): InvalidOptionError =>
    new InvalidOptionError(
      `invalid store "${redactUrl(url)}": expected postgres://user:password@host:port/database`,
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid();
  }
  const port = Number(parsed.port || 5432);
  if (parsed.hostname === '' || parsed.pathname.length < 2) throw invalid();
  return {
    kind: 'postgres',
    hosts: [{ host: parsed.hostname.replace(/^\[|\]$/g, ''), port }],
    url,
  };
}

export function formatStoreUrl(location: StoreLocation): string {
  if (location.kind === 'postgres' && location.url !== undefined) return location.url;
  const hosts = location.hosts
    .map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`)
    .join(',');
  const scheme = location.tls ? location.kind.replace(/^redis/, 'rediss') : location.kind;
  const user = encodeURIComponent(location.username ?? '');
  const pass = location.password === undefined ? '' : `:${encodeURIComponent(location.password)}`;
  const userinfo = user === '' && pass === '' ? '' : `${user}${pass}@`;
  return `${scheme}://${userinfo}${hosts}${location.kind === 'redis-sentinel' ? `/${location.name ?? 'mymaster'}` : ''}`;
}

/** The ioredis connection options a location's credentials and TLS call for. */
export function redisAuthOptions(
  location: StoreLocation,
  tls: ConnectionOptions = {},
): { username?: string; password?: string; tls?: ConnectionOptions } {
  return {
    ...(location.username === undefined ? {} : { username: location.username }),
    ...(location.password === undefined ? {} : { password: location.password }),
    ...(location.tls ? { tls } : {}),
  };
}

export interface CreateStoreOptions {
  /** Deadline of every store command, in milliseconds. @default DEFAULT_STORE_TIMEOUT_MS */
  timeoutMs?: number;
  onError?: (error: Error) => void;
  /** TLS options for `rediss*` URLs (e.g. `ca`). @default {} (system CAs, NODE_EXTRA_CA_CERTS) */
  tls?: ConnectionOptions;
  /** Redis only: see RedisStoreOptions.replicaAcks. @default 0 */
  replicaAcks?: number;
}

/** A store client for `url`; call `connect()` before use. */
export function createStoreFromUrl(url: string, options: CreateStoreOptions = {}): SessionStore {
  const location = parseStoreUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const replicaAcks = options.replicaAcks ?? 0;
  if (replicaAcks !== 0 && !location.kind.startsWith('redis'))
    throw new InvalidOptionError(
      `invalid replicaAcks ${replicaAcks} for ${location.kind}: only a redis store has replicas`,
    );
  const onError = {
    ...(options.onError ? { onError: options.onError } : {}),
    ...(replicaAcks === 0 ? {} : { replicaAcks }),
  };
  const auth = redisAuthOptions(location, options.tls);
  const [first] = location.hosts;
  switch (location.kind) {
    case 'memory':
      return new MemoryStore();
    case 'postgres':
      return new PostgresStore({ url: location.url ?? url, timeoutMs, ...onError });
    case 'memcached':
      return new MemcachedStore({
        locations: location.hosts.map((h) => `${h.host}:${h.port}`),
        timeoutMs,
      });
    case 'redis-cluster':
      return new RedisStore({ clusterNodes: location.hosts, timeoutMs, ...auth, ...onError });
    case 'redis-sentinel':
      return new RedisStore({
        sentinels: location.hosts,
        sentinelName: location.name ?? 'mymaster',
        timeoutMs,
        ...auth,
        ...onError,
      });
    case 'redis':
      return new RedisStore({
        url: `redis://${first?.host}:${first?.port}`,
        timeoutMs,
        ...auth,
        ...onError,
      });
  }
}
