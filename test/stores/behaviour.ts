/**
 * The one behaviour suite every SessionStore must pass (memory, redis, redis-cluster,
 * redis-sentinel, memcached). `open()` returns two store instances over the same backing
 * service, standing for two application nodes (the memory store returns one instance twice).
 */
import type { Test } from 'tap';
import { generateId } from '../../session/signing.ts';
import type { SessionStore } from '../../core/store.ts';

export interface StorePair {
  a: SessionStore;
  b: SessionStore;
}

const TTL = 60_000;
const newId = (): string => generateId(32);

async function waitUntilGone(store: SessionStore, id: string, withinMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if ((await store.load(id)) === null) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return -1;
}

export function runStoreBehaviour(t: Test, open: (t: Test) => Promise<StorePair>): void {
  t.test('create, then load from the other node', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    t.equal(await a.create(id, { 'm:c': '1', 'd:x': '"one"' }, TTL), true);
    const loaded = await b.load(id);
    t.same(loaded?.fields, { 'm:c': '1', 'd:x': '"one"' });
    t.ok(
      loaded && loaded.ttlMs > 0 && loaded.ttlMs <= TTL,
      `ttl ${loaded?.ttlMs} within (0, ${TTL}]`,
    );
    t.equal(await b.create(id, { 'd:x': '"two"' }, TTL), false, 'a taken id is not overwritten');
    t.same((await a.load(id))?.fields, { 'm:c': '1', 'd:x': '"one"' });
    t.equal(await a.load(newId()), null, 'an unknown id loads as null');
  });

  t.test('a delta commit sets, deletes and counts, in order', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1', 'd:keep': '"k"', 'd:old': '1' }, TTL);
    const result = await b.commit(
      id,
      [
        { op: 'set', field: 'd:new', value: '{"n":1}' },
        { op: 'del', field: 'd:old' },
        { op: 'incr', field: 'd:n', by: 1 },
        { op: 'incr', field: 'd:n', by: 5 },
      ],
      { ttlMs: TTL, maxBytes: 0 },
    );
    t.same(result, { status: 'ok', counters: [1, 6] });
    t.same((await a.load(id))?.fields, {
      'm:c': '1',
      'd:keep': '"k"',
      'd:new': '{"n":1}',
      'd:n': '6',
    });
  });

  t.test('clear removes every data field and keeps the metadata', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1', 'd:x': '1', 'd:y': '2' }, TTL);
    const result = await b.commit(id, [{ op: 'clear' }, { op: 'set', field: 'd:z', value: '3' }], {
      ttlMs: TTL,
      maxBytes: 0,
    });
    t.same(result, { status: 'ok', counters: [] });
    t.same((await a.load(id))?.fields, { 'm:c': '1', 'd:z': '3' });
  });

  t.test('a commit for a missing session is gone and recreates nothing', async (t) => {
    const { a } = await open(t);
    const id = newId();
    t.same(
      await a.commit(id, [{ op: 'set', field: 'd:x', value: '1' }], { ttlMs: TTL, maxBytes: 0 }),
      { status: 'gone' },
    );
    t.equal(await a.load(id), null);
    t.equal(await a.touch(id, TTL), false, 'touch does not create either');
    t.equal(await a.load(id), null);
  });

  t.test('an increment of a non-integer changes nothing', async (t) => {
    const { a } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1', 'd:s': '"text"' }, TTL);
    const result = await a.commit(
      id,
      [
        { op: 'set', field: 'd:x', value: '1' },
        { op: 'incr', field: 'd:s', by: 1 },
      ],
      { ttlMs: TTL, maxBytes: 0 },
    );
    t.same(result, { status: 'not-integer', field: 'd:s' });
    t.same((await a.load(id))?.fields, { 'm:c': '1', 'd:s': '"text"' });
  });

  t.test('the size limit counts data bytes and refuses the whole commit', async (t) => {
    const { a } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1', 'd:a': 'x'.repeat(90) }, TTL);
    // d:a is 1 + 90 = 91 bytes; d:b with 8 bytes of value is 1 + 8 = 9: exactly 100 fits.
    const fits = await a.commit(id, [{ op: 'set', field: 'd:b', value: 'y'.repeat(8) }], {
      ttlMs: TTL,
      maxBytes: 100,
    });
    t.same(fits, { status: 'ok', counters: [] });
    const over = await a.commit(
      id,
      [
        { op: 'del', field: 'd:a' },
        { op: 'set', field: 'd:b', value: 'z'.repeat(200) },
      ],
      { ttlMs: TTL, maxBytes: 100 },
    );
    t.same(over, { status: 'too-large', bytes: 201 });
    t.same((await a.load(id))?.fields, { 'm:c': '1', 'd:a': 'x'.repeat(90), 'd:b': 'y'.repeat(8) });
  });

  t.test('touch extends the TTL of a live session', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1' }, 5_000);
    t.equal(await b.touch(id, TTL), true);
    const loaded = await a.load(id);
    t.ok(loaded && loaded.ttlMs > 5_000, `ttl ${loaded?.ttlMs} grew past 5000`);
  });

  t.test('take reads and removes in one step; destroy reports existence', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1', 'd:x': '2' }, TTL);
    t.same(await b.take(id), { 'm:c': '1', 'd:x': '2' });
    t.equal(await a.load(id), null);
    t.equal(await a.take(id), null);
    const other = newId();
    await a.create(other, { 'm:c': '1' }, TTL);
    t.equal(await b.destroy(other), true);
    t.equal(await a.destroy(other), false);
    t.equal(await a.load(other), null);
  });

  t.test('a session expires when its TTL runs out', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1' }, 1_000);
    t.not(await b.load(id), null, 'present at first');
    // memcached counts whole seconds: allow its granularity before calling it a failure.
    const goneAfter = await waitUntilGone(b, id, 4_000);
    t.ok(goneAfter >= 0, `gone after ${goneAfter} ms`);
  });

  t.test('the user index records sessions and prunes the dead ones', async (t) => {
    const { a, b } = await open(t);
    const user = `u-${newId().slice(0, 8)}`;
    const [s1, s2, s3] = [newId(), newId(), newId()];
    for (const id of [s1, s2, s3]) await a.create(id, { 'm:c': '1' }, TTL);
    await a.indexUser(user, s1, TTL);
    await b.indexUser(user, s2, TTL);
    t.same((await a.userSessions(user)).sort(), [s1, s2].sort());
    await a.destroy(s1);
    await b.indexUser(user, s3, TTL);
    t.same(
      (await b.userSessions(user)).sort(),
      [s2, s3].sort(),
      'the destroyed session was pruned',
    );
    await a.unindexUser(user, [s2]);
    t.same(await a.userSessions(user), [s3]);
    await a.unindexUser(user);
    t.same(await b.userSessions(user), []);
  });

  t.test('the user index names the live sessions beyond the limit, oldest first', async (t) => {
    const { a, b } = await open(t);
    const user = `limit-${newId().slice(0, 8)}`;
    const ids = Array.from({ length: 6 }, newId);
    const index = async (store: SessionStore, id: string): Promise<string[]> => {
      t.equal(await store.create(id, { 'm:c': '1' }, TTL), true);
      const over = await store.indexUser(user, id, TTL, 3);
      // Distinct login times, so "oldest" is well defined on every store.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return over;
    };
    const [s1, s2, s3, s4, s5, s6] = ids as [string, string, string, string, string, string];
    t.same([await index(a, s1), await index(b, s2), await index(a, s3)], [[], [], []]);
    t.same(await index(b, s4), [s1], 'the fourth login names the first session');
    t.same(
      await a.indexUser(user, s4, TTL, 3),
      [s1],
      'nothing is dropped until the caller ends it',
    );
    await a.destroy(s1);
    await a.unindexUser(user, [s1]);
    await b.destroy(s2);
    t.same(await index(a, s5), [], 'a gone session does not count against the limit');
    t.same((await b.userSessions(user)).sort(), [s3, s4, s5].sort(), 'and is pruned');
    t.same(await index(b, s6), [s3]);
    t.same(await a.indexUser(user, newId(), TTL, 0), [], '0: no limit');
  });

  t.test(
    'the user index outlives the idle TTL of sessions that activity keeps alive',
    async (t) => {
      const { a, b } = await open(t);
      const idleMs = 1_000;
      // Without an absolute lifetime (0) the index never expires; with one it lasts that long,
      // and removing another id (an index rewrite) shortens neither.
      for (const absoluteMs of [0, 8_000]) {
        const user = `u-${newId().slice(0, 8)}`;
        const [leaving, staying] = [newId(), newId()];
        for (const id of [leaving, staying]) {
          await a.create(id, { 'm:c': '1' }, idleMs);
          await a.indexUser(user, id, absoluteMs);
        }
        await b.unindexUser(user, [leaving]);
        const until = Date.now() + 3 * idleMs + 500;
        while (Date.now() < until) {
          t.equal(await b.touch(staying, idleMs), true, 'the session is kept alive');
          await new Promise((resolve) => setTimeout(resolve, idleMs / 4));
        }
        t.same(
          await a.userSessions(user),
          [staying],
          `after ${3 * idleMs + 500} ms of activity (absolute lifetime ${absoluteMs} ms)`,
        );
      }
    },
  );

  t.test('concurrent increments from two nodes all count', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1' }, TTL);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 ? a : b).commit(id, [{ op: 'incr', field: 'd:n', by: 1 }], {
          ttlMs: TTL,
          maxBytes: 0,
        }),
      ),
    );
    t.equal(results.filter((r) => r.status === 'ok').length, 500);
    const values = results
      .map((r) => (r.status === 'ok' ? r.counters[0] : -1))
      .sort((x = 0, y = 0) => x - y);
    t.same(
      values,
      Array.from({ length: 500 }, (_, i) => i + 1),
      'every value from 1 to 500 handed out once',
    );
    t.equal((await a.load(id))?.fields['d:n'], '500');
  });

  t.test('concurrent writes of distinct keys from two nodes all persist', async (t) => {
    const { a, b } = await open(t);
    const id = newId();
    await a.create(id, { 'm:c': '1' }, TTL);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? a : b).commit(id, [{ op: 'set', field: `d:k${i}`, value: String(i) }], {
          ttlMs: TTL,
          maxBytes: 0,
        }),
      ),
    );
    const fields = (await b.load(id))?.fields ?? {};
    const missing = Array.from({ length: 100 }, (_, i) => `d:k${i}`).filter(
      (f) => fields[f] === undefined,
    );
    t.same(missing, [], 'no write was lost');
  });

  t.test('commits racing a destroy never bring the session back', async (t) => {
    const { a, b } = await open(t);
    for (let trial = 0; trial < 10; trial++) {
      const id = newId();
      await a.create(id, { 'm:c': '1' }, TTL);
      const writes = Array.from({ length: 20 }, (_, i) =>
        b.commit(id, [{ op: 'set', field: `d:w${i}`, value: '1' }], { ttlMs: TTL, maxBytes: 0 }),
      );
      await a.destroy(id);
      await Promise.all(writes);
      t.equal(await b.load(id), null, `trial ${trial}: still gone after the racing writes`);
    }
  });
}
