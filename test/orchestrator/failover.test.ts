import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { clusterFailover, sentinelFailover } from '../../orchestrator/failover.ts';
import { runRedisCli } from '../../orchestrator/services.ts';
import { redisClusterFor, redisSentinelFor } from '../helpers/services.ts';

/** Keys spread over every slot range: each master holds some. */
const KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);

t.test('a Sentinel failover keeps the data, an isolated one loses what came after', async (t) => {
  const group = await redisSentinelFor(t);
  const control = sentinelFailover(group);
  const client = new Redis({ sentinels: group.sentinels, name: group.name, lazyConnect: true });
  t.teardown(() => client.disconnect());
  await client.connect();
  await client.set('before', '1');
  t.equal(await client.wait(2, 2000), 2, 'both replicas acknowledge the write');

  const first = await control.failover();
  t.equal(first.lossy, false);
  t.not(first.primaries[0], `127.0.0.1:${group.master.port}`, 'a replica took over');
  t.equal(await client.get('before'), '1');

  await control.isolateReplicas();
  await client.set('after', '1');
  t.equal(await client.wait(1, 200), 0, 'no replica acknowledges a write once isolated');
  const second = await control.failover();
  t.equal(second.lossy, true);
  t.not(second.primaries[0], first.primaries[0]);
  t.equal(await client.get('after'), null, 'the write the replicas missed is gone');
  t.equal(await client.get('before'), '1');
  const primaryPort = Number(second.primaries[0]?.split(':')[1]);
  t.match(await runRedisCli(primaryPort, ['info', 'replication']), /^connected_slaves:2\r?$/m);
});

t.test('a Cluster failover moves every slot range, an isolated one loses writes', async (t) => {
  const cluster = await redisClusterFor(t, { replicasPerMaster: 1 });
  const control = clusterFailover(cluster);
  const client = new Cluster(cluster.nodes.slice(0, 3), { lazyConnect: true });
  t.teardown(() => client.disconnect());
  await client.connect();
  // A pipeline goes to the node of its key: WAIT there covers the SET before it.
  for (const key of KEYS) {
    const replies = await client.pipeline().set(key, 'before').wait(1, 2000).exec();
    t.same(
      replies,
      [
        [null, 'OK'],
        [null, 1],
      ],
      `${key} is on a replica`,
    );
  }
  const masters = new Set(cluster.servers.slice(0, 3).map((s) => `127.0.0.1:${s.port}`));

  const first = await control.failover();
  t.equal(first.primaries.length, 3);
  t.ok(
    first.primaries.every((p) => !masters.has(p)),
    'every master is now one of the old replicas',
  );
  for (const key of KEYS) t.equal(await client.get(key), 'before');

  await control.isolateReplicas();
  for (const key of KEYS) await client.set(key, 'after');
  const second = await control.failover();
  t.equal(second.lossy, true);
  t.same(new Set(second.primaries), masters, 'the first masters are back in charge');
  for (const key of KEYS) t.equal(await client.get(key), 'before', `${key} lost its last write`);
});
