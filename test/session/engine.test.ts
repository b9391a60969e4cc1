/**
 * Engine guarantees that do not depend on the store kind, checked on a real redis-server:
 * cookies (tamper, strict ids, key rotation, Secure), encryption at rest, events, fail-closed.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Redis } from 'ioredis';
import type { SessionEvent } from '../../session/engine.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from './app.ts';

const k1 = { id: 'k1', secret: '1'.repeat(32) };
const k2 = { id: 'k2', secret: '2'.repeat(32) };
const e1 = { id: 'e1', secret: '3'.repeat(32) };
const e2 = { id: 'e2', secret: '4'.repeat(32) };

const server = await redisFor(t, { extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] });
const raw = new Redis(server.url);
t.teardown(() => raw.disconnect());

/** The session id of a `sid=<id>.<keyId>.<mac>` cookie. */
const idOf = (cookie: string): string => cookie.split('=')[1]?.split('.')[0] ?? '';

async function store(t: Test): Promise<RedisStore> {
  const s = new RedisStore({ url: server.url, timeoutMs: 500 });
  await s.connect();
  t.teardown(() => s.close());
  return s;
}

t.test('tampered, unknown and malformed cookies are no session: 401, never 5xx', async (t) => {
  const node = await startTestNode(t, { store: await store(t), signingKeys: [k1] });
  const events: SessionEvent[] = [];
  node.engine.on('session', (e) => events.push(e));
  const cookie = cookieFrom(await node.request('POST', '/login', { body: { user: 'alice' } }));
  const [name, value = ''] = cookie.split('=');
  const [id = '', kid = '', mac = ''] = value.split('.');
  const forged = [
    `${name}=${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${kid}.${mac}`,
    `${name}=${id}.${kid}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
    `${name}=${id}.k9.${mac}`,
    `${name}=${id}`,
    `${name}=%%%`,
    `${name}=${'a'.repeat(5000)}`,
  ];
  for (const bad of forged) {
    const me = await node.request('GET', '/me', { cookie: bad });
    t.equal(me.status, 401, bad.slice(0, 60));
    t.same(me.setCookie, [], 'no cookie issued for a read');
  }
  t.ok(
    events.some((e) => e.type === 'tamper-rejected'),
    'tampering is reported',
  );
  t.notOk(JSON.stringify(events).includes(id), 'no event carries the id in clear');
});

t.test('an id the client chose is never adopted', async (t) => {
  const node = await startTestNode(t, { store: await store(t), signingKeys: [k1] });
  const chosen = 'sid=attackerchosenid0000000000000000000000000';
  const res = await node.request('PUT', '/data/x', { cookie: chosen, body: { value: 1 } });
  t.equal(res.status, 204);
  const issued = cookieFrom(res);
  t.notMatch(issued, /attackerchosenid/);
  t.match(issued, /^sid=[A-Za-z0-9_-]{43}\.k1\.[A-Za-z0-9_-]{43}$/);
});

t.test('a Cookie header over 8 KB is 431 JSON and the session is untouched', async (t) => {
  const node = await startTestNode(t, { store: await store(t), signingKeys: [k1] });
  const cookie = cookieFrom(await node.request('POST', '/login', { body: { user: 'alice' } }));
  t.equal((await node.request('PUT', '/data/x', { cookie, body: { value: 1 } })).status, 204);
  const planted = `${cookie}; ${Array.from({ length: 90 }, (_, i) => `p${i}=${'x'.repeat(90)}`).join('; ')}`;
  t.ok(planted.length > 8192, `${planted.length} bytes`);
  for (const [method, path] of [
    ['PUT', '/data/x'],
    ['GET', '/me'],
    ['POST', '/login'],
  ] as const) {
    const res = await node.request(method, path, {
      cookie: planted,
      body: { value: 2, user: 'mallory' },
    });
    t.equal(res.status, 431, `${method} ${path}`);
    t.same(res.body, {
      error: `Cookie header of ${planted.length} bytes, over the limit of 8192; remove some cookies`,
    });
    t.same(res.setCookie, [], 'no cookie set or cleared');
  }
  t.same((await node.request('GET', '/data/x', { cookie })).body, { value: 1 }, 'data kept');
  t.same((await node.request('GET', '/me', { cookie })).body, { user: 'alice' });
  const justUnder = `${cookie}; pad=${'x'.repeat(8192 - cookie.length - 6)}`;
  t.equal(justUnder.length, 8192);
  t.equal((await node.request('GET', '/me', { cookie: justUnder })).status, 200, 'at the limit');
});

t.test('a cookie under an older key is accepted and re-issued under the primary', async (t) => {
  const s = await store(t);
  const before = await startTestNode(t, { store: s, signingKeys: [k1] });
  const during = await startTestNode(t, { store: s, signingKeys: [k2, k1] });
  const after = await startTestNode(t, { store: s, signingKeys: [k2] });
  const old = cookieFrom(await before.request('POST', '/login', { body: { user: 'bob' } }));
  const me = await during.request('GET', '/me', { cookie: old });
  t.equal(me.status, 200);
  const reissued = cookieFrom(me);
  t.match(reissued, /\.k2\./, 're-signed with k2');
  t.equal(reissued.split('.')[0], old.split('.')[0], 'same session id');
  t.equal((await after.request('GET', '/me', { cookie: reissued })).status, 200);
  t.equal((await after.request('GET', '/me', { cookie: old })).status, 401, 'k1 retired');
});

t.test('Secure and __Host- only for HTTPS seen directly or through a trusted proxy', async (t) => {
  const s = await store(t);
  const untrusting = await startTestNode(t, { store: s, signingKeys: [k1] });
  const trusting = await startTestNode(t, {
    store: s,
    signingKeys: [k1],
    trustedProxies: ['127.0.0.1'],
  });
  const forwarded = { 'x-forwarded-proto': 'https' };
  const plain =
    (await untrusting.request('POST', '/login', { body: { user: 'c' }, headers: forwarded }))
      .setCookie[0] ?? '';
  t.match(plain, /^sid=/);
  t.notMatch(plain, /Secure/i, 'a forged X-Forwarded-Proto from an untrusted peer is ignored');
  t.match(plain, /HttpOnly/);
  t.match(plain, /SameSite=Lax/);
  t.match(plain, /Path=\//);
  const secure =
    (await trusting.request('POST', '/login', { body: { user: 'c' }, headers: forwarded }))
      .setCookie[0] ?? '';
  t.match(secure, /^__Host-sid=/);
  t.match(secure, /Secure/);
  t.notMatch(secure, /Domain=/i);
});

t.test('forceSecureCookie makes every cookie Secure and __Host-, plain HTTP too', async (t) => {
  const node = await startTestNode(t, {
    store: await store(t),
    signingKeys: [k1],
    forceSecureCookie: true,
  });
  const login = await node.request('POST', '/login', { body: { user: 'e' } });
  t.match(login.setCookie[0], /^__Host-sid=[^;]+;.*Secure/);
  const cookie = cookieFrom(login);
  t.same((await node.request('GET', '/me', { cookie })).body, { user: 'e' }, 'read back');
  const logout = await node.request('POST', '/logout', { cookie });
  t.match(logout.setCookie[0], /^__Host-sid=;.*Secure/, 'cleared as it was set');
});

t.test(
  'with encryption at rest the store holds no plaintext, and old keys stay readable',
  async (t) => {
    const s = await store(t);
    const n1 = await startTestNode(t, { store: s, signingKeys: [k1], encryptionKeys: [e1] });
    const cookie = cookieFrom(await n1.request('POST', '/login', { body: { user: 'dan' } }));
    t.equal(
      (await n1.request('PUT', '/data/card', { cookie, body: { value: 'top-secret-4111' } }))
        .status,
      204,
    );
    const id = idOf(cookie);
    const stored = await raw.hgetall(`sl:s:{${id}}`);
    t.notMatch(JSON.stringify(stored), /top-secret/, 'no plaintext in redis');
    t.match(stored['d:card'], /^\$s1\.e1\./);
    t.match(stored['m:u'], /^\$s1\.e1\./, 'the user name is sealed too');
    const n2 = await startTestNode(t, { store: s, signingKeys: [k1], encryptionKeys: [e2, e1] });
    t.same(
      (await n2.request('GET', '/data/card', { cookie })).body,
      { value: 'top-secret-4111' },
      'e1 data read under ring [e2, e1]',
    );
    await n2.request('PUT', '/data/card', { cookie, body: { value: 'top-secret-5500' } });
    t.match(
      await raw.hget(`sl:s:{${id}}`, 'd:card'),
      /^\$s1\.e2\./,
      're-sealed under e2 when written',
    );
    t.match(
      await raw.hget(`sl:s:{${id}}`, 'm:u'),
      /^\$s1\.e2\./,
      'and the user name with any write',
    );
    const fresh = cookieFrom(await n2.request('POST', '/login', { body: { user: 'dan' }, cookie }));
    t.same(
      (await n2.request('GET', '/data/card', { cookie: fresh })).body,
      { value: 'top-secret-5500' },
      'carried over and re-sealed',
    );
    t.match(
      await raw.hget(`sl:s:{${idOf(fresh)}}`, 'm:u'),
      /^\$s1\.e2\./,
      'sealed under e2 at login',
    );
  },
);

t.test(
  'a sealed user name copied into another session in the store does not log that session in',
  async (t) => {
    const node = await startTestNode(t, {
      store: await store(t),
      signingKeys: [k1],
      encryptionKeys: [e1],
    });
    const victim = cookieFrom(await node.request('POST', '/login', { body: { user: 'vic' } }));
    const other = cookieFrom(await node.request('PUT', '/data/a', { body: { value: 1 } }));
    const sealed = (await raw.hget(`sl:s:{${idOf(victim)}}`, 'm:u')) ?? '';
    await raw.hset(`sl:s:{${idOf(other)}}`, 'm:u', sealed);
    t.equal(
      (await node.request('GET', '/me', { cookie: other })).status,
      401,
      'bound to its session id',
    );
    t.same((await node.request('GET', '/me', { cookie: victim })).body, { user: 'vic' });
  },
);

t.test('the engine reports created, rotated and destroyed events', async (t) => {
  const node = await startTestNode(t, { store: await store(t), signingKeys: [k1] });
  const events: string[] = [];
  node.engine.on('session', (e) => events.push(e.type));
  const anon = cookieFrom(await node.request('PUT', '/data/a', { body: { value: 1 } }));
  const cookie = cookieFrom(
    await node.request('POST', '/login', { body: { user: 'eve' }, cookie: anon }),
  );
  await node.request('POST', '/logout', { cookie });
  t.same(events, ['created', 'created', 'rotated', 'destroyed']);
});

t.test(
  'a paused, then killed store fails closed with 503 in time, and sessions resume after',
  async (t) => {
    const node = await startTestNode(t, {
      store: await store(t),
      signingKeys: [k1],
      storeTimeoutMs: 500,
    });
    const events: SessionEvent[] = [];
    node.engine.on('session', (e) => events.push(e));
    const cookie = cookieFrom(await node.request('POST', '/login', { body: { user: 'fay' } }));
    await node.request('PUT', '/data/kept', { cookie, body: { value: 'yes' } });
    for (const [fault, restore] of [
      [() => server.process.pause(), () => server.process.resume()],
      [() => server.process.kill(), () => server.process.start()],
    ] as const) {
      await fault();
      for (const [method, path] of [
        ['GET', '/me'],
        ['PUT', '/data/x'],
        ['POST', '/counter/c'],
      ] as const) {
        const started = Date.now();
        const res = await node.request(method, path, {
          cookie,
          ...(method === 'PUT' ? { body: { value: 1 } } : {}),
        });
        const took = Date.now() - started;
        t.equal(res.status, 503, `${method} ${path} is 503`);
        t.same(res.body, { error: 'session store unavailable; try again shortly' });
        t.same(res.setCookie, [], 'no new cookie, no logout');
        t.ok(took <= 500 + 200, `${method} ${path} answered in ${took} ms (deadline 500 + 200)`);
      }
      await restore();
      // The client reconnects on its own schedule: poll, bounded.
      let me = await node.request('GET', '/me', { cookie });
      for (let i = 0; i < 50 && me.status === 503; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        me = await node.request('GET', '/me', { cookie });
      }
      t.same([me.status, me.body], [200, { user: 'fay' }], 'the same session works again');
    }
    t.ok(
      events.some((e) => e.type === 'store-error' && e.code === 'SESSIONLAB_ERR_STORE_UNAVAILABLE'),
    );
    t.same((await node.request('GET', '/data/kept', { cookie })).body, { value: 'yes' });
  },
);
