/**
 * The engine's deliberate flaws (options.unsafe) each break the guarantee they name: the
 * negative controls the conformance checks rely on must really be broken.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { UnsafeFlaws } from '../../session/options.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from './app.ts';
import type { TestNode } from './app.ts';

const server = await redisFor(t);
const keys = [{ id: 'k1', secret: 'f'.repeat(32) }];

async function nodes(
  t: Test,
  unsafe: UnsafeFlaws,
  extra: { idleTimeoutMs?: number; touchAfterMs?: number } = {},
): Promise<[TestNode, TestNode]> {
  const open = async (): Promise<TestNode> => {
    const store = new RedisStore({ url: server.url, timeoutMs: 300 });
    await store.connect();
    t.teardown(() => store.close());
    return startTestNode(t, { store, signingKeys: keys, unsafe, storeTimeoutMs: 300, ...extra });
  };
  return [await open(), await open()];
}

const idOf = (cookie: string): string => cookie.split('=')[1]?.split('.')[0] ?? '';

t.test('whole-session-writes loses concurrent increments and distinct-key writes', async (t) => {
  const [n1, n2] = await nodes(t, { wholeSessionWrites: true });
  const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'a' } }));
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      (i % 2 ? n1 : n2).request('POST', '/counter/n', { cookie }),
    ),
  );
  const final = (await n1.request('GET', '/data/n', { cookie })).body as { value: number };
  t.ok(final.value < 200, `only ${final.value} of 200 increments counted`);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? n1 : n2).request('PUT', `/data/k${i}`, { cookie, body: { value: i } }),
    ),
  );
  const data = ((await n1.request('GET', '/data', { cookie })).body as { data: object }).data;
  t.ok(Object.keys(data).length < 51, `${Object.keys(data).length - 1} of 50 distinct keys kept`);
});

t.test('resurrect brings a logged-out session back when writes race the logout', async (t) => {
  const [n1, n2] = await nodes(t, { resurrect: true });
  let back = 0;
  for (let trial = 0; trial < 20; trial++) {
    const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'b' } }));
    const writes = Array.from({ length: 10 }, (_, i) =>
      n2.request('PUT', `/data/w${i}`, { cookie, body: { value: i } }),
    );
    await Promise.all([...writes, n1.request('POST', '/logout', { cookie })]);
    if ((await n1.request('GET', '/me', { cookie })).status === 200) back++;
  }
  t.ok(back > 0, `the session came back in ${back} of 20 trials`);
});

t.test('keep-old-id and no-rotate leave the pre-login id usable', async (t) => {
  const [keep] = await nodes(t, { keepOldId: true });
  const anon = cookieFrom(await keep.request('PUT', '/data/x', { body: { value: 1 } }));
  const fresh = cookieFrom(
    await keep.request('POST', '/login', { body: { user: 'c' }, cookie: anon }),
  );
  t.not(idOf(fresh), idOf(anon), 'keep-old-id rotates');
  t.equal(
    (await keep.request('GET', '/data/x', { cookie: anon })).status,
    200,
    '...but the old id still reads',
  );
  const [same] = await nodes(t, { noRotate: true });
  const before = cookieFrom(await same.request('PUT', '/data/x', { body: { value: 1 } }));
  const login = await same.request('POST', '/login', { body: { user: 'c' }, cookie: before });
  t.equal(login.setCookie.length, 0, 'no-rotate issues no new cookie');
  t.equal(
    (await same.request('GET', '/me', { cookie: before })).status,
    200,
    'the pre-login id is now logged in',
  );
});

t.test('adopt-client-id and weak-id give attacker-chosen or short ids', async (t) => {
  const [adopt] = await nodes(t, { adoptClientId: true });
  const res = await adopt.request('PUT', '/data/x', {
    cookie: 'sid=chosenByTheAttacker',
    body: { value: 1 },
  });
  t.equal(idOf(cookieFrom(res)), 'chosenByTheAttacker');
  const [weak] = await nodes(t, { weakIdBytes: 4 });
  t.match(
    idOf(cookieFrom(await weak.request('PUT', '/data/x', { body: { value: 1 } }))),
    /^[A-Za-z0-9_-]{6}$/,
  );
});

t.test('cookie-only-logout leaves the session in the store', async (t) => {
  const [n1, n2] = await nodes(t, { cookieOnlyLogout: true });
  const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'd' } }));
  const logout = await n1.request('POST', '/logout', { cookie });
  t.match(logout.setCookie[0], /Max-Age=0/i, 'the cookie is cleared');
  t.equal(
    (await n2.request('GET', '/me', { cookie })).status,
    200,
    'the replayed cookie still works',
  );
});

t.test('no-touch lets an active session expire', async (t) => {
  const [n1] = await nodes(t, { noTouch: true }, { idleTimeoutMs: 1200, touchAfterMs: 100 });
  const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'e' } }));
  let status = 200;
  for (let i = 0; i < 8 && status === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    status = (await n1.request('GET', '/me', { cookie })).status;
  }
  t.equal(status, 401, 'requests every 300 ms did not keep a 1.2 s session alive');
});

t.test('fail-open answers 401 instead of 503 when the store is paused', async (t) => {
  const [n1] = await nodes(t, { failOpen: true });
  const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'f' } }));
  await server.process.pause();
  try {
    t.equal((await n1.request('GET', '/me', { cookie })).status, 401);
  } finally {
    await server.process.resume();
  }
});

t.test('cookie attribute flaws drop HttpOnly, SameSite and Secure', async (t) => {
  const [n1] = await nodes(t, { noHttpOnly: true, noSameSite: true });
  const line = (await n1.request('PUT', '/data/x', { body: { value: 1 } })).setCookie[0] ?? '';
  t.notMatch(line, /HttpOnly/i);
  t.notMatch(line, /SameSite/i);
  const store = new RedisStore({ url: server.url });
  await store.connect();
  t.teardown(() => store.close());
  const insecure = await startTestNode(t, {
    store,
    signingKeys: keys,
    trustedProxies: ['127.0.0.1'],
    unsafe: { insecureCookie: true },
  });
  const over =
    (
      await insecure.request('PUT', '/data/x', {
        body: { value: 1 },
        headers: { 'x-forwarded-proto': 'https' },
      })
    ).setCookie[0] ?? '';
  t.match(over, /^sid=/);
  t.notMatch(over, /Secure/i);
});
