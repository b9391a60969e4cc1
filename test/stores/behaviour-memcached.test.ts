import t from 'tap';
import { MemcachedStore } from '../../stores/memcached.ts';
import { memcachedFor } from '../helpers/services.ts';
import { runStoreBehaviour } from './behaviour.ts';

const servers = await memcachedFor(t, 2);
const locations = servers.map((s) => s.location);

runStoreBehaviour(t, async (t) => {
  const a = new MemcachedStore({ locations });
  const b = new MemcachedStore({ locations });
  await Promise.all([a.connect(), b.connect()]);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
});
