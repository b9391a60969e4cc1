import t from 'tap';
import { RedisStore } from '../../stores/redis.ts';
import { redisSentinelFor } from '../helpers/services.ts';
import { runStoreBehaviour } from './behaviour.ts';

const group = await redisSentinelFor(t);

runStoreBehaviour(t, async (t) => {
  const a = new RedisStore({ sentinels: group.sentinels, sentinelName: group.name });
  const b = new RedisStore({ sentinels: group.sentinels, sentinelName: group.name });
  await Promise.all([a.connect(), b.connect()]);
  t.equal(a.kind, 'redis-sentinel');
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
});
