import t from 'tap';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';
import { runEngineBehaviour } from './engine-behaviour.ts';

const server = await redisFor(t);

runEngineBehaviour(t, async (t) => {
  const a = new RedisStore({ url: server.url });
  const b = new RedisStore({ url: server.url });
  await Promise.all([a.connect(), b.connect()]);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
});
