import t from 'tap';
import { sentinelFailover } from '../../orchestrator/failover.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisSentinelFor } from '../helpers/services.ts';

const TTL_MS = 60_000;

t.test('replicaAckTimeoutMs must stay below the command deadline', async (t) => {
  t.throws(
    () => new RedisStore({ url: 'redis://127.0.0.1:1', replicaAcks: 1, replicaAckTimeoutMs: 1000 }),
    {
      code: 'SESSIONLAB_ERR_INVALID_OPTION',
      message:
        'invalid replicaAckTimeoutMs 1000: expected a positive integer below timeoutMs (1000)',
    },
  );
  t.throws(() => new RedisStore({ url: 'redis://127.0.0.1:1', replicaAcks: -1 }), {
    message: 'invalid replicaAcks -1: expected an integer from 0 to 16',
  });
  // Without replicas to wait for, the ack deadline is unused: a short command deadline is fine.
  const plain = new RedisStore({ url: 'redis://127.0.0.1:1', timeoutMs: 500 });
  t.equal(plain.kind, 'redis');
  await plain.close();
});

t.test('with replicaAcks a lifecycle write fails closed once no replica takes it', async (t) => {
  const group = await redisSentinelFor(t);
  const sentinels = { sentinels: group.sentinels, sentinelName: group.name };
  const acked = new RedisStore({ ...sentinels, replicaAcks: 2, replicaAckTimeoutMs: 200 });
  const plain = new RedisStore(sentinels);
  t.teardown(() => Promise.all([acked.close(), plain.close()]));
  await Promise.all([acked.connect(), plain.connect()]);

  t.equal(await acked.create('a', { 'm:user': 'ann' }, TTL_MS), true);
  t.equal(await acked.create('b', { 'm:user': 'bob' }, TTL_MS), true);
  t.same(await acked.take('a'), { 'm:user': 'ann' });
  t.equal(await acked.destroy('b'), true);

  await sentinelFailover(group).isolateReplicas();
  const unavailable = {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
    publicMessage: 'session store unavailable; try again shortly',
  };
  await t.rejects(acked.create('c', { 'm:user': 'cat' }, TTL_MS), {
    ...unavailable,
    message: /^0 of 2 replicas acknowledged a session write within 200 ms/,
  });
  await t.rejects(acked.destroy('c'), unavailable);
  await t.rejects(acked.indexUser('u', 'c', TTL_MS), unavailable);
  t.equal(await plain.create('d', { 'm:user': 'dan' }, TTL_MS), true, 'without WAIT: acknowledged');
  t.equal(await acked.touch('d', TTL_MS), true, 'a touch is not a lifecycle write: no WAIT');
});
