/**
 * Starts redis-server (standalone, cluster, sentinel) and memcached as child processes on free
 * 127.0.0.1 ports. Each start function makes its own folder under `dir` for data and logs.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvalidOptionError } from '../core/errors.ts';
import { freePort, freePorts, sendAndReceive, waitFor } from './ports.ts';
import { findExecutable, ManagedProcess } from './process.ts';

const HOST = '127.0.0.1';
const SENTINEL_MASTER_NAME = 'mymaster';
const execFileAsync = promisify(execFile);

export interface Endpoint {
  host: string;
  port: number;
}

export interface RunningService extends Endpoint {
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface RedisServer extends RunningService {
  /** `redis://127.0.0.1:port` */
  url: string;
}

export interface MemcachedServer extends RunningService {
  /** `127.0.0.1:port`, the form memcached clients take. */
  location: string;
}

export interface ServiceDirOptions {
  /** Folder under which the service makes its own folder for data and logs. */
  dir: string;
}

export interface RedisOptions extends ServiceDirOptions {
  /** Port to listen on; `process.restart()` comes back on it. @default a free port */
  port?: number;
  /** More redis-server arguments: `['--replicaof', '127.0.0.1', '6390']`. @default [] */
  extraArgs?: readonly string[];
  /**
   * `aof`: as production runs a session store, an append-only file in the service folder,
   * fsynced every second, so a restart (even after SIGKILL) keeps every session; `none`: in
   * memory only, a restart loses everything.
   * @default 'aof'
   */
  persistence?: RedisPersistence;
}

export type RedisPersistence = 'aof' | 'none';
export const DEFAULT_REDIS_OPTIONS = { persistence: 'aof' } as const;

export interface RedisClusterOptions extends ServiceDirOptions {
  /** Number of master nodes (redis cluster needs at least 3). @default 3 */
  masters?: number;
  /** Replicas of each master, in sync before the start resolves. @default 0 */
  replicasPerMaster?: number;
  /** Of every node (see RedisOptions). @default 'aof' */
  persistence?: RedisPersistence;
}

export const DEFAULT_REDIS_CLUSTER_OPTIONS = { masters: 3, replicasPerMaster: 0 } as const;

export interface RedisCluster {
  /** Every node, masters first (as `servers`). */
  nodes: Endpoint[];
  /** The masters, then the replicas, in start order (roles change with a failover). */
  servers: RedisServer[];
  stop(): Promise<void>;
}

export interface RedisSentinelOptions extends ServiceDirOptions {
  /** Replicas of the master, in sync before the start resolves. @default 2 */
  replicas?: number;
  /** Sentinels watching the master; the quorum is a majority of them. @default 3 */
  sentinels?: number;
}

export const DEFAULT_REDIS_SENTINEL_OPTIONS = { replicas: 2, sentinels: 3 } as const;

export interface RedisSentinel {
  sentinels: Endpoint[];
  name: typeof SENTINEL_MASTER_NAME;
  /** The master at start (a failover moves the role: ask a sentinel). */
  master: RedisServer;
  replicas: RedisServer[];
  sentinelProcesses: ManagedProcess[];
  stop(): Promise<void>;
}

export interface MemcachedOptions extends ServiceDirOptions {
  /** Port to listen on; `process.restart()` comes back on it. @default a free port */
  port?: number;
  /** Memory for items, in megabytes. @default 64 */
  memoryMb?: number;
}

export const DEFAULT_MEMCACHED_OPTIONS = { memoryMb: 64 } as const;

/** Starts one redis-server; resolves once it answers on its port. */
export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  const port = options.port ?? (await freePort(HOST));
  checkInteger('port', port, 1, 65535);
  const persistence = options.persistence ?? DEFAULT_REDIS_OPTIONS.persistence;
  if (persistence !== 'aof' && persistence !== 'none') {
    throw new InvalidOptionError(
      `invalid persistence "${String(persistence)}": expected aof | none`,
    );
  }
  const appendOnly = persistence === 'aof' ? ['yes', '--appendfsync', 'everysec'] : ['no'];
  const dir = join(options.dir, `redis-${port}`);
  await mkdir(dir, { recursive: true });
  const managed = new ManagedProcess({
    name: `redis-server ${HOST}:${port}`,
    command: 'redis-server',
    args: [
      // No RDB snapshots: the append-only file alone is the durable copy.
      ...['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', ...appendOnly],
      ...['--dir', dir, '--protected-mode', 'no'],
      // A replica syncs at once, not after the default 5 s wait for more replicas to batch.
      ...['--repl-diskless-sync-delay', '0', ...(options.extraArgs ?? [])],
    ],
    logFile: join(dir, 'redis.log'),
    ready: (pid) => isRedisProcess(port, pid),
  });
  await managed.start();
  const url = `redis://${HOST}:${port}`;
  return { host: HOST, port, url, process: managed, stop: () => managed.stop() };
}

