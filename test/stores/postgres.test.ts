import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import t, { type Test } from 'tap';
import { generateId } from '../../session/signing.ts';
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from '../../stores/postgres-migrate.ts';
import { PostgresStore } from '../../stores/postgres.ts';
import { EXIT } from '../../core/exit-codes.ts';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { postgresFor } from '../helpers/services.ts';
import { resolveNodeConfig } from '../../reference-servers/config.ts';
import { BENCH_VALUE } from '../../reference-servers/bench/nosession-app.ts';
import { createRawPostgresServer, RAW_ROW_ID } from '../../reference-servers/bench/raw-pg.ts';

const server = await postgresFor(t);
const admin = new pg.Pool({ connectionString: server.url, max: 2 });
t.teardown(() => admin.end());
const TTL = 60_000;

/** A store on `url` with the sweeper off (the tests call sweep()), closed at teardown. */
async function storeFor(t: Test, url = server.url, errors: Error[] = []): Promise<PostgresStore> {
  const store = new PostgresStore({ url, sweepIntervalMs: 0, onError: (e) => errors.push(e) });
  t.teardown(() => store.close());
  await store.connect();
  return store;
}

t.test('migrate applies every version once, and records them', async (t) => {
  t.same(await migratePostgres(admin), [1, 2]);
  t.same(await migratePostgres(admin), [], 'a second run applies nothing');
  const { rows } = await admin.query('SELECT version FROM sl_schema_version ORDER BY version');
  t.same(rows, [{ version: 1 }, { version: POSTGRES_SCHEMA_VERSION }]);
});

t.test(
  "the bench's raw SELECT baseline answers the session row's value and nothing else",
  async (t) => {
    const config = resolveNodeConfig({
      storeUrl: server.url,
      password: 'pw',
      signingKeys: `k1:${'x'.repeat(32)}`,
    });
    const raw = await createRawPostgresServer(config);
    await new Promise<void>((done) => raw.server.listen(0, '127.0.0.1', done));
    t.teardown(async () => {
      await new Promise((done) => raw.server.close(done));
      await raw.close();
    });
    const base = `http://127.0.0.1:${(raw.server.address() as AddressInfo).port}`;
    const get = async (path: string): Promise<[number, unknown]> => {
      const res = await fetch(`${base}${path}`);
      return [res.status, await res.json()];
    };
    t.same(await get('/session/data/cart'), [200, { value: BENCH_VALUE }]);
    t.match(await get('/contract'), [200, { impl: 'raw-pg-select', store: 'postgres' }]);
    t.match(await get('/other'), [404, { error: 'no route GET /other' }]);
    const { rows } = await admin.query('SELECT fields FROM sl_sessions WHERE id = $1', [
      RAW_ROW_ID,
    ]);
    t.same(rows, [{ fields: { 'd:v': JSON.stringify(BENCH_VALUE) } }], 'one row of sl_sessions');
  },
);

t.test('a store refuses a database without the schema and names the fix', async (t) => {
  await admin.query('CREATE DATABASE unmigrated');
  const url = server.url.replace(/\/postgres$/, '/unmigrated');
  const store = new PostgresStore({ url, sweepIntervalMs: 0 });
  t.teardown(() => store.close());
  await t.rejects(store.connect(), {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
    message: `postgres at 127.0.0.1:${server.port}/unmigrated has schema version 0, this store needs ${POSTGRES_SCHEMA_VERSION} — run \`sessionlab store migrate --store-url <url>\``,
  });
});

t.test('a session past its absolute deadline reads as absent at once', async (t) => {
  const store = await storeFor(t);
  const id = generateId(32);
  await store.create(id, { 'm:c': '1', 'm:x': String(Date.now() - 1) }, TTL);
  t.equal(await store.load(id), null);
  t.same(
    await store.commit(id, [{ op: 'set', field: 'd:a', value: '1' }], { ttlMs: TTL, maxBytes: 0 }),
    {
      status: 'gone',
    },
  );
  t.equal(await store.create(id, { 'm:c': '2' }, TTL), true, 'its id counts as free');
});

t.test('the sweeper deletes expired rows in batches and skips a locked one', async (t) => {
  const errors: Error[] = [];
  const store = new PostgresStore({
    url: server.url,
    sweepIntervalMs: 0,
    sweepBatchSize: 2,
    onError: (e) => errors.push(e),
  });
  t.teardown(() => store.close());
  await store.connect();
  const expired = Array.from({ length: 5 }, () => generateId(32));
  const live = generateId(32);
  for (const id of expired) await store.create(id, { 'm:c': '1' }, 1);
  await store.create(live, { 'm:c': '1' }, TTL);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const holder = await admin.connect();
  t.teardown(() => holder.release());
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM sl_sessions WHERE id = $1 FOR UPDATE', [expired[0]]);
  t.equal(await store.sweep(), 4, 'every expired row but the locked one');
  await holder.query('COMMIT');
  t.equal(await store.sweep(), 1, 'the one that was locked, once free');
  const { rows } = await admin.query('SELECT id FROM sl_sessions WHERE id = ANY($1)', [
    [...expired, live],
  ]);
  t.same(rows, [{ id: live }], 'the live row stays');
  t.same(errors, []);
});

t.test(
  'a paused server fails a call closed within the deadline, without the password',
  async (t) => {
    const store = new PostgresStore({ url: server.url, timeoutMs: 300, sweepIntervalMs: 0 });
    t.teardown(() => store.close());
    // No connection yet: a paused postmaster accepts none (open backends would still answer).
    server.process.pause();
    t.teardown(() => server.process.paused && server.process.resume());
    const error = await store.load(generateId(32)).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    server.process.resume();
    t.equal(error?.code, 'SESSIONLAB_ERR_STORE_UNAVAILABLE');
    t.match(error?.message, `127.0.0.1:${server.port}/postgres`);
    t.notMatch(error?.message, server.password);
    // A new connection (SCRAM, a forked backend) may take longer than 300 ms on a busy machine.
    let answer: unknown = 'no answer';
    for (let attempt = 0; attempt < 20 && answer === 'no answer'; attempt++) {
      answer = await store.load(generateId(32)).catch(() => 'no answer');
    }
    t.equal(answer, null, 'answers again once resumed');
  },
);

t.test('bad options throw at construction, naming the field', async (t) => {
  t.throws(() => new PostgresStore({ url: 'redis://127.0.0.1:6379' }), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid url: expected postgres://user:password@host:port/database',
  });
  t.throws(() => new PostgresStore({ url: server.url, maxConnections: 0 }), {
    message: 'invalid maxConnections 0: expected an integer from 1 to 1000',
  });
});

t.test('`sessionlab store migrate` applies the schema and refuses other stores', async (t) => {
  await admin.query('CREATE DATABASE bycli');
  const url = server.url.replace(/\/postgres$/, '/bycli');
  const sessionlab = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin', 'sessionlab.js'), ...args]);
  t.same(await sessionlab('store', 'migrate', '--store-url', url), {
    stdout: 'applied schema version 1, 2; now at 2\n',
    stderr: '',
  });
  await t.rejects(sessionlab('store', 'migrate', '--store-url', 'redis://127.0.0.1:6379'), {
    code: EXIT.usage,
    stderr:
      'sessionlab: invalid --store-url "redis://127.0.0.1:6379": only postgres:// stores have a schema\n',
  });
});
