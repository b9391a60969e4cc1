/**
 * Real services for one tap test: each helper starts them in a fresh temp folder and stops them
 * at teardown. The folder (data and logs) is removed only when the test passed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import {
  startMemcached,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
  type MemcachedServer,
  type RedisCluster,
  type RedisClusterOptions,
  type RedisOptions,
  type RedisSentinel,
  type RedisServer,
} from '../../orchestrator/services.ts';
import { startPostgres, type PostgresServer } from '../../orchestrator/postgres.ts';

/** One redis-server, stopped at teardown. */
export function redisFor(t: Test, options: Omit<RedisOptions, 'dir'> = {}): Promise<RedisServer> {
  return startForTest(t, (dir) => startRedis({ ...options, dir }));
}

/** A 3-master redis cluster with every node reporting `cluster_state:ok`, stopped at teardown. */
export function redisClusterFor(
  t: Test,
  options: Omit<RedisClusterOptions, 'dir'> = {},
): Promise<RedisCluster> {
  return startForTest(t, (dir) => startRedisCluster({ ...options, dir }));
}

/** A master, 2 synced replicas and 3 sentinels naming the master, stopped at teardown. */
export function redisSentinelFor(t: Test): Promise<RedisSentinel> {
  return startForTest(t, (dir) => startRedisSentinel({ dir }));
}

/** `count` memcached servers on distinct ports, stopped at teardown. */
export async function memcachedFor(t: Test, count = 1): Promise<MemcachedServer[]> {
  const group = await startForTest(t, async (dir) => {
    const servers: MemcachedServer[] = [];
    const stop = async (): Promise<void> => {
      await Promise.all(servers.map((server) => server.stop()));
    };
    try {
      // One after the other: a started server holds its port, so the next free port differs.
      for (let i = 0; i < count; i++) servers.push(await startMemcached({ dir }));
    } catch (error) {
      await stop();
      throw error;
    }
    return { servers, stop };
  });
  return group.servers;
}

/** One PostgreSQL server (initdb into the test folder), stopped at teardown. */
export function postgresFor(t: Test): Promise<PostgresServer> {
  return startForTest(t, (dir) => startPostgres({ dir }));
}

async function startForTest<T extends { stop(): Promise<void> }>(
  t: Test,
  start: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-'));
  const service = await start(dir);
  t.teardown(async () => {
    await service.stop();
    // Keep the logs of a failed test to read why.
    if (t.passing()) await rm(dir, { recursive: true, force: true });
    else console.error(`sessionlab: service logs kept in ${dir}`);
  });
  return service;
}
