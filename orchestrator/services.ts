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
  /** Number of master nodes, no replicas (redis cluster needs at least 3). @default 3 */
  masters?: number;
  /** Of every node (see RedisOptions). @default 'aof' */
  persistence?: RedisPersistence;
}

export const DEFAULT_REDIS_CLUSTER_OPTIONS = { masters: 3 } as const;

export interface RedisCluster {
  nodes: Endpoint[];
  servers: RedisServer[];
  stop(): Promise<void>;
}

export type RedisSentinelOptions = ServiceDirOptions;

export interface RedisSentinel {
  sentinels: Endpoint[];
  name: typeof SENTINEL_MASTER_NAME;
  master: RedisServer;
  replica: RedisServer;
  sentinel: ManagedProcess;
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
  const dir = join(options.dir, 'redis-cluster');
  await mkdir(dir, { recursive: true });
  // Explicit bus ports: the default (port + 10000) may be taken, or past 65535.
  const ports = await freePorts(masters * 2, HOST);
  const servers: RedisServer[] = [];
  const stop = (): Promise<void> => stopAll(servers);
  try {
    for (const [i, port] of ports.slice(0, masters).entries()) {
      const busPort = String(ports[masters + i]);
      const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-port', busPort];
      const configArgs = ['--cluster-config-file', join(dir, `nodes-${port}.conf`)];
      const extraArgs = [...clusterArgs, ...configArgs];
      const persistence = options.persistence ?? DEFAULT_REDIS_OPTIONS.persistence;
      servers.push(await startRedis({ dir, port, extraArgs, persistence }));
    }
    const [seed] = servers;
    if (seed === undefined) throw new Error('no redis cluster node started');
    const addresses = servers.map((server) => `${HOST}:${server.port}`);
    const create = ['--cluster', 'create', ...addresses, '--cluster-replicas', '0'];
    await runRedisCli(seed.port, [...create, '--cluster-yes'], 30_000);
    const isOk = (s: RedisServer): Promise<boolean> =>
      printsLine(s.port, ['cluster', 'info'], 'cluster_state:ok');
    await waitFor(async () => (await Promise.all(servers.map(isOk))).every(Boolean), {
      what: `redis cluster ${addresses.join(' ')}`,
      timeoutMs: 20_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map(({ host, port }) => ({ host, port })), servers, stop };
}

/**
 * Starts a master, one replica and one sentinel watching them; resolves once the replica is in
 * sync and the sentinel names the master.
 */
export async function startRedisSentinel(options: RedisSentinelOptions): Promise<RedisSentinel> {
  const dir = join(options.dir, 'redis-sentinel');
  await mkdir(dir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  try {
    const master = await startRedis({ dir });
    started.push(master);
    const replicaOf = ['--replicaof', HOST, String(master.port)];
    const replica = await startRedis({ dir, extraArgs: replicaOf });
    started.push(replica);
    await waitFor(() => printsLine(replica.port, ['info'], 'master_link_status:up'), {
      what: `replica ${HOST}:${replica.port} of ${HOST}:${master.port}`,
    });
    const port = await freePort(HOST);
    const config = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file as it learns, so it must be a writable file.
    await writeFile(config, renderSentinelConfig(port, master.port));
    const sentinel = new ManagedProcess({
      name: `redis-sentinel ${HOST}:${port}`,
      command: 'redis-server',
      args: [config, '--sentinel'],
      logFile: join(dir, 'sentinel.log'),
      cwd: dir,
      ready: (pid) => isRedisProcess(port, pid),
    });
    await sentinel.start();
    started.push(sentinel);
    const query = ['sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME];
    await waitFor(async () => (await runRedisCli(port, query)) === `${HOST}\n${master.port}\n`, {
      what: `sentinel ${HOST}:${port} naming master ${HOST}:${master.port}`,
    });
    const sentinels = [{ host: HOST, port }];
    const stop = (): Promise<void> => stopAll(started);
    return { sentinels, name: SENTINEL_MASTER_NAME, master, replica, sentinel, stop };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
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

async function printsLine(port: number, args: readonly string[], line: string): Promise<boolean> {
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

/** Quorum 1 and short timeouts (ms), so a failover test takes seconds, not a minute. */
function renderSentinelConfig(port: number, masterPort: number): string {
  const name = SENTINEL_MASTER_NAME;
  return (
    `port ${port}\nbind ${HOST}\nsentinel monitor ${name} ${HOST} ${masterPort} 1\n` +
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
