/**
 * Read-only looks into the target's store for the SL-ST checks, from `--store-url`: which keys
 * hold a token in their name or a marker in their content, with what TTL, what values are
 * stored, how many writes were served.
 * Redis through ioredis (SCAN on every master); memcached over its text protocol
 * (`lru_crawler metadump all` lists keys with their expiry); PostgreSQL in postgres-inspector.ts.
 */
import { Cluster, Redis } from 'ioredis';
import { sendAndReceive } from '../../orchestrator/ports.ts';
import { parseStoreUrl, redisAuthOptions } from '../../stores/from-url.ts';
import { PostgresInspector } from './postgres-inspector.ts';
import type { StoreInspector } from './types.ts';

const REDIS_WRITES = new Set([
  'set',
  'setex',
  'psetex',
  'hset',
  'hmset',
  'hdel',
  'hincrby',
  'del',
  'unlink',
  'expire',
  'pexpire',
  'persist',
  'eval',
  'evalsha',
  'sadd',
  'srem',
  'getex',
  'getdel',
]);

/** Sum of write commands in `INFO commandstats` output. */
export function countRedisWrites(info: string): number {
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (REDIS_WRITES.has(match[1] as string)) total += Number(match[2]);
  }
  return total;
}

/** True when a reply (string, list, or hash as an object) has `marker` in a name or value. */
function holds(reply: unknown, marker: string): boolean {
  if (typeof reply === 'string') return reply.includes(marker);
  if (Array.isArray(reply)) return reply.some((v) => holds(v, marker));
  if (reply !== null && typeof reply === 'object')
    return Object.entries(reply).some(([name, v]) => name.includes(marker) || holds(v, marker));
  return false;
}

class RedisInspector implements StoreInspector {
  readonly kind = 'redis' as const;
  readonly #client: Redis | Cluster;

  constructor(client: Redis | Cluster) {
    this.#client = client;
  }

