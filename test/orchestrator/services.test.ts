import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { sendAndReceive } from '../../orchestrator/ports.ts';
import { ManagedProcess } from '../../orchestrator/process.ts';
import { runRedisCli, startRedis, startRedisCluster } from '../../orchestrator/services.ts';
import { memcachedFor, redisClusterFor, redisFor, redisSentinelFor } from '../helpers/services.ts';

const PONG = '+PONG\r\n';

/** The item at `index`; throws rather than let a missing one pass as undefined. */
function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an item at ${index} of ${items.length}`);
  return item;
}

/** The pid of a running process; throws when it is not running. */
function pidOf(managed: ManagedProcess): number {
  const pid = managed.pid;
  if (pid === undefined) throw new Error(`${managed.name} is not running`);
  return pid;
}

/** A temp folder removed at teardown. */
async function makeTempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function ping(port: number, timeoutMs = 1000): Promise<string> {
  return sendAndReceive('127.0.0.1', port, 'PING\r\n', { timeoutMs });
}

t.test('redis-server answers PING with PONG on its loopback port', async (t) => {
  const redis = await redisFor(t);
  t.equal(redis.host, '127.0.0.1');
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  t.equal(await ping(redis.port), PONG);
});

t.test('a paused redis-server does not answer PING until it is resumed', async (t) => {
  const redis = await redisFor(t);
  redis.process.pause();
  await t.rejects(ping(redis.port, 300), {
    message: `127.0.0.1:${redis.port} did not answer within 300 ms`,
  });
  redis.process.resume();
  t.equal(await ping(redis.port), PONG);
});

t.test('a restarted redis-server comes back on the same port as a new process', async (t) => {
  const redis = await redisFor(t);
  const before = pidOf(redis.process);
  await redis.process.restart();
  t.not(pidOf(redis.process), before);
  t.throws(() => process.kill(before, 0), { code: 'ESRCH' });
  t.equal(await ping(redis.port), PONG);
});

t.test(
  'redis keeps its keys through SIGKILL and a restart; without persistence it does not',
  async (t) => {
    for (const [persistence, expected] of [
      ['aof', 'kept\n'],
      ['none', '\n'],
    ] as const) {
      const redis = await redisFor(t, { persistence });
      t.equal(await runRedisCli(redis.port, ['set', 'session', 'kept']), 'OK\n');
      await redis.process.kill();
      await redis.process.start();
      t.equal(await runRedisCli(redis.port, ['get', 'session']), expected, persistence);
      const config = await runRedisCli(redis.port, ['config', 'get', 'appendfsync']);
      t.equal(config, 'appendfsync\neverysec\n');
    }
  },
);

t.test('a second redis-server on a taken port fails with its own log', async (t) => {
  const redis = await redisFor(t);
  await t.rejects(startRedis({ dir: await makeTempDir(t), port: redis.port }), {
    message: new RegExp(
      `^redis-server 127\\.0\\.0\\.1:${redis.port} exited \\(exit code 1\\) before it was ready; ` +
        `[^\\n]*redis\\.log ends:\\n[^]*Address already in use`,
    ),
  });
  t.equal(await ping(redis.port), PONG);
});

t.test('a stopped redis-server leaves no process behind', async (t) => {
  const redis = await redisFor(t);
  const pid = pidOf(redis.process);
  await redis.stop();
  t.equal(redis.process.running, false);
  t.equal(redis.process.pid, undefined);
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  await t.rejects(ping(redis.port), { code: 'ECONNREFUSED' });
});

t.test('stop() ends a paused redis-server with SIGTERM, not the 3 s SIGKILL', async (t) => {
  const redis = await redisFor(t);
  const pid = pidOf(redis.process);
  redis.process.pause();
  const started = Date.now();
  await redis.stop();
  t.ok(Date.now() - started < 2500, 'stopped within the SIGTERM grace period');
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});

t.test('kill() ends a redis-server at once', async (t) => {
  const redis = await redisFor(t);
  const pid = pidOf(redis.process);
  await redis.process.kill();
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});

t.test('a 3-master redis cluster reports cluster_state:ok on every node', async (t) => {
  const cluster = await redisClusterFor(t);
  t.equal(cluster.nodes.length, 3);
  t.equal(new Set(cluster.nodes.map((node) => node.port)).size, 3);
  for (const node of cluster.nodes) {
    const info = await runRedisCli(node.port, ['cluster', 'info']);
    t.match(info, /^cluster_state:ok\r?$/m);
    t.match(info, /^cluster_slots_assigned:16384\r?$/m);
    t.match(info, /^cluster_known_nodes:3\r?$/m);
  }
});

t.test('a cluster of fewer than 3 masters is refused before anything starts', async (t) => {
  await t.rejects(startRedisCluster({ dir: await makeTempDir(t), masters: 2 }), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid masters 2: expected an integer of at least 3',
  });
});

t.test('3 sentinels name the master, and its 2 replicas are in sync with it', async (t) => {
  const setup = await redisSentinelFor(t);
  t.equal(setup.sentinels.length, 3);
  t.equal(setup.name, 'mymaster');
  for (const sentinel of setup.sentinels) {
    t.equal(await ping(sentinel.port), PONG);
    t.equal(
      await runRedisCli(sentinel.port, ['sentinel', 'get-master-addr-by-name', 'mymaster']),
      `127.0.0.1\n${setup.master.port}\n`,
    );
    t.match(await runRedisCli(sentinel.port, ['sentinel', 'ckquorum', 'mymaster']), /^OK 3 /);
  }
  t.equal(setup.replicas.length, 2);
  for (const replica of setup.replicas)
    t.match(
      await runRedisCli(replica.port, ['info', 'replication']),
      /^master_link_status:up\r?$/m,
    );
});

t.test('memcached stores and returns a value, and restarts empty on the same port', async (t) => {
  const servers = await memcachedFor(t, 2);
  t.equal(servers.length, 2);
  const first = itemAt(servers, 0);
  t.not(first.port, itemAt(servers, 1).port);
  const port = first.port;
  t.equal(first.location, `127.0.0.1:${port}`);
  t.equal(await sendAndReceive('127.0.0.1', port, 'set k 0 0 5\r\nhello\r\n'), 'STORED\r\n');
  const get = { until: 'END\r\n' };
  t.equal(
    await sendAndReceive('127.0.0.1', port, 'get k\r\n', get),
    'VALUE k 0 5\r\nhello\r\nEND\r\n',
  );
  await first.process.restart();
  t.equal(await sendAndReceive('127.0.0.1', port, 'get k\r\n', get), 'END\r\n');
});

t.test('a missing binary fails start() with the command that installs it', async (t) => {
  const dir = await makeTempDir(t);
  const missing = new ManagedProcess({
    name: 'missing',
    command: 'sessionlab-no-such-server',
    args: [],
    logFile: join(dir, 'missing.log'),
  });
  await t.rejects(missing.start(), {
    message: 'sessionlab-no-such-server not found — run `make services`',
  });
  t.equal(missing.running, false);
});
