import t from 'tap';
import type { Test } from 'tap';
import { sendAndReceive } from '../../orchestrator/ports.ts';
import type { MemcachedServer } from '../../orchestrator/services.ts';
import { generateId } from '../../session/signing.ts';
import { MemcachedStore, resolveMemcachedStoreOptions } from '../../stores/memcached.ts';
import { exptimeFor } from '../../stores/memcached-item.ts';
import type { MemcachedStoreOptions } from '../../stores/memcached.ts';
import type { CommitResult, DeltaOp } from '../../core/store.ts';
import { memcachedFor } from '../helpers/services.ts';

const TTL = 60_000;
const OPTS = { ttlMs: TTL, maxBytes: 0 };
const INCR: DeltaOp[] = [{ op: 'incr', field: 'd:n', by: 1 }];
const newId = (): string => generateId(32);

const [one, two] = await memcachedFor(t, 2);
if (one === undefined || two === undefined) throw new Error('memcachedFor started fewer than 2');
const both = [one.location, two.location];

function storeFor(t: Test, options: MemcachedStoreOptions): MemcachedStore {
  const store = new MemcachedStore(options);
  t.teardown(() => store.close());
  return store;
}

async function rawGet(server: MemcachedServer, key: string): Promise<string | undefined> {
  const reply = await sendAndReceive(server.host, server.port, `get ${key}\r\n`, {
    until: 'END\r\n',
  });
  return /^VALUE \S+ \d+ \d+\r\n(.*)\r\nEND\r\n$/s.exec(reply)?.[1];
}

async function rawSet(server: MemcachedServer, key: string, value: string): Promise<void> {
  const request = `set ${key} 0 60 ${Buffer.byteLength(value)}\r\n${value}\r\n`;
  if ((await sendAndReceive(server.host, server.port, request)) !== 'STORED\r\n') {
    throw new Error(`raw set of ${key} failed`);
  }
}

const sortedCounters = (results: CommitResult[]): number[] =>
  results.flatMap((r) => (r.status === 'ok' ? r.counters : [])).sort((x, y) => x - y);
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

t.test('options are checked, named, and filled with defaults', async (t) => {
  t.same(resolveMemcachedStoreOptions({}), {
    locations: ['127.0.0.1:11211'],
    keyPrefix: 'sl:',
    timeoutMs: 1000,
    maxCasRetries: 32,
  });
  t.same(resolveMemcachedStoreOptions({ locations: both, keyPrefix: '', maxCasRetries: 0 }), {
    locations: both,
    keyPrefix: '',
    timeoutMs: 1000,
    maxCasRetries: 0,
  });
  const invalid: [MemcachedStoreOptions, string][] = [
    [{ locations: [] }, 'invalid locations: expected a non-empty array of "host:port"'],
    [
      { locations: ['localhost'] },
      'invalid location "localhost": expected "host:port", e.g. 127.0.0.1:11211',
    ],
    [{ timeoutMs: 0 }, 'invalid timeoutMs 0: expected an integer from 1 to 60000'],
    [{ maxCasRetries: 1.5 }, 'invalid maxCasRetries 1.5: expected an integer from 0 to 1000'],
    [
      { keyPrefix: 'a b' },
      'invalid keyPrefix "a b": expected up to 100 printable ASCII characters, no spaces',
    ],
  ];
  for (const [options, message] of invalid) {
    t.throws(() => new MemcachedStore(options), { code: 'SESSIONLAB_ERR_INVALID_OPTION', message });
  }
  const store = storeFor(t, { locations: [one.location] });
  await t.rejects(store.load('has space'), { code: 'SESSIONLAB_ERR_INVALID_ARGUMENT' });
});
t.test('a session is one JSON item with its idle deadline, spread over both nodes', async (t) => {
  const store = storeFor(t, { locations: both });
  const ids = Array.from({ length: 100 }, newId);
  const before = Date.now();
  await Promise.all(ids.map((id) => store.create(id, { 'm:c': '1', 'd:x': '"é"' }, TTL)));
  const after = Date.now();
  const placed = await Promise.all(
    ids.map(async (id) => [await rawGet(one, `sl:s:${id}`), await rawGet(two, `sl:s:${id}`)]),
  );
  t.equal(
    placed.filter(([a, b]) => (a === undefined) === (b === undefined)).length,
    0,
    'each on exactly one node',
  );
  const onOne = placed.filter(([a]) => a !== undefined).length;
  t.ok(onOne > 0 && onOne < 100, `${onOne} on the first node, ${100 - onOne} on the second`);
  const text = placed[0]?.find((found) => found !== undefined) ?? 'null';
  const item = JSON.parse(text) as { v: number; exp: number; f: Record<string, string> };
  t.same(Object.keys(item), ['v', 'exp', 'f']);
  t.same([item.v, item.f], [1, { 'm:c': '1', 'd:x': '"é"' }]);
  t.ok(
    item.exp >= before + TTL && item.exp <= after + TTL,
    'exp is creation time + TTL, in epoch ms',
  );
  const id = ids[0] as string;
  const holder = placed[0]?.[0] === undefined ? two : one;
  const dump = await sendAndReceive(holder.host, holder.port, 'lru_crawler metadump all\r\n', {
    until: 'END\r\n',
  });
  const line = dump.split('\r\n').find((l) => l.includes(encodeURIComponent(`sl:s:${id}`)));
  t.equal(
    Number(/ exp=(\d+)/.exec(line ?? '')?.[1]),
    Math.floor(item.exp / 1000) + 1,
    "memcached's own expiry is the unix second after exp",
  );
});

