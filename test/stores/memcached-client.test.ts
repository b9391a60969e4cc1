import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo, Socket } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { freePort, waitFor } from '../../orchestrator/ports.ts';
import type { MemcachedServer } from '../../orchestrator/services.ts';
import { generateId } from '../../session/signing.ts';
import { MemcachedStore } from '../../stores/memcached.ts';
import type { MemcachedStoreOptions } from '../../stores/memcached.ts';
import type { DeltaOp } from '../../core/store.ts';
import { memcachedFor } from '../helpers/services.ts';

// How the store behaves when memcached is down, stopped or failing (memcached-client.ts).

const TTL = 60_000;
const OPTS = { ttlMs: TTL, maxBytes: 0 };
const INCR: DeltaOp[] = [{ op: 'incr', field: 'd:n', by: 1 }];
const UNAVAILABLE = 'SESSIONLAB_ERR_STORE_UNAVAILABLE';
const newId = (): string => generateId(32);

const [one, two] = await memcachedFor(t, 2);
if (one === undefined || two === undefined) throw new Error('memcachedFor started fewer than 2');
const both = [one.location, two.location];

function storeFor(t: Test, options: MemcachedStoreOptions): MemcachedStore {
  const store = new MemcachedStore(options);
  t.teardown(() => store.close());
  return store;
}

/** Resolves once every thread of the server is stopped: SIGSTOP takes effect asynchronously. */
async function stopped(server: MemcachedServer): Promise<void> {
  const tasks = `/proc/${server.process.pid}/task`;
  await waitFor(
    async () => {
      const stats = await Promise.all(
        (await readdir(tasks)).map((task) => readFile(`${tasks}/${task}/stat`, 'utf8')),
      );
      // The state is the field after the parenthesised command name.
      return stats.every((stat) => /\) T /.test(stat));
    },
    { what: `${server.location} stopped`, timeoutMs: 2000, intervalMs: 5 },
  );
}

/** How a call ended: its value, or its error code and message, and how long it took. */
async function outcome(
  call: () => Promise<unknown>,
): Promise<{ code: string; message: string; ms: number }> {
  const start = Date.now();
  try {
    const value = await call();
    return { code: `resolved ${JSON.stringify(value)}`, message: '', ms: Date.now() - start };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { code: String(code), message: String(message), ms: Date.now() - start };
  }
}

t.test('connect checks every location and names the one that does not answer', async (t) => {
  await storeFor(t, { locations: both }).connect();
  const closed = `127.0.0.1:${await freePort()}`;
  const result = await outcome(() => storeFor(t, { locations: [one.location, closed] }).connect());
  t.equal(result.code, UNAVAILABLE);
  t.match(
    result.message,
    `memcached unreachable at ${closed} — is it running? see \`make services\` (version: `,
  );
});
t.test(
  'a SIGSTOPped memcached fails calls within timeoutMs, and SIGCONT brings it back',
  async (t) => {
    const timeoutMs = 500;
    const store = storeFor(t, { locations: both, timeoutMs });
    const [id, spare] = [newId(), newId()];
    await store.create(id, { 'm:c': '1' }, TTL);
    one.process.pause();
    two.process.pause();
    await Promise.all([stopped(one), stopped(two)]);
    t.teardown(() => {
      if (one.process.running) one.process.resume();
      if (two.process.running) two.process.resume();
    });
    const calls: Record<string, () => Promise<unknown>> = {
      load: () => store.load(id),
      commit: () => store.commit(id, INCR, OPTS),
      touch: () => store.touch(id, TTL),
      create: () => store.create(spare, { 'm:c': '1' }, TTL),
      destroy: () => store.destroy(newId()),
      indexUser: () => store.indexUser('user-1', id, TTL),
      userSessions: () => store.userSessions('user-1'),
      connect: () => store.connect(),
    };
    const results = await Promise.all(Object.values(calls).map((call) => outcome(call)));
    for (const [i, name] of Object.keys(calls).entries()) {
      const result = results[i];
      t.equal(result?.code, UNAVAILABLE, `${name} rejects with ${UNAVAILABLE}`);
      t.ok(result && result.ms <= timeoutMs + 200, `${name} rejected after ${result?.ms} ms`);
    }
    t.match(
      results[0]?.message,
      /^memcached unreachable at 127\.0\.0\.1:\d+ — is it running\? see `make services` \(get: no answer within \d+ ms\)$/,
    );
    one.process.resume();
    two.process.resume();
    t.same((await store.load(id))?.fields, { 'm:c': '1' }, 'the session is back, unchanged');
    t.same(await store.commit(id, INCR, OPTS), { status: 'ok', counters: [1] });
  },
);

