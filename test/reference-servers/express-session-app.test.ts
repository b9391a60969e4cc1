import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { startAppNode } from '../../orchestrator/nodes.ts';
import { freePort } from '../../orchestrator/ports.ts';
import { resolveNodeConfig } from '../../reference-servers/config.ts';
import { createExpressSessionApp } from '../../reference-servers/express-session-app.ts';
import { NodeMetrics } from '../../reference-servers/metrics.ts';
import { memcachedFor, redisFor } from '../helpers/services.ts';

const PASSWORD = 'correct horse';
const SIGNING_SECRET = 's'.repeat(32);
const IDLE_TIMEOUT_MS = 60_000;
/** How long the outage probe waits for an answer before recording "none" (contract: 2 s). */
const OUTAGE_PROBE_MS = 8_000;

interface Reply {
  status: number;
  body: unknown;
  setCookie: string[];
  headers: Headers;
}

interface RequestOptions {
  cookie?: string;
  body?: unknown;
  rawBody?: string;
  timeoutMs?: number;
}

interface Node {
  id: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
}

/** Every reply seen, for the wire-rule checks: which node answered which path. */
const seen: { node: string; path: string; reply: Reply }[] = [];

function clientFor(base: string, id: string): Node {
  return {
    id,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.cookie !== undefined) headers.cookie = options.cookie;
      const body =
        options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(options.timeoutMs === undefined
          ? {}
          : { signal: AbortSignal.timeout(options.timeoutMs) }),
      });
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
      const reply = {
        status: res.status,
        body: text === '' ? undefined : isJson ? (JSON.parse(text) as unknown) : text,
        setCookie: res.headers.getSetCookie(),
        headers: res.headers,
      };
      seen.push({ node: id, path, reply });
      return reply;
    },
  };
}

/** A node in this process, closed (HTTP server, then store client) at teardown. */
async function startNode(t: Test, storeUrl: string, id: string): Promise<Node> {
  const config = resolveNodeConfig({
    impl: 'express-session',
    nodeId: id,
    storeUrl,
    password: PASSWORD,
    signingKeys: `k1:${SIGNING_SECRET}`,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  });
  const { app, close } = await createExpressSessionApp(
    config,
    pino({ level: 'silent' }),
    new NodeMetrics(id),
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
  });
  return clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, id);
}

/**
 * A node as its own process (reference-servers/main.ts), stopped with SIGTERM at teardown:
 * after an outage the memcached client keeps retry timers that only process exit ends.
 */
async function startProcessNode(t: Test, storeUrl: string, id: string): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-'));
  const node = await startAppNode(dir, {
    impl: 'express-session',
    nodeId: id,
    port: await freePort(),
    storeUrl,
    password: PASSWORD,
    signingKeys: [{ id: 'k1', secret: SIGNING_SECRET }],
    encryptionKeys: [],
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    absoluteTimeoutMs: 0,
    maxSessionBytes: 65_536,
    storeTimeoutMs: 1000,
    trustedProxies: [],
    flaws: [],
    logLevel: 'warn',
  });
  t.teardown(async () => {
    await node.process.stop();
    if (t.passing()) await rm(dir, { recursive: true, force: true });
    else console.error(`sessionlab: node logs kept in ${dir}`);
  });
  return clientFor(node.url, id);
}

/** `sid=...` of the reply's session cookie, to send back. */
function cookieOf(reply: Reply): string {
  const cookie = reply.setCookie.find((c) => c.startsWith('sid='));
  if (cookie === undefined) throw new Error(`no sid cookie in ${JSON.stringify(reply.setCookie)}`);
  return cookie.split(';')[0] ?? '';
}

const SESSION_PATHS = /^\/(login|logout|logout-all|me)$|^\/session\//;

