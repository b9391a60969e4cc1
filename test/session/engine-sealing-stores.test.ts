/**
 * Encryption at rest covers the user name on every store kind: after logins, a login that
 * rotates an anonymous session, data writes and a second sealing key, no key name or stored
 * value holds the name in clear, hex or base64 (read raw with the conformance store inspector:
 * every key and its whole content). Without encryption the name is there, so the read can see
 * it; such a session, left by an older configuration, keeps working once sealing is on and is
 * sealed by its next write. Logout-everywhere and maxSessionsPerUser still find the sessions.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import type { Test } from 'tap';
import type { SessionStore } from '../../core/store.ts';
import { createStoreInspector } from '../../scenarios/conformance/store-inspector.ts';
import { createStoreFromUrl } from '../../stores/from-url.ts';
import { migratePostgres } from '../../stores/postgres-migrate.ts';
import { plaintextForms } from '../helpers/plaintext-forms.ts';
import { memcachedFor, postgresFor, redisFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from './app.ts';
import type { TestNode, TestResponse } from './app.ts';

const signingKeys = [{ id: 'k1', secret: 'k'.repeat(32) }];
const e1 = { id: 'e1', secret: '3'.repeat(32) };
const e2 = { id: 'e2', secret: '4'.repeat(32) };
const userIndexSecret = 'u'.repeat(32);
const run = randomBytes(4).toString('hex');

const [redis, memcached, postgres] = await Promise.all([
  redisFor(t),
  memcachedFor(t, 1),
  postgresFor(t),
]);
const admin = new pg.Pool({ connectionString: postgres.url, max: 1 });
await migratePostgres(admin);
await admin.end();

const URLS = [
  redis.url,
  `memcached://${memcached[0]?.location ?? ''}`,
  postgres.url,
  'memory://',
] as const;

/** Where the store holds `name` in any plaintext form: key names, or keys whose content does. */
type Finder = (name: string) => Promise<string[]>;

async function finderFor(
  t: Test,
  url: string,
  store: SessionStore,
  ids: string[],
): Promise<Finder> {
  const inspector = await createStoreInspector(url);
  if (inspector === undefined) {
    // memory:// has no outside view: what it holds is what load() copies out, field for field.
    return async (name) => {
      const held = await Promise.all(ids.map(async (id) => JSON.stringify(await store.load(id))));
      return plaintextForms(name).flatMap((form) =>
        held.filter((text) => text.includes(form)).map(() => `a session holds ${form}`),
      );
    };
  }
  t.teardown(() => inspector.close());
  return async (name) => {
    const found: string[] = [];
    for (const form of plaintextForms(name)) {
      for (const { key } of await inspector.findKeys(form)) found.push(`key name ${key}`);
      for (const { key } of await inspector.keysHolding(form)) found.push(`content of ${key}`);
    }
    return found;
  };
}

for (const url of URLS) {
  const kind = url.slice(0, url.indexOf(':'));
  t.test(`${kind}: with encryption at rest no stored byte names the user`, async (t) => {
    const connect = async (): Promise<SessionStore> => {
      const client = createStoreFromUrl(url);
      await client.connect();
      t.teardown(() => client.close());
      return client;
    };
    const store = await connect();
    const ids: string[] = [];
    /** A node with its own store client (memory:// has no other: it is process-local). */
    const node = async (extra: object): Promise<TestNode> => {
      const own = kind === 'memory' ? store : await connect();
      return startTestNode(t, { store: own, signingKeys, userIndexSecret, ...extra });
    };
    const sealed = await node({ encryptionKeys: [e1], maxSessionsPerUser: 2 });
    const rotated = await node({ encryptionKeys: [e2, e1] });
    const plain = await node({});
    const found = await finderFor(t, url, store, ids);
    /** The cookie of a response that issues one; its session id noted for the memory finder. */
    const issued = (res: TestResponse): string => {
      const cookie = cookieFrom(res);
      ids.push(cookie.slice('sid='.length, cookie.indexOf('.')));
      return cookie;
    };
    const login = async (n: TestNode, user: string, cookie?: string): Promise<string> =>
      issued(await n.request('POST', '/login', { body: { user }, ...(cookie ? { cookie } : {}) }));
    const me = async (n: TestNode, cookie: string): Promise<unknown> => {
      const res = await n.request('GET', '/me', { cookie });
      return [res.status, res.body];
    };

    const user = `sealed-${kind}-${run}`;
    const anon = issued(await sealed.request('PUT', '/data/note', { body: { value: 'n' } }));
    const a = await login(sealed, user, anon);
    const b = await login(rotated, user);
    t.equal(
      (await sealed.request('PUT', '/data/x', { cookie: a, body: { value: 1 } })).status,
      204,
    );
    t.same(await found(user), [], 'the user name is in no key name and no stored value');
    t.same(await me(rotated, a), [200, { user }], 'sealed under e1, read under [e2, e1]');
    t.same(await me(rotated, b), [200, { user }], 'sealed under e2');
    t.same((await rotated.request('GET', '/data/note', { cookie: a })).body, { value: 'n' });

    const c = await login(sealed, user);
    t.same(await me(rotated, a), [401, {}], 'maxSessionsPerUser 2: the oldest session ended');
    const all = await rotated.request('POST', '/logout-all', { cookie: c });
    t.same(all.body, { ended: 2 }, 'logout-all finds both remaining sessions');
    t.same(
      [await me(rotated, b), await me(rotated, c)],
      [
        [401, {}],
        [401, {}],
      ],
    );

    const old = `clear-${kind}-${run}`;
    const o = await login(plain, old);
    t.not((await found(old)).length, 0, 'without encryption the name is stored in clear');
    t.same(await me(sealed, o), [200, { user: old }], 'a clear name still reads with sealing on');
    t.equal(
      (await sealed.request('PUT', '/data/y', { cookie: o, body: { value: 2 } })).status,
      204,
    );
    t.same(await found(old), [], 'sealed by its next write');
    t.same(await me(rotated, o), [200, { user: old }]);
    t.same((await sealed.request('POST', '/logout-all', { cookie: o })).body, { ended: 1 });
  });
}