t.test('sessions written as a stalled memcached resumes keep their whole TTL', async (t) => {
  // memcached's clock stands still while it is stopped; a relative exptime served before its
  // timer catches up expires early by the whole stall. Four stores, four connections: memcached
  // serves them on different threads, each racing its clock update.
  const stores = Array.from({ length: 4 }, () =>
    storeFor(t, { locations: [one.location], timeoutMs: 10_000 }),
  );
  const ids = stores.map(() => newId());
  // Connected before the stall, so the writes wait in memcached's socket buffers.
  await Promise.all(stores.map((store) => store.load(newId())));
  one.process.pause();
  t.teardown(() => {
    if (one.process.running) one.process.resume();
  });
  await stopped(one);
  await sleep(3500);
  const created = Promise.all(
    stores.map((store, i) => store.create(ids[i] as string, { 'm:c': '1' }, 4000)),
  );
  await sleep(100);
  one.process.resume();
  const resumed = Date.now();
  t.same(await created, [true, true, true, true], 'created once memcached resumed');
  // 2.3 s after the stall the sessions are 2.4 s into their 4 s TTL (relative exptimes would
  // have lost them by now).
  await sleep(resumed + 2300 - Date.now());
  const loaded = await Promise.all(stores.map((store, i) => store.load(ids[i] as string)));
  t.same(
    loaded.map((session) => session?.fields),
    ids.map(() => ({ 'm:c': '1' })),
    'every session is still there',
  );
});

t.test('a killed memcached rejects every call as unavailable, never as a miss', async (t) => {
  const [server] = await memcachedFor(t, 1);
  if (server === undefined) throw new Error('no memcached started');
  const store = storeFor(t, { locations: [server.location], timeoutMs: 500 });
  const id = newId();
  await store.create(id, { 'm:c': '1' }, TTL);
  await server.process.kill();
  // Many overlapping failures: the package's own failure handling would spawn `ping` here.
  const loads = await Promise.all(Array.from({ length: 20 }, () => outcome(() => store.load(id))));
  t.same(
    [...new Set(loads.map((r) => r.code))],
    [UNAVAILABLE],
    'no load resolved (null would be a miss)',
  );
  t.match(
    loads[0]?.message,
    `memcached unreachable at ${server.location} — is it running? see \`make services\` (get: `,
  );
  const others = [
    () => store.commit(id, INCR, OPTS),
    () => store.create(newId(), {}, TTL),
    () => store.take(id),
    () => store.destroy(id),
    () => store.connect(),
  ];
  const results = await Promise.all(others.map((call) => outcome(call)));
  t.same(
    results.map((r) => r.code),
    others.map(() => UNAVAILABLE),
  );
});

t.test('a SERVER_ERROR reply is an outage, not a miss or a taken id', async (t) => {
  // A flawed server: answers version, and SERVER_ERROR to reads and adds.
  const sockets = new Set<Socket>();
  const fake = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const line of chunk.split('\r\n')) {
        if (line === 'version') socket.write('VERSION 1.6.0\r\n');
        else if (/^(get|gets|add) /.test(line)) socket.write('SERVER_ERROR out of memory\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    fake.close();
  });
  const location = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const store = storeFor(t, { locations: [location], timeoutMs: 500 });
  await store.connect();
  const load = await outcome(() => store.load(newId()));
  t.same(load, {
    code: UNAVAILABLE,
    message: `memcached at ${location} failed get: out of memory — check its log, memory (-m) and item size (-I)`,
    ms: load.ms,
  });
  const create = await outcome(() => store.create(newId(), {}, TTL));
  t.same(create.code, UNAVAILABLE, 'create rejects instead of reporting the id as taken');
  const commit = await outcome(() => store.commit(newId(), INCR, OPTS));
  t.same(commit.code, UNAVAILABLE, 'commit rejects instead of reporting gone');
});