/** Starts `masters` cluster nodes, joins them, and resolves once every node says `ok`. */
export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const masters = options.masters ?? DEFAULT_REDIS_CLUSTER_OPTIONS.masters;
  checkInteger('masters', masters, 3);
  const replicas = options.replicasPerMaster ?? DEFAULT_REDIS_CLUSTER_OPTIONS.replicasPerMaster;
  checkInteger('replicasPerMaster', replicas, 0, 5);
  const count = masters * (1 + replicas);
  const dir = join(options.dir, 'redis-cluster');
  await mkdir(dir, { recursive: true });
  // Explicit bus ports: the default (port + 10000) may be taken, or past 65535.
  const ports = await freePorts(count * 2, HOST);
  const servers: RedisServer[] = [];
  const stop = (): Promise<void> => stopAll(servers);
  try {
    for (const [i, port] of ports.slice(0, count).entries()) {
      const busPort = String(ports[count + i]);
      const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-port', busPort];
      const configArgs = ['--cluster-config-file', join(dir, `nodes-${port}.conf`)];
      const extraArgs = [...clusterArgs, ...configArgs];
      const persistence = options.persistence ?? DEFAULT_REDIS_OPTIONS.persistence;
      servers.push(await startRedis({ dir, port, extraArgs, persistence }));
    }
    const [seed] = servers;
    if (seed === undefined) throw new Error('no redis cluster node started');
    const addresses = servers.map((server) => `${HOST}:${server.port}`);
    // redis-cli makes the first `masters` addresses the masters, the rest their replicas.
    const create = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas)];
    await runRedisCli(seed.port, [...create, '--cluster-yes'], 30_000);
    const isOk = (s: RedisServer): Promise<boolean> =>
      printsLine(s.port, ['cluster', 'info'], 'cluster_state:ok');
    await waitFor(async () => (await Promise.all(servers.map(isOk))).every(Boolean), {
      what: `redis cluster ${addresses.join(' ')}`,
      timeoutMs: 20_000,
    });
    await waitForReplicasInSync(servers.slice(masters));
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map(({ host, port }) => ({ host, port })), servers, stop };
}

/**
 * Starts a master, its replicas and the sentinels watching them; resolves once every replica
 * is in sync and every sentinel names the master and sees all replicas and the other sentinels.
 */
