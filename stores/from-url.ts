/**
 * One string names a store and where it is, for command lines and config files:
 *   redis://127.0.0.1:6379              redis-cluster://127.0.0.1:7000,127.0.0.1:7001
 *   redis-sentinel://127.0.0.1:26379/mymaster   memcached://127.0.0.1:11211,127.0.0.1:11212
 *   memory://  (process-local: a negative control, never shared between nodes)
 */
import { InvalidOptionError } from '../core/errors.ts';
import { MemcachedStore } from './memcached.ts';
import { MemoryStore } from './memory.ts';
import { RedisStore } from './redis.ts';
import type { SessionStore } from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

export const STORE_KINDS = [
  'redis',
  'redis-cluster',
  'redis-sentinel',
  'memcached',
  'memory',
] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoreLocation {
  kind: StoreKind;
  /** host:port of each server (empty for memory). */
  hosts: { host: string; port: number }[];
  /** Sentinel master name. */
  name?: string;
}

const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

export function parseStoreUrl(url: string): StoreLocation {
  const match = /^([a-z-]+):\/\/(.*)$/.exec(url);
  const kind = match?.[1] as StoreKind | undefined;
  if (!match || kind === undefined || !STORE_KINDS.includes(kind)) {
    throw new InvalidOptionError(
      `invalid store "${url}": expected ${STORE_KINDS.map((k) => `${k}://`).join(' | ')}`,
    );
  }
  const rest = match[2] ?? '';
  if (kind === 'memory') return { kind, hosts: [] };
  const [list = '', name] = rest.split('/');
  const hosts = list.split(',').map((entry) => {
    const parts = HOST_PORT.exec(entry);
    const port = Number(parts?.[2]);
    if (!parts || port < 1 || port > 65535) {
      throw new InvalidOptionError(`invalid store "${url}": "${entry}" is not host:port`);
    }
    return { host: (parts[1] ?? '').replace(/^\[|\]$/g, ''), port };
  });
  if (kind === 'redis' && hosts.length !== 1)
    throw new InvalidOptionError(`invalid store "${url}": redis:// takes one host:port`);
  if (kind === 'redis-sentinel') return { kind, hosts, name: name || 'mymaster' };
  return { kind, hosts };
}

export function formatStoreUrl(location: StoreLocation): string {
  const hosts = location.hosts
    .map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`)
    .join(',');
  return `${location.kind}://${hosts}${location.kind === 'redis-sentinel' ? `/${location.name ?? 'mymaster'}` : ''}`;
}

export interface CreateStoreOptions {
  /** Deadline of every store command, in milliseconds. @default DEFAULT_STORE_TIMEOUT_MS */
  timeoutMs?: number;
  onError?: (error: Error) => void;
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
  const [first] = location.hosts;
  switch (location.kind) {
    case 'memory':
      return new MemoryStore();
    case 'memcached':
      return new MemcachedStore({
        locations: location.hosts.map((h) => `${h.host}:${h.port}`),
        timeoutMs,
      });
    case 'redis-cluster':
      return new RedisStore({ clusterNodes: location.hosts, timeoutMs, ...onError });
    case 'redis-sentinel':
      return new RedisStore({
        sentinels: location.hosts,
        sentinelName: location.name ?? 'mymaster',
        timeoutMs,
        ...onError,
      });
    case 'redis':
      return new RedisStore({
        url: `redis://${first?.host}:${first?.port}`,
        timeoutMs,
        ...onError,
      });
  }
}