t.test('memcached exptimes are absolute unix seconds, never relative to its clock', async (t) => {
  t.equal(exptimeFor(1_800_000_000_000), 1_800_000_001, 'a whole second: the next one');
  t.equal(exptimeFor(1_800_000_000_999), 1_800_000_001);
  t.equal(exptimeFor(0), 0, 'no deadline: no expiry');
});

t.test('items past exp, tombstones and foreign data never read as live sessions', async (t) => {
  const store = storeFor(t, { locations: [one.location] });
  const [expired, tombstone, foreign] = [newId(), newId(), newId()];
  // memcached still holds these items; only their content says they are gone.
  await rawSet(
    one,
    `sl:s:${expired}`,
    JSON.stringify({ v: 1, exp: Date.now() - 1, f: { 'm:c': '1' } }),
  );
  await rawSet(one, `sl:s:${tombstone}`, '{"v":1,"gone":true}');
  await rawSet(one, `sl:s:${foreign}`, 'hello');
  for (const id of [expired, tombstone]) {
    t.equal(await store.load(id), null);
    t.same(await store.commit(id, INCR, OPTS), { status: 'gone' });
    t.equal(await store.touch(id, TTL), false);
    t.equal(await store.take(id), null);
  }
  t.same(
    await rawGet(one, `sl:s:${tombstone}`),
    '{"v":1,"gone":true}',
    'commit did not recreate it',
  );
  await t.rejects(
    store.load(foreign),
    {
      code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
      message:
        'memcached item sl:s:… is not JSON — does another application write under this keyPrefix?',
    },
    'foreign data fails closed',
  );
});

t.test('1,000 concurrent increments from two store instances end at exactly 1,000', async (t) => {
  const a = storeFor(t, { locations: both });
  const b = storeFor(t, { locations: both });
  const id = newId();
  await a.create(id, { 'm:c': '1' }, TTL);
  // Both instances hold an open connection, as busy nodes do: no one waits for a TCP connect.
  await Promise.all([a.load(id), b.load(id)]);
  const start = performance.now();
  const results = await Promise.all(oneTo(1000).map((i) => (i % 2 ? a : b).commit(id, INCR, OPTS)));
  const ms = Math.round(performance.now() - start);
  t.same(sortedCounters(results), oneTo(1000), 'every value from 1 to 1000 handed out once');
  t.equal((await b.load(id))?.fields['d:n'], '1000');
  const [sa, sb] = [a.commitStats(), b.commitStats()];
  t.equal(sa.commits + sb.commits, 1000);
  t.comment(
    `burst: ${sa.rounds}+${sb.rounds} rounds, ${sa.casConflicts}+${sb.casConflicts} cas conflicts, ${ms} ms`,
  );
  t.ok(sa.rounds + sb.rounds < 100, 'coalesced into far fewer rounds than commits');
});

