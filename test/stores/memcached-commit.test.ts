import t from 'tap';
import { applyBatch, CommitCoalescer } from '../../stores/memcached-commit.ts';
import type { CasSessionIo, CommitRequest } from '../../stores/memcached-commit.ts';
import type { Fields } from '../../core/store.ts';

const incr = (ttlMs = 1000): CommitRequest => ({
  ops: [{ op: 'incr', field: 'd:n', by: 1 }],
  maxBytes: 0,
  ttlMs,
});

/** An in-memory item with a version number as its cas token; `refuse` makes writes lose races. */
function fakeIo(options: { refuse?: boolean; readDelayMs?: number } = {}) {
  const item = { fields: { 'm:c': '1' } as Fields | null, version: 0, writes: 0 };
  const io: CasSessionIo = {
    async read() {
      await new Promise((resolve) => setTimeout(resolve, options.readDelayMs ?? 0));
      return item.fields && { fields: item.fields, cas: String(item.version) };
    },
    async write(_id, fields, _ttlMs, cas) {
      if (options.refuse || cas !== String(item.version)) return false;
      item.fields = fields;
      item.version++;
      item.writes++;
      return true;
    },
  };
  return { io, item };
}

t.test('a batch applies each request on top of the previous one', async (t) => {
  const outcome = applyBatch({ 'd:s': 'text' }, [
    incr(1000),
    { ops: [{ op: 'incr', field: 'd:s', by: 1 }], maxBytes: 0, ttlMs: 2000 },
    { ops: [{ op: 'set', field: 'd:big', value: 'x'.repeat(50) }], maxBytes: 20, ttlMs: 3000 },
    incr(4000),
    { ops: [{ op: 'del', field: 'd:s' }], maxBytes: 0, ttlMs: 5000 },
  ]);
  t.same(outcome, {
    results: [
      { status: 'ok', counters: [1] },
      { status: 'not-integer', field: 'd:s' },
      { status: 'too-large', bytes: 60 },
      { status: 'ok', counters: [2] },
      { status: 'ok', counters: [] },
    ],
    fields: { 'd:n': '2' },
    ttlMs: 5000,
  });
  t.same(
    applyBatch({ 'd:s': 'text' }, [{ ...incr(), ops: [{ op: 'incr', field: 'd:s', by: 1 }] }]),
    {
      results: [{ status: 'not-integer', field: 'd:s' }],
      fields: { 'd:s': 'text' },
      ttlMs: undefined,
    },
    'no request applied: nothing to write',
  );
});

t.test('commits issued together share one round and each get their own counter', async (t) => {
  const { io, item } = fakeIo();
  const coalescer = new CommitCoalescer(io, 8);
  const deadline = Date.now() + 1000;
  const results = await Promise.all(
    Array.from({ length: 50 }, () => coalescer.commit('id', incr(), deadline)),
  );
  t.same(
    results.map((r) => (r.status === 'ok' ? r.counters[0] : 0)),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  t.same(coalescer.stats(), { commits: 50, rounds: 1, casConflicts: 0 });
  t.same([item.fields?.['d:n'], item.writes], ['50', 1]);
});

t.test('a missing session makes every commit of the round gone', async (t) => {
  const { io, item } = fakeIo();
  item.fields = null;
  const coalescer = new CommitCoalescer(io, 8);
  const deadline = Date.now() + 1000;
  const results = await Promise.all([
    coalescer.commit('id', incr(), deadline),
    coalescer.commit('id', incr(), deadline),
  ]);
  t.same(results, [{ status: 'gone' }, { status: 'gone' }]);
  t.equal(item.writes, 0);
});

t.test(
  'losing every cas race ends in StoreConflictError after maxCasRetries retries',
  async (t) => {
    const { io } = fakeIo({ refuse: true });
    const coalescer = new CommitCoalescer(io, 3);
    await t.rejects(coalescer.commit('id', incr(), Date.now() + 1000), {
      code: 'SESSIONLAB_ERR_STORE_CONFLICT',
      message: 'memcached commit lost 4 cas races in a row; nothing was written, retry later',
    });
    t.same(coalescer.stats(), { commits: 1, rounds: 4, casConflicts: 4 });
  },
);

t.test('a commit whose deadline passes while queued is refused and never applied', async (t) => {
  const { io, item } = fakeIo({ readDelayMs: 50 });
  const coalescer = new CommitCoalescer(io, 8);
  const first = coalescer.commit('id', incr(), Date.now() + 1000);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const late = coalescer.commit('id', incr(), Date.now() + 10);
  t.same(await first, { status: 'ok', counters: [1] });
  await t.rejects(late, {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
    message: 'memcached commit queued past its deadline; nothing was written',
  });
  t.same([item.fields?.['d:n'], item.writes], ['1', 1]);
});
