import t from 'tap';
import { RedisStore } from '../../stores/redis.ts';
import { redisClusterFor } from '../helpers/services.ts';
import { runEngineBehaviour } from './engine-behaviour.ts';

const cluster = await redisClusterFor(t);

runEngineBehaviour(t, async (t) => {
  const a = new RedisStore({ clusterNodes: cluster.nodes });
  const b = new RedisStore({ clusterNodes: cluster.nodes.slice().reverse() });
  await Promise.all([a.connect(), b.connect()]);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
});