t.test(
  '1,000 increments issued in waves from two instances contend and still all count',
  async (t) => {
    const a = storeFor(t, { locations: both });
    const b = storeFor(t, { locations: both });
    const id = newId();
    await a.create(id, { 'm:c': '1' }, TTL);
    // Both instances hold an open connection, as busy nodes do: no one waits for a TCP connect.
    await Promise.all([a.load(id), b.load(id)]);
    const start = performance.now();
    const pending: Promise<CommitResult>[] = [];
    for (let wave = 0; wave < 50; wave++) {
      for (let i = 0; i < 20; i++) pending.push((i % 2 ? a : b).commit(id, INCR, OPTS));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const results = await Promise.all(pending);
    const ms = Math.round(performance.now() - start);
    t.same(sortedCounters(results), oneTo(1000));
    t.equal((await a.load(id))?.fields['d:n'], '1000');
    const [sa, sb] = [a.commitStats(), b.commitStats()];
    t.comment(
      `waves: ${sa.rounds}+${sb.rounds} rounds, ${sa.casConflicts}+${sb.casConflicts} cas conflicts, ${ms} ms`,
    );
  },
);

t.test('100 concurrent writes of distinct keys from two instances all persist', async (t) => {
  const a = storeFor(t, { locations: both });
  const b = storeFor(t, { locations: both });
  const id = newId();
  await a.create(id, { 'm:c': '1' }, TTL);
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      (i % 2 ? a : b).commit(id, [{ op: 'set', field: `d:k${i}`, value: String(i) }], OPTS),
    ),
  );
  t.equal(results.filter((r) => r.status === 'ok').length, 100);
  const expected = Object.fromEntries(
    Array.from({ length: 100 }, (_, i) => [`d:k${i}`, String(i)]),
  );
  t.same((await b.load(id))?.fields, { 'm:c': '1', ...expected });
});

t.test('coalesced commits each get their own result, in order', async (t) => {
  const store = storeFor(t, { locations: both });
  const id = newId();
  await store.create(id, { 'm:c': '1', 'd:s': '"text"' }, TTL);
  const results = await Promise.all([
    store.commit(id, INCR, { ttlMs: TTL, maxBytes: 100 }),
    store.commit(id, [{ op: 'incr', field: 'd:s', by: 1 }], { ttlMs: TTL, maxBytes: 100 }),
    store.commit(id, [{ op: 'set', field: 'd:big', value: 'x'.repeat(100) }], {
      ttlMs: TTL,
      maxBytes: 100,
    }),
    store.commit(id, INCR, { ttlMs: TTL, maxBytes: 100 }),
  ]);
  t.same(results, [
    { status: 'ok', counters: [1] },
    { status: 'not-integer', field: 'd:s' },
    { status: 'too-large', bytes: 112 },
    { status: 'ok', counters: [2] },
  ]);
  t.same(store.commitStats(), { commits: 4, rounds: 1, casConflicts: 0 }, 'one gets/cas round');
  t.same((await store.load(id))?.fields, { 'm:c': '1', 'd:s': '"text"', 'd:n': '2' });
});

t.test('a commit on a destroyed session is gone and recreates nothing', async (t) => {
  const store = storeFor(t, { locations: [one.location] });
  const id = newId();
  await store.create(id, { 'm:c': '1' }, TTL);
  t.equal(await store.destroy(id), true);
  t.same(await store.commit(id, [{ op: 'set', field: 'd:x', value: '1' }], OPTS), {
    status: 'gone',
  });
  t.equal(await store.touch(id, TTL), false);
  t.equal(await rawGet(one, `sl:s:${id}`), undefined, 'no item on the node');
  t.equal(await store.destroy(id), false);
});

t.test(
  'take is atomic against concurrent commits: each lands in the taken fields or is gone',
  async (t) => {
    const a = storeFor(t, { locations: both });
    const b = storeFor(t, { locations: both });
    const landedCounts: number[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const id = newId();
      await a.create(id, { 'm:c': '1' }, TTL);
      const commits: Promise<CommitResult>[] = [];
      let taken: Promise<Record<string, string> | null> | undefined;
      for (let wave = 0; wave < 8; wave++) {
        for (let i = 0; i < 5; i++) commits.push((i % 2 ? a : b).commit(id, INCR, OPTS));
        if (wave === trial % 8) taken = a.take(id);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const results = await Promise.all(commits);
      const fields = await taken;
      const landed = Number(fields?.['d:n'] ?? 0);
      landedCounts.push(landed);
      t.same(
        sortedCounters(results),
        oneTo(landed),
        `trial ${trial}: the ok commits are exactly those taken`,
      );
      t.equal(
        results.filter((r) => r.status === 'gone').length,
        40 - landed,
        `trial ${trial}: the rest are gone`,
      );
      t.equal(await b.load(id), null);
    }
    t.comment(`commits landed before take, per trial: ${landedCounts.join(' ')}`);
  },
);

t.test('a closed store refuses calls instead of reconnecting', async (t) => {
  const store = new MemcachedStore({ locations: both });
  await store.close();
  await t.rejects(store.load(newId()), {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
    message: 'memcached store is closed',
  });
});