/** Checks (and forgets) every reply seen so far against the contract's wire rules. */
function checkWireRules(t: Test, atLeast: number): void {
  t.ok(seen.length >= atLeast, `${seen.length} responses checked`);
  for (const { node, path, reply } of seen.splice(0)) {
    const header = (name: string): string => reply.headers.get(name) ?? '';
    if (header('x-node-id') !== node)
      t.fail(`${path} on ${node}: X-Node-Id "${header('x-node-id')}"`);
    if (SESSION_PATHS.test(path) && header('cache-control') !== 'no-store')
      t.fail(`${path} on ${node}: Cache-Control "${header('cache-control')}"`);
    if (
      path !== '/metrics' &&
      reply.status !== 204 &&
      !header('content-type').startsWith('application/json')
    )
      t.fail(`${path} on ${node}: content-type "${header('content-type')}"`);
  }
}

/** Client mistakes, checked before the store is asked: used while the store is up and down. */
async function mistakes(t: Test, a: Node, b: Node, cookie: string): Promise<void> {
  const badJson = await a.request('POST', '/login', { cookie, rawBody: '{"user": ' });
  t.equal(badJson.status, 400);
  t.same(badJson.body, { error: 'invalid JSON body' });
  const badKey = await b.request('PUT', '/session/data/a%20b', { cookie, body: { value: 1 } });
  t.equal(badKey.status, 400);
  t.same(badKey.body, { error: 'invalid key: expected [A-Za-z0-9_.-]{1,64}' });
  const longKey = await b.request('GET', `/session/data/${'k'.repeat(65)}`, { cookie });
  t.equal(longKey.status, 400);
  const noValue = await a.request('PUT', '/session/data/k', { cookie, body: { v: 1 } });
  t.equal(noValue.status, 400);
  t.same(noValue.body, { error: 'expected a JSON body {"value": <any JSON>}' });
  const badUser = await a.request('POST', '/login', {
    cookie,
    body: { user: 'Alice!', password: PASSWORD },
  });
  t.equal(badUser.status, 400);
  t.same(badUser.body, { error: 'invalid user: expected ^[a-z0-9_-]{1,32}$' });
  const wrongPassword = await b.request('POST', '/login', {
    cookie,
    body: { user: 'alice', password: 'nope' },
  });
  t.equal(wrongPassword.status, 401);
}

const STORES = {
  redis: async (t: Test) => {
    const server = await redisFor(t);
    return { url: server.url, stop: () => server.stop() };
  },
  memcached: async (t: Test) => {
    const [server] = await memcachedFor(t, 1);
    if (server === undefined) throw new Error('memcachedFor started no server');
    return { url: `memcached://${server.location}`, stop: () => server.stop() };
  },
};

