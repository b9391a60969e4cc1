/**
 * The redis store's read path: one read-only script (EVALSHA_RO), reloaded after the server
 * forgot it, never a write in the server's own counters, and HGETALL + PTTL on a server
 * without EVALSHA_RO.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { RedisStore } from '../../stores/redis.ts';
import { countRedisWrites } from '../../scenarios/conformance/store-inspector.ts';
import { redisFor } from '../helpers/services.ts';

const server = await redisFor(t, { persistence: 'none' });
const raw = new Redis(server.url);
t.teardown(() => raw.disconnect());

async function storeOn(url: string): Promise<RedisStore> {
  const store = new RedisStore({ url });
  await store.connect();
  t.teardown(() => store.close());
  return store;
}

t.test('a read is one read-only command and no write', async (t) => {
  const store = await storeOn(server.url);
  t.ok(await store.create('read1', { 'd:a': '1', 'm:c': '5' }, 60_000));
  await raw.config('RESETSTAT');
  const loaded = await store.load('read1');
  t.same(loaded?.fields, { 'd:a': '1', 'm:c': '5' });
  t.ok(loaded !== null && loaded.ttlMs > 0 && loaded.ttlMs <= 60_000, 'the TTL comes back');
  const stats = await raw.info('commandstats');
  t.equal(countRedisWrites(stats), 0, 'no write command');
  t.match(stats, /cmdstat_(evalsha_ro|eval_ro):calls=1,/, 'one script call');
  t.equal(await store.load('missing'), null);
  await raw.persist('sl:s:{read1}');
  t.equal((await store.load('read1'))?.ttlMs, Number.MAX_SAFE_INTEGER, 'no TTL: unbounded');
});

t.test('a server that forgot the script (restart, SCRIPT FLUSH) gets it again', async (t) => {
  const store = await storeOn(server.url);
  t.ok(await store.create('read2', { 'd:b': '"x"' }, 60_000));
  t.ok(await store.load('read2'));
  await raw.script('FLUSH');
  t.same((await store.load('read2'))?.fields, { 'd:b': '"x"' });
  t.same((await store.load('read2'))?.fields, { 'd:b': '"x"' }, 'and keeps using it');
});

t.test('without EVALSHA_RO (Redis < 7) a read is HGETALL + PTTL', async (t) => {
  const old = await redisFor(t, {
    persistence: 'none',
    extraArgs: ['--rename-command', 'EVALSHA_RO', '', '--rename-command', 'EVAL_RO', ''],
  });
  const store = await storeOn(old.url);
  t.ok(await store.create('read3', { 'd:c': '2' }, 60_000));
  for (let i = 0; i < 2; i++) {
    const loaded = await store.load('read3');
    t.same(loaded?.fields, { 'd:c': '2' });
    t.ok(loaded !== null && loaded.ttlMs > 0);
  }
  t.equal(await store.load('missing'), null);
});