  #masters(): Redis[] {
    return this.#client instanceof Cluster ? this.#client.nodes('master') : [this.#client];
  }

  async findKeys(token: string): Promise<{ key: string; ttlMs: number }[]> {
    const keys: string[] = [];
    for (const node of this.#masters()) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `*${token}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
    return Promise.all(keys.map(async (key) => ({ key, ttlMs: await this.#client.pttl(key) })));
  }

  async keysHolding(marker: string): Promise<{ key: string; ttlMs: number }[]> {
    const found: string[] = [];
    for (const node of this.#masters()) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'COUNT', 1000);
        cursor = next;
        // One round trip per batch: the key's type, then its whole content by type.
        const types = (await node.pipeline(batch.map((k) => ['type', k])).exec()) ?? [];
        const reads = batch.map((key, i) => {
          const type = String(types[i]?.[1] ?? '');
          if (type === 'hash') return ['hgetall', key];
          if (type === 'set') return ['smembers', key];
          return type === 'string' ? ['get', key] : ['exists', key];
        });
        const contents = (await node.pipeline(reads).exec()) ?? [];
        for (const [i, key] of batch.entries())
          if (holds(contents[i]?.[1], marker)) found.push(key);
      } while (cursor !== '0');
    }
    return Promise.all(found.map(async (key) => ({ key, ttlMs: await this.#client.pttl(key) })));
  }

  async values(key: string): Promise<string[]> {
    const type = await this.#client.type(key);
    if (type === 'hash') return this.#client.hvals(key);
    if (type === 'set') return this.#client.smembers(key);
    if (type === 'string') return [(await this.#client.get(key)) ?? ''];
    return [];
  }

  async writeCount(): Promise<number> {
    const infos = await Promise.all(this.#masters().map((node) => node.info('commandstats')));
    return infos.reduce((sum, info) => sum + countRedisWrites(info), 0);
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }
}

/** memcached runs one crawler at a time and answers this to a second `lru_crawler metadump`. */
const CRAWLER_BUSY = 'BUSY currently processing crawler request\r\n';
const METADUMP_DEADLINE_MS = 15_000;

/**
 * `lru_crawler metadump all` on one host. Checks run concurrently and each lists keys, so a dump
 * often finds the crawler busy with another one: it waits and asks again (bounded by a deadline),
 * rather than waiting for an `END` that a BUSY reply never brings.
 */
async function metadump(host: string, port: number): Promise<string> {
  const deadline = Date.now() + METADUMP_DEADLINE_MS;
  for (let attempt = 0; ; attempt += 1) {
    const reply = await sendAndReceive(host, port, 'lru_crawler metadump all\r\n', {
      until: ['END\r\n', CRAWLER_BUSY],
      timeoutMs: Math.max(1000, deadline - Date.now()),
    });
    if (!reply.startsWith('BUSY')) return reply;
    if (Date.now() >= deadline)
      throw new Error(
        `${host}:${port}: the memcached crawler stayed busy for ${METADUMP_DEADLINE_MS} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)));
  }
}

class MemcachedInspector implements StoreInspector {
  readonly kind = 'memcached' as const;
  readonly #hosts: { host: string; port: number }[];

  constructor(hosts: { host: string; port: number }[]) {
    this.#hosts = hosts;
  }

  /** Every item of every host, with its host and remaining TTL. */
  async #items(): Promise<{ key: string; ttlMs: number; host: string; port: number }[]> {
    const items: { key: string; ttlMs: number; host: string; port: number }[] = [];
    for (const { host, port } of this.#hosts) {
      const dump = await metadump(host, port);
      for (const line of dump.split(/\r?\n/)) {
        const key = decodeURIComponent(/(?:^|\s)key=(\S+)/.exec(line)?.[1] ?? '');
        if (key === '') continue;
        const exp = Number(/(?:^|\s)exp=(-?\d+)/.exec(line)?.[1] ?? -1);
        items.push({ key, ttlMs: exp < 0 ? -1 : exp * 1000 - Date.now(), host, port });
      }
    }
    return items;
  }

  async findKeys(token: string): Promise<{ key: string; ttlMs: number }[]> {
    return (await this.#items())
      .filter((item) => item.key.includes(token))
      .map(({ key, ttlMs }) => ({ key, ttlMs }));
  }

  async keysHolding(marker: string): Promise<{ key: string; ttlMs: number }[]> {
    const items = await this.#items();
    const holding = new Set<string>();
    // Multi-key gets of 100 per host: a reply is `VALUE <key> <flags> <bytes>\r\n<data>\r\n`… END.
    for (const { host, port } of this.#hosts) {
      const keys = items.filter((item) => item.host === host && item.port === port);
      for (let i = 0; i < keys.length; i += 100) {
        const names = keys.slice(i, i + 100).map((k) => k.key);
        const reply = await sendAndReceive(host, port, `get ${names.join(' ')}\r\n`, {
          until: 'END\r\n',
          timeoutMs: 5000,
        });
        for (const chunk of reply.split(/^VALUE /m).slice(1))
          if (chunk.includes(marker)) holding.add(chunk.slice(0, chunk.indexOf(' ')));
      }
    }
    return items.filter((item) => holding.has(item.key)).map(({ key, ttlMs }) => ({ key, ttlMs }));
  }

  async values(key: string): Promise<string[]> {
    const out: string[] = [];
    for (const { host, port } of this.#hosts) {
      const reply = await sendAndReceive(host, port, `get ${key}\r\n`, {
        until: 'END\r\n',
        timeoutMs: 2000,
      });
      const body = reply.split('\r\n').slice(1, -2).join('\r\n');
      if (reply.startsWith('VALUE')) out.push(body);
    }
    return out;
  }

  async writeCount(): Promise<number> {
    let total = 0;
    for (const { host, port } of this.#hosts) {
      const stats = await sendAndReceive(host, port, 'stats\r\n', {
        until: 'END\r\n',
        timeoutMs: 2000,
      });
      for (const name of [
        'cmd_set',
        'cmd_touch',
        'delete_hits',
        'delete_misses',
        'incr_hits',
        'decr_hits',
      ]) {
        total += Number(new RegExp(`STAT ${name} (\\d+)`).exec(stats)?.[1] ?? 0);
      }
    }
    return total;
  }

  async close(): Promise<void> {}
}

/** An inspector for `url`, or undefined for a store that cannot be inspected (memory://). */
export async function createStoreInspector(url: string): Promise<StoreInspector | undefined> {
  const location = parseStoreUrl(url);
  if (location.kind === 'memcached') return new MemcachedInspector(location.hosts);
  if (location.kind === 'memory') return undefined;
  if (location.kind === 'postgres') return new PostgresInspector(location.url ?? url);
  const [first] = location.hosts;
  const auth = redisAuthOptions(location);
  let client: Redis | Cluster;
  if (location.kind === 'redis-cluster')
    client = new Cluster(location.hosts, { lazyConnect: true, redisOptions: auth });
  else if (location.kind === 'redis-sentinel')
    client = new Redis({
      sentinels: location.hosts,
      name: location.name ?? 'mymaster',
      lazyConnect: true,
      ...auth,
      ...(auth.tls ? { enableTLSForSentinelMode: true, sentinelTLS: auth.tls } : {}),
    });
  else
    client = new Redis({
      host: first?.host ?? '127.0.0.1',
      port: first?.port ?? 6379,
      lazyConnect: true,
      ...auth,
    });
  await client.connect();
  return new RedisInspector(client);
}
