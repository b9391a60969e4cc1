import pg from 'pg';
import t from 'tap';
import type { Test } from 'tap';
import { migratePostgres } from '../../stores/postgres-migrate.ts';
import { PostgresStore } from '../../stores/postgres.ts';
import { postgresFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from '../session/app.ts';
import { runStoreBehaviour } from './behaviour.ts';
import type { StorePair } from './behaviour.ts';
import { ROTATION_CHECKS, rotateOf } from './rotation.ts';

const KEYS = [{ id: 'k1', secret: 'x'.repeat(32) }];
const server = await postgresFor(t);
const admin = new pg.Pool({ connectionString: server.url, max: 1 });
await migratePostgres(admin);
await admin.end();

async function open(t: Test): Promise<StorePair> {
  const a = new PostgresStore({ url: server.url });
  const b = new PostgresStore({ url: server.url });
  await Promise.all([a.connect(), b.connect()]);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
}

runStoreBehaviour(t, open);

t.test('rotation is take and create in one transaction', async (t) => {
  const pair = await open(t);
  for (const check of ROTATION_CHECKS) {
    t.equal(await check.run(pair, rotateOf(pair.a), rotateOf(pair.b)), null, check.name);
  }
});

class CountingPostgresStore extends PostgresStore {
  rotations = 0;
  override rotate(
    ...args: Parameters<PostgresStore['rotate']>
  ): ReturnType<PostgresStore['rotate']> {
    this.rotations++;
    return super.rotate(...args);
  }
}

t.test(
  'the engine logs in through rotate: data carried, old id dead, old index entry gone',
  async (t) => {
    const store = new CountingPostgresStore({ url: server.url });
    await store.connect();
    t.teardown(() => store.close());
    const node = await startTestNode(t, { store, signingKeys: KEYS });
    const anonymous = cookieFrom(
      await node.request('PUT', '/data/cart', { body: { value: 'tea' } }),
    );
    const ada = cookieFrom(
      await node.request('POST', '/login', { cookie: anonymous, body: { user: 'ada' } }),
    );
    const grace = cookieFrom(
      await node.request('POST', '/login', { cookie: ada, body: { user: 'grace' } }),
    );
    t.equal(store.rotations, 2, 'both logins rotated through the store');
    const cart = await node.request('GET', '/data/cart', { cookie: grace });
    t.same([cart.status, cart.body], [200, { value: 'tea' }]);
    for (const old of [anonymous, ada])
      t.equal((await node.request('GET', '/me', { cookie: old })).status, 401);
    t.same(
      await store.userSessions(node.engine.userKey('ada')),
      [],
      "ada's index no longer names the rotated id",
    );
    t.equal((await store.userSessions(node.engine.userKey('grace'))).length, 1);
  },
);
