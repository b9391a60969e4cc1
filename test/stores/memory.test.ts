import t from 'tap';
import type { Test } from 'tap';
import { createMemoryStore, MemoryStore } from '../../stores/memory.ts';

const TTL = 60_000;
const OPTS = { ttlMs: TTL, maxBytes: 0 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function storeFor(t: Test): MemoryStore {
  const store = createMemoryStore({ sweepIntervalMs: 20 });
  t.teardown(() => store.close());
  return store;
}

t.test('a bad option is refused, naming the field', async (t) => {
  t.throws(() => new MemoryStore({ sweepIntervalMs: 0 }), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid sweepIntervalMs 0: expected a positive integer (milliseconds)',
  });
});

t.test('fields are copied in and out: callers cannot change stored state', async (t) => {
  const store = storeFor(t);
  const fields = { 'm:c': '1', 'd:x': '"a"' };
  t.equal(await store.create('s1', fields, TTL), true);
  fields['d:x'] = '"changed"';
  const loaded = await store.load('s1');
  if (loaded) loaded.fields['d:x'] = '"changed too"';
  t.same((await store.load('s1'))?.fields, { 'm:c': '1', 'd:x': '"a"' });
  t.equal(await store.create('s1', {}, TTL), false, 'a live id is not overwritten');
});

t.test('an expired session is absent everywhere and its id is free again', async (t) => {
  const store = storeFor(t);
  await store.create('s1', { 'm:c': '1' }, 30);
  t.ok(((await store.load('s1'))?.ttlMs ?? 0) > 0);
  await sleep(50);
  t.equal(await store.load('s1'), null);
  t.same(await store.commit('s1', [{ op: 'set', field: 'd:x', value: '1' }], OPTS), {
    status: 'gone',
  });
  t.equal(await store.touch('s1', TTL), false);
  t.equal(await store.take('s1'), null);
  t.equal(await store.destroy('s1'), false);
  t.equal(await store.create('s1', { 'm:c': '2' }, TTL), true);
});

t.test('commit applies ops, refuses whole commits, and never recreates', async (t) => {
  const store = storeFor(t);
  await store.create('s1', { 'm:c': '1', 'd:s': '"t"' }, TTL);
  const incr = { op: 'incr', field: 'd:n', by: 2 } as const;
  t.same(await store.commit('s1', [incr, incr], OPTS), { status: 'ok', counters: [2, 4] });
  t.same(await store.commit('s1', [incr, { op: 'incr', field: 'd:s', by: 1 }], OPTS), {
    status: 'not-integer',
    field: 'd:s',
  });
  t.same(
    await store.commit('s1', [{ op: 'set', field: 'd:big', value: 'x'.repeat(20) }], {
      ttlMs: TTL,
      maxBytes: 10,
    }),
    {
      status: 'too-large',
      bytes: 29,
    },
  );
  t.same((await store.load('s1'))?.fields, { 'm:c': '1', 'd:s': '"t"', 'd:n': '4' });
  await store.destroy('s1');
  t.same(await store.commit('s1', [incr], OPTS), { status: 'gone' });
  t.equal(await store.load('s1'), null);
});

t.test('touch extends the TTL; take returns the fields once', async (t) => {
  const store = storeFor(t);
  await store.create('s1', { 'm:c': '1' }, 40);
  t.equal(await store.touch('s1', TTL), true);
  await sleep(60);
  t.same(await store.take('s1'), { 'm:c': '1' }, 'still there after the first TTL');
  t.equal(await store.take('s1'), null);
  t.equal(await store.load('s1'), null);
});

t.test('the user index prunes ids whose sessions are gone', async (t) => {
  const store = storeFor(t);
  for (const id of ['s1', 's2', 's3']) await store.create(id, { 'm:c': '1' }, TTL);
  await store.indexUser('u', 's1', TTL);
  await store.indexUser('u', 's2', TTL);
  await store.indexUser('u', 's2', TTL);
  t.same(await store.userSessions('u'), ['s1', 's2'], 'indexing twice records once');
  await store.destroy('s1');
  t.same(await store.userSessions('u'), ['s1', 's2'], 'a gone id stays until the next update');
  await store.indexUser('u', 's3', TTL);
  t.same(await store.userSessions('u'), ['s2', 's3']);
  await store.unindexUser('u', ['s2']);
  t.same(await store.userSessions('u'), ['s3']);
  await store.unindexUser('u');
  t.same(await store.userSessions('u'), []);
  await store.indexUser('short', 's3', 30);
  await sleep(50);
  t.same(await store.userSessions('short'), [], 'the index expires with its TTL');
});

t.test('a closed store refuses calls', async (t) => {
  const store = createMemoryStore();
  await store.close();
  await t.rejects(store.load('s1'), {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
    message: 'memory store is closed; create a new one',
  });
});