export async function startRedisSentinel(options: RedisSentinelOptions): Promise<RedisSentinel> {
  const replicaCount = options.replicas ?? DEFAULT_REDIS_SENTINEL_OPTIONS.replicas;
  checkInteger('replicas', replicaCount, 0, 5);
  const sentinelCount = options.sentinels ?? DEFAULT_REDIS_SENTINEL_OPTIONS.sentinels;
  checkInteger('sentinels', sentinelCount, 1, 7);
  const dir = join(options.dir, 'redis-sentinel');
  await mkdir(dir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  try {
    const master = await startRedis({ dir });
    started.push(master);
    const replicas: RedisServer[] = [];
    const replicaOf = ['--replicaof', HOST, String(master.port)];
    for (let i = 0; i < replicaCount; i++)
      replicas.push(await startRedis({ dir, extraArgs: replicaOf }));
    started.push(...replicas);
    await waitForReplicasInSync(replicas);
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const ports = await freePorts(sentinelCount, HOST);
    const sentinelProcesses: ManagedProcess[] = [];
    for (const port of ports) {
      // Sentinel rewrites its config file as it learns, so each needs its own writable file.
      const config = join(dir, `sentinel-${port}.conf`);
      await writeFile(config, renderSentinelConfig(port, master.port, quorum));
      const sentinel = new ManagedProcess({
        name: `redis-sentinel ${HOST}:${port}`,
        command: 'redis-server',
        args: [config, '--sentinel'],
        logFile: join(dir, `sentinel-${port}.log`),
        cwd: dir,
        ready: (pid) => isRedisProcess(port, pid),
      });
      await sentinel.start();
      started.push(sentinel);
      sentinelProcesses.push(sentinel);
    }
    const sentinels = ports.map((port) => ({ host: HOST, port }));
    await waitFor(
      async () => {
        const views = await Promise.all(ports.map((port) => sentinelView(port)));
        return views.every(
          (v) =>
            v.master === master.port &&
            v.replicas === replicaCount &&
            v.sentinels === sentinelCount - 1,
        );
      },
      {
        what: `${sentinelCount} sentinels agreeing on master ${HOST}:${master.port}`,
        timeoutMs: 20_000,
      },
    );
    const stop = (): Promise<void> => stopAll(started);
    return { sentinels, name: SENTINEL_MASTER_NAME, master, replicas, sentinelProcesses, stop };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** What one sentinel knows of the master it watches: its port, replicas and other sentinels. */
export async function sentinelView(
  port: number,
): Promise<{ master: number | undefined; replicas: number; sentinels: number }> {
  const fields = new Map<string, string>();
  const lines = (await runRedisCli(port, ['sentinel', 'master', SENTINEL_MASTER_NAME])).split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) fields.set(lines[i] ?? '', lines[i + 1] ?? '');
  const up = !(fields.get('flags') ?? 's_down').includes('down');
  return {
    master: up ? Number(fields.get('port')) : undefined,
    replicas: Number(fields.get('num-slaves') ?? 0),
    sentinels: Number(fields.get('num-other-sentinels') ?? 0),
  };
}

/** Resolves once every one of `replicas` reports its link to its master up. */
export async function waitForReplicasInSync(replicas: readonly Endpoint[]): Promise<void> {
  const inSync = (r: Endpoint): Promise<boolean> =>
    printsLine(r.port, ['info', 'replication'], 'master_link_status:up');
  await waitFor(async () => (await Promise.all(replicas.map(inSync))).every(Boolean), {
    what: `replicas ${replicas.map((r) => `${HOST}:${r.port}`).join(' ')} in sync`,
    timeoutMs: 20_000,
  });
}

/** Starts one memcached without UDP; resolves once it answers on its port. */
export async function startMemcached(options: MemcachedOptions): Promise<MemcachedServer> {
  const memoryMb = options.memoryMb ?? DEFAULT_MEMCACHED_OPTIONS.memoryMb;
  checkInteger('memoryMb', memoryMb, 1);
  const port = options.port ?? (await freePort(HOST));
  checkInteger('port', port, 1, 65535);
  const dir = join(options.dir, `memcached-${port}`);
  await mkdir(dir, { recursive: true });
  // memcached refuses to run as root unless `-u` names the user to run as.
  const userArgs = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const managed = new ManagedProcess({
    name: `memcached ${HOST}:${port}`,
    command: 'memcached',
    args: ['-l', HOST, '-p', String(port), '-U', '0', '-m', String(memoryMb), ...userArgs],
    logFile: join(dir, 'memcached.log'),
    ready: (pid) => isMemcachedProcess(port, pid),
  });
  await managed.start();
  const location = `${HOST}:${port}`;
  return { host: HOST, port, location, process: managed, stop: () => managed.stop() };
}

/** Runs redis-cli against 127.0.0.1:`port` and resolves with its output (raw, not a TTY). */
export async function runRedisCli(
  port: number,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<string> {
  const cli = await findExecutable('redis-cli');
  const argv = ['-h', HOST, '-p', String(port), ...args];
  const { stdout } = await execFileAsync(cli, argv, { timeout: timeoutMs });
  return stdout;
}

export async function printsLine(
  port: number,
  args: readonly string[],
  line: string,
): Promise<boolean> {
  return (await runRedisCli(port, args)).split(/\r?\n/).includes(line);
}

function isRedisProcess(port: number, pid: number): Promise<boolean> {
  const reply = sendAndReceive(HOST, port, 'INFO server\r\n', { until: '\r\n\r\n' });
  return reply.then((text) => text.includes(`\r\nprocess_id:${pid}\r\n`)).catch(() => false);
}

function isMemcachedProcess(port: number, pid: number): Promise<boolean> {
  const reply = sendAndReceive(HOST, port, 'stats\r\n', { until: 'END\r\n' });
  const line = new RegExp(`(^|\r\n)STAT pid ${pid}\r\n`);
  return reply.then((text) => line.test(text)).catch(() => false);
}

/** Short timeouts (ms), so a failover takes seconds, not a minute. */
function renderSentinelConfig(port: number, masterPort: number, quorum: number): string {
  const name = SENTINEL_MASTER_NAME;
  return (
    `port ${port}\nbind ${HOST}\nsentinel monitor ${name} ${HOST} ${masterPort} ${quorum}\n` +
    `sentinel down-after-milliseconds ${name} 1000\nsentinel failover-timeout ${name} 5000\n`
  );
}

function checkInteger(field: string, value: number, min: number, max = Infinity): void {
  if (Number.isInteger(value) && value >= min && value <= max) return;
  const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
  throw new InvalidOptionError(`invalid ${field} ${value}: expected an integer ${range}`);
}

async function stopAll(services: readonly { stop(): Promise<void> }[]): Promise<void> {
  await Promise.all(services.map((service) => service.stop()));
}
