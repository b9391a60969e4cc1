/**
 * The store processes a local cluster runs on, by store kind, and the store URL its nodes use
 * (stores/from-url.ts). Fault operations address `processes` by index.
 */
import { formatStoreUrl, parseStoreUrl } from '../stores/from-url.ts';
import type { StoreKind } from '../stores/from-url.ts';
import pg from 'pg';
import { migratePostgres } from '../stores/postgres-migrate.ts';
import { startPostgres } from './postgres.ts';
import { clusterFailover, sentinelFailover } from './failover.ts';
import type { FailoverControl } from './failover.ts';
import type { ManagedProcess } from './process.ts';
import { startMemcached, startRedis, startRedisCluster, startRedisSentinel } from './services.ts';
import type { MemcachedServer, RedisPersistence } from './services.ts';

export interface StoreServices {
  kind: StoreKind;
  /** What the nodes are given: `redis://…`, `memcached://a,b`, `memory://`. */
  url: string;
  /** One `host:port` per process, in the order of `processes`. */
  endpoints: string[];
  processes: ManagedProcess[];
  /** Present when the store has replicas to fail over to (Sentinel, Cluster). */
  failover?: FailoverControl;
  stop(): Promise<void>;
}

/** memcached runs on two nodes: sessions spread over both by consistent hashing. */
const MEMCACHED_NODES = 2;
/** A local redis cluster has a replica per master, so that it can fail over. */
const CLUSTER_REPLICAS_PER_MASTER = 1;

export async function startStores(
  kind: StoreKind,
  dir: string,
  persistence: RedisPersistence = 'aof',
): Promise<StoreServices> {
  const endpointOf = (s: { host: string; port: number }): string => `${s.host}:${s.port}`;
  switch (kind) {
    case 'memory':
      return { kind, url: 'memory://', endpoints: [], processes: [], stop: async () => undefined };
    case 'redis': {
      const server = await startRedis({ dir, persistence });
      return {
        kind,
        url: server.url,
        endpoints: [endpointOf(server)],
        processes: [server.process],
        stop: () => server.stop(),
      };
    }
    case 'redis-cluster': {
      const replicasPerMaster = CLUSTER_REPLICAS_PER_MASTER;
      const cluster = await startRedisCluster({ dir, persistence, replicasPerMaster });
      return {
        kind,
        url: formatStoreUrl({ kind, hosts: cluster.nodes }),
        endpoints: cluster.nodes.map(endpointOf),
        processes: cluster.servers.map((s) => s.process),
        failover: clusterFailover(cluster),
        stop: () => cluster.stop(),
      };
    }
    case 'redis-sentinel': {
      const group = await startRedisSentinel({ dir });
      const sentinelPorts = group.sentinels.map(endpointOf);
      return {
        kind,
        url: formatStoreUrl({ kind, hosts: group.sentinels, name: group.name }),
        endpoints: [group.master, ...group.replicas].map(endpointOf).concat(sentinelPorts),
        processes: [group.master, ...group.replicas]
          .map((s) => s.process)
          .concat(group.sentinelProcesses),
        failover: sentinelFailover(group),
        stop: () => group.stop(),
      };
    }
    case 'postgres': {
      const server = await startPostgres({ dir });
      try {
        await migrateOnce(server.url);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return {
        kind,
        url: server.url,
        endpoints: [endpointOf(server)],
        processes: [server.process],
        stop: () => server.stop(),
      };
    }
    case 'memcached': {
      const servers: MemcachedServer[] = [];
      try {
        for (let i = 0; i < MEMCACHED_NODES; i++) servers.push(await startMemcached({ dir }));
      } catch (error) {
        await Promise.all(servers.map((s) => s.stop()));
        throw error;
      }
      return {
        kind,
        url: formatStoreUrl({ kind, hosts: servers }),
        endpoints: servers.map(endpointOf),
        processes: servers.map((s) => s.process),
        stop: async () => void (await Promise.all(servers.map((s) => s.stop()))),
      };
    }
  }
}

/** Applies the store's schema, as `sessionlab store migrate` does, before any node starts. */
async function migrateOnce(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
}

/** A store somebody else runs (`--store-url`): nothing to start or stop, no fault targets. */
export function externalStores(url: string): StoreServices {
  const location = parseStoreUrl(url);
  return {
    kind: location.kind,
    url,
    endpoints: location.hosts.map((h) => `${h.host}:${h.port}`),
    processes: [],
    stop: async () => undefined,
  };
}
