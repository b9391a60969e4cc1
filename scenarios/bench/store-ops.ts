/**
 * Store commands per request, read from the store itself around a known request script: redis
 * `INFO commandstats` (every node of a cluster, summed) and memcached `stats` (every node).
 */
import { sendAndReceive } from '../../orchestrator/ports.ts';

export interface StoreCounterSource {
  kind: 'redis' | 'memcached';
  /** `host:port` of every server process of the store. */
  endpoints: readonly string[];
}

export type Counters = Record<string, number>;

/**
 * Not session work: our own INFO, and the cluster topology refreshes ioredis makes on a timer.
 */
const HOUSEKEEPING = /^(info|cluster\|.*)$/;

/** `cmdstat_hgetall:calls=3,usec=…` lines → `{ hgetall: 3 }`. */
export function parseCommandStats(text: string): Counters {
  const counters: Counters = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counters[match[1] as string] = Number(match[2]);
  }
  return counters;
}

/**
 * memcached `stats` → operations by command. `set` is every storage command but cas (memcached
 * counts cas within cmd_set); `get` counts keys fetched by get and gets.
 */
export function parseMemcachedStats(text: string): Counters {
  const stat = (name: string): number =>
    Number(new RegExp(`^STAT ${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const cas = stat('cas_hits') + stat('cas_misses') + stat('cas_badval');
  return {
    get: stat('cmd_get'),
    set: stat('cmd_set') - cas,
    cas,
    touch: stat('cmd_touch'),
    delete: stat('delete_hits') + stat('delete_misses'),
    incr: stat('incr_hits') + stat('incr_misses'),
    decr: stat('decr_hits') + stat('decr_misses'),
  };
}

/** (after − before) / requests by command, to 2 decimals; housekeeping and zeros left out. */
export function opsPerRequest(before: Counters, after: Counters, requests: number): Counters {
  const perRequest: Counters = {};
  for (const [command, count] of Object.entries(after)) {
    const delta = count - (before[command] ?? 0);
    if (delta > 0 && !HOUSEKEEPING.test(command)) {
      perRequest[command] = Math.round((delta / requests) * 100) / 100;
    }
  }
  return perRequest;
}

/** The store's command counters now, summed over its servers. */
export async function readCounters(source: StoreCounterSource): Promise<Counters> {
  const replies = await Promise.all(
    source.endpoints.map((endpoint) => {
      const [host = '', port = ''] = endpoint.split(/:(?=\d+$)/);
      return source.kind === 'redis'
        ? sendAndReceive(host, Number(port), 'INFO commandstats\r\n', { until: '\r\n\r\n' })
        : sendAndReceive(host, Number(port), 'stats\r\n', { until: 'END\r\n' });
    }),
  );
  const total: Counters = {};
  for (const reply of replies) {
    const counters =
      source.kind === 'redis' ? parseCommandStats(reply) : parseMemcachedStats(reply);
    for (const [command, count] of Object.entries(counters)) {
      total[command] = (total[command] ?? 0) + count;
    }
  }
  return total;
}

/** Runs `script` (which resolves with how many requests it sent) between two counter reads. */
export async function measureStoreOps(
  source: StoreCounterSource | undefined,
  script: () => Promise<number>,
): Promise<Counters> {
  if (source === undefined) {
    await script();
    return {};
  }
  const before = await readCounters(source);
  const requests = await script();
  return opsPerRequest(before, await readCounters(source), requests);
}