for (const [kind, startStore] of Object.entries(STORES)) {
  t.test(`express-session baseline on ${kind}`, async (t) => {
    const store = await startStore(t);
    const a = await startNode(t, store.url, 'n1');
    const b = await startNode(t, store.url, 'n2');

    t.test('GET /contract declares the baseline and creates no session', async (t) => {
      const reply = await a.request('GET', '/contract');
      t.equal(reply.status, 200);
      t.same(reply.body, {
        contract: 1,
        node: 'n1',
        cookieName: 'sid',
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        absoluteTimeoutMs: 0,
        maxSessionBytes: 65_536,
        capabilities:
          kind.startsWith('redis') || kind === 'postgres'
            ? ['carry-over', 'durable-store']
            : ['carry-over'],
        impl: 'express-session',
        store: kind,
      });
      t.same(reply.setCookie, []);
    });

    t.test('login sets an HttpOnly SameSite=Lax cookie that another node accepts', async (t) => {
      const login = await a.request('POST', '/login', {
        body: { user: 'alice', password: PASSWORD },
      });
      t.equal(login.status, 200);
      t.same(login.body, { user: 'alice' });
      const [cookie = ''] = login.setCookie;
      t.match(
        cookie,
        /^sid=s%3A[A-Za-z0-9_-]{32}\.[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
      );
      const me = await b.request('GET', '/me', { cookie: cookieOf(login) });
      t.equal(me.status, 200);
      const { user, createdAt } = me.body as { user: string; createdAt: number };
      t.equal(user, 'alice');
      t.ok(Math.abs(Date.now() - createdAt) < 10_000, 'createdAt is the login time');
    });

    t.test('login carries anonymous data into a new id and kills the old one', async (t) => {
      const put = await a.request('PUT', '/session/data/cart', { body: { value: ['book'] } });
      t.equal(put.status, 204);
      const anonymous = cookieOf(put);
      const login = await b.request('POST', '/login', {
        cookie: anonymous,
        body: { user: 'bob', password: PASSWORD },
      });
      t.equal(login.status, 200);
      const fresh = cookieOf(login);
      t.not(fresh, anonymous, 'a new session id');
      t.same((await a.request('GET', '/session/data/cart', { cookie: fresh })).body, {
        value: ['book'],
      });
      t.equal((await a.request('GET', '/session/data/cart', { cookie: anonymous })).status, 404);
      t.equal((await b.request('GET', '/me', { cookie: anonymous })).status, 401);
    });

    t.test(
      'a wrong password is 401 and leaves the session and its data as they were',
      async (t) => {
        const put = await a.request('PUT', '/session/data/x', { body: { value: 1 } });
        const cookie = cookieOf(put);
        const login = await b.request('POST', '/login', {
          cookie,
          body: { user: 'alice', password: 'wrong' },
        });
        t.equal(login.status, 401);
        t.same(login.body, { error: 'wrong user name or password' });
        t.same(login.setCookie, []);
        t.same((await a.request('GET', '/session/data/x', { cookie })).body, { value: 1 });
        t.equal((await a.request('GET', '/me', { cookie })).status, 401);
      },
    );

    t.test('session data can be written, read, listed and deleted from any node', async (t) => {
      t.same((await a.request('GET', '/session/data')).body, { data: {} });
      const put = await a.request('PUT', '/session/data/k.1', { body: { value: { n: 1 } } });
      t.equal(put.status, 204);
      t.equal(put.body, undefined);
      const cookie = cookieOf(put);
      t.equal(
        (await b.request('PUT', '/session/data/k2', { cookie, body: { value: null } })).status,
        204,
      );
      t.same((await b.request('GET', '/session/data/k.1', { cookie })).body, { value: { n: 1 } });
      t.same((await a.request('GET', '/session/data/k2', { cookie })).body, { value: null });
      const missing = await a.request('GET', '/session/data/nope', { cookie });
      t.equal(missing.status, 404);
      t.same(missing.body, { error: 'no such key' });
      t.same((await a.request('GET', '/session/data', { cookie })).body, {
        data: { 'k.1': { n: 1 }, k2: null },
      });
      t.equal((await b.request('DELETE', '/session/data/k.1', { cookie })).status, 204);
      t.equal((await b.request('DELETE', '/session/data/k.1', { cookie })).status, 204);
      t.equal((await a.request('DELETE', '/session/data/never')).status, 204);
      t.same((await a.request('GET', '/session/data', { cookie })).body, { data: { k2: null } });
      const proto = await b.request('PUT', '/session/data/__proto__', {
        cookie,
        body: { value: 7 },
      });
      t.equal(proto.status, 204);
      t.same((await a.request('GET', '/session/data/__proto__', { cookie })).body, { value: 7 });
      t.equal((await a.request('GET', '/session/data/constructor', { cookie })).status, 404);
      t.same((await b.request('POST', '/session/counter/toString', { cookie })).body, { value: 1 });
    });

    t.test('a counter counts sequential increments from both nodes', async (t) => {
      const first = await a.request('POST', '/session/counter/hits');
      t.equal(first.status, 200);
      t.same(first.body, { value: 1 });
      const cookie = cookieOf(first);
      t.same((await b.request('POST', '/session/counter/hits', { cookie })).body, { value: 2 });
      t.same((await a.request('POST', '/session/counter/hits', { cookie })).body, { value: 3 });
      await a.request('PUT', '/session/data/name', { cookie, body: { value: 'x' } });
      const notInteger = await b.request('POST', '/session/counter/name', { cookie });
      t.equal(notInteger.status, 409);
      t.same(notInteger.body, { error: 'session key "name" does not hold an integer counter' });
    });

    t.test('the baseline loses concurrent counter increments (read-modify-write)', async (t) => {
      const cookie = cookieOf(
        await a.request('POST', '/login', { body: { user: 'carol', password: PASSWORD } }),
      );
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? a : b).request('POST', '/session/counter/race', { cookie }),
        ),
      );
      t.same(
        replies.map((r) => r.status),
        Array.from({ length: 100 }, () => 200),
      );
      const final = (await b.request('GET', '/session/data/race', { cookie })).body as {
        value: number;
      };
      t.comment(`${kind}: 100 concurrent increments from two nodes counted ${final.value}`);
      t.ok(final.value < 100, `lost updates: ${final.value} < 100`);
    });

    t.test('logout is 204, clears the cookie, and the session is gone on both nodes', async (t) => {
      const cookie = cookieOf(
        await a.request('POST', '/login', { body: { user: 'dave', password: PASSWORD } }),
      );
      await a.request('PUT', '/session/data/k', { cookie, body: { value: 1 } });
      const logout = await b.request('POST', '/logout', { cookie });
      t.equal(logout.status, 204);
      t.match(logout.setCookie, [/^sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT/]);
      for (const node of [a, b]) {
        const me = await node.request('GET', '/me', { cookie });
        t.equal(me.status, 401, `${node.id}: /me`);
        t.same(me.body, { error: 'not logged in' });
        t.same(me.setCookie, [], `${node.id}: no new cookie on 401`);
        t.equal((await node.request('GET', '/session/data/k', { cookie })).status, 404);
      }
    });

    t.test('logout-all is not offered', async (t) => {
      const reply = await a.request('POST', '/logout-all');
      t.equal(reply.status, 404);
      t.same(reply.body, { error: 'logout-all is not supported by express-session' });
    });

    t.test('client mistakes are 4xx with a JSON error, never 500', async (t) => {
      const cookie = cookieOf(
        await a.request('POST', '/login', { body: { user: 'erin', password: PASSWORD } }),
      );
      await mistakes(t, a, b, cookie);
      const unknown = await a.request('GET', '/nowhere');
      t.equal(unknown.status, 404);
      t.same(unknown.body, { error: 'no route GET /nowhere' });
      const tampered = await b.request('GET', '/me', { cookie: `${cookie}x` });
      t.equal(tampered.status, 401);
      t.same(tampered.setCookie, []);
    });

    t.test(
      'every response so far carries its X-Node-Id; session responses are no-store',
      async (t) => {
        const metrics = await a.request('GET', '/metrics');
        t.equal(metrics.status, 200);
        t.match(metrics.body, /sessionlab_session_events_total\{[^}]*type="rotated"[^}]*\} [1-9]/);
        t.match(metrics.body, /sessionlab_session_events_total\{[^}]*type="created"[^}]*\} [1-9]/);
        t.match(metrics.body, /sessionlab_store_call_duration_seconds_count\{[^}]*op="load"/);
        checkWireRules(t, 50);
      },
    );
  });
}

for (const [kind, startStore] of Object.entries(STORES)) {
  t.test(`with ${kind} stopped, client mistakes stay 4xx; /me is recorded`, async (t) => {
    const store = await startStore(t);
    const a = await startProcessNode(t, store.url, 'n3');
    const b = await startProcessNode(t, store.url, 'n4');
    const cookie = cookieOf(
      await a.request('POST', '/login', { body: { user: 'frank', password: PASSWORD } }),
    );
    t.equal((await b.request('GET', '/me', { cookie })).status, 200, 'before the outage');
    await store.stop();
    await mistakes(t, a, b, cookie);
    t.equal((await b.request('GET', '/me')).status, 401, 'no cookie: no store call');
    const started = Date.now();
    const outcome = await a
      .request('GET', '/me', { cookie, timeoutMs: OUTAGE_PROBE_MS })
      .then((reply) => `${reply.status} ${JSON.stringify(reply.body)}`)
      .catch(() => `no answer within ${OUTAGE_PROBE_MS} ms`);
    t.comment(
      `${kind} stopped: GET /me with a session cookie -> ${outcome} (${Date.now() - started} ms)`,
    );
    checkWireRules(t, 9);
  });
}
