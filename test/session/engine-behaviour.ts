/**
 * What the engine guarantees across nodes, run on each shared store (redis, redis-cluster,
 * memcached): two engine instances over two store clients stand for two application nodes.
 */
import type { Test } from 'tap';
import type { SessionOptions } from '../../session/options.ts';
import type { StorePair } from '../stores/behaviour.ts';
import { cookieFrom, startTestNode } from './app.ts';
import type { TestNode } from './app.ts';

const KEYS = [{ id: 'k1', secret: 'x'.repeat(32) }];

async function twoNodes(
  t: Test,
  open: (t: Test) => Promise<StorePair>,
  extra: Partial<SessionOptions> = {},
): Promise<[TestNode, TestNode]> {
  const { a, b } = await open(t);
  return Promise.all([
    startTestNode(t, { store: a, signingKeys: KEYS, ...extra }),
    startTestNode(t, { store: b, signingKeys: KEYS, ...extra }),
  ]);
}

async function login(node: TestNode, user: string, cookie?: string): Promise<string> {
  return cookieFrom(
    await node.request('POST', '/login', { body: { user }, ...(cookie ? { cookie } : {}) }),
  );
}

export function runEngineBehaviour(t: Test, open: (t: Test) => Promise<StorePair>): void {
  t.test('a login on one node is seen on the other', async (t) => {
    const [n1, n2] = await twoNodes(t, open);
    const cookie = await login(n1, 'alice');
    const me = await n2.request('GET', '/me', { cookie });
    t.same([me.status, me.body], [200, { user: 'alice' }]);
  });

  t.test('1,000 concurrent increments over two nodes end at exactly 1,000', async (t) => {
    const [n1, n2] = await twoNodes(t, open);
    const cookie = await login(n1, 'alice');
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        (i % 2 ? n1 : n2).request('POST', '/counter/hits', { cookie }),
      ),
    );
    const statuses = new Set(responses.map((r) => r.status));
    t.same([...statuses], [200], 'every increment answered 200');
    const final = await n2.request('GET', '/data/hits', { cookie });
    t.same(final.body, { value: 1000 });
    t.comment(
      `1,000 increments over 2 nodes: final ${JSON.stringify(final.body)} in ${Date.now() - started} ms`,
    );
  });

  t.test('100 concurrent writes of distinct keys over two nodes all persist', async (t) => {
    const [n1, n2] = await twoNodes(t, open);
    const cookie = await login(n1, 'bob');
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? n1 : n2).request('PUT', `/data/k${i}`, { cookie, body: { value: i } }),
      ),
    );
    t.same([...new Set(responses.map((r) => r.status))], [204]);
    const all = await n1.request('GET', '/data', { cookie });
    const data = (all.body as { data: Record<string, number> }).data;
    t.equal(Object.keys(data).length, 100, 'all 100 keys are there');
    t.same(data, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i])));
  });

  t.test('writes racing a logout on the other node never bring the session back', async (t) => {
    const [n1, n2] = await twoNodes(t, open);
    let resurrected = 0;
    for (let trial = 0; trial < 20; trial++) {
      const cookie = await login(n1, 'carol');
      const writes = Array.from({ length: 10 }, (_, i) =>
        n2.request('PUT', `/data/w${i}`, { cookie, body: { value: i } }),
      );
      const logout = n1.request('POST', '/logout', { cookie });
      await Promise.all([...writes, logout]);
      const [me, data] = await Promise.all([
        n2.request('GET', '/me', { cookie }),
        n1.request('GET', '/data', { cookie }),
      ]);
      if (me.status !== 401 || JSON.stringify(data.body) !== '{"data":{}}') resurrected++;
    }
    t.equal(resurrected, 0, 'no trial out of 20 saw the session again');
  });

  t.test(
    'login rotates the id: the old one is dead on both nodes, the data carried over',
    async (t) => {
      const [n1, n2] = await twoNodes(t, open);
      const anon = cookieFrom(
        await n1.request('PUT', '/data/cart', { body: { value: ['apple'] } }),
      );
      const fresh = await login(n2, 'dave', anon);
      t.not(fresh, anon, 'a new id');
      for (const node of [n1, n2]) {
        t.equal(
          (await node.request('GET', '/data/cart', { cookie: anon })).status,
          404,
          'the old id reads nothing',
        );
      }
      t.same((await n1.request('GET', '/data/cart', { cookie: fresh })).body, { value: ['apple'] });
      const again = await n1.request('PUT', '/data/x', { cookie: anon, body: { value: 1 } });
      t.not(
        cookieFrom(again),
        anon,
        'a write with the old cookie starts a new session, never the old id',
      );
    },
  );

  t.test('logout-all ends every session of the user on every node', async (t) => {
    const [n1, n2] = await twoNodes(t, open);
    const [c1, c2, other] = [
      await login(n1, 'erin'),
      await login(n2, 'erin'),
      await login(n2, 'frank'),
    ];
    t.same((await n2.request('POST', '/logout-all', { cookie: c1 })).body, { ended: 2 });
    for (const cookie of [c1, c2]) {
      for (const node of [n1, n2])
        t.equal((await node.request('GET', '/me', { cookie })).status, 401);
    }
    t.equal(
      (await n1.request('GET', '/me', { cookie: other })).status,
      200,
      "another user's session lives on",
    );
  });

  t.test('a login beyond maxSessionsPerUser ends the oldest session, on every node', async (t) => {
    const [n1, n2] = await twoNodes(t, open, { maxSessionsPerUser: 2 });
    const oldest = await login(n1, 'hana');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const middle = await login(n2, 'hana');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newest = await login(n1, 'hana');
    for (const node of [n1, n2]) {
      t.equal((await node.request('GET', '/me', { cookie: oldest })).status, 401, 'oldest ended');
      for (const cookie of [middle, newest])
        t.equal((await node.request('GET', '/me', { cookie })).status, 200, 'newer ones live');
    }
    t.same((await n2.request('POST', '/logout-all', { cookie: newest })).body, { ended: 2 });
  });

  t.test('a write over the size limit is 413 and the session keeps its data', async (t) => {
    const [n1, n2] = await twoNodes(t, open, { maxSessionBytes: 1024 });
    const cookie = await login(n1, 'gina');
    t.equal(
      (await n1.request('PUT', '/data/small', { cookie, body: { value: 'ok' } })).status,
      204,
    );
    const big = await n2.request('PUT', '/data/big', { cookie, body: { value: 'x'.repeat(2000) } });
    t.equal(big.status, 413);
    t.match(big.body, { error: /over the limit of 1024/ });
    t.same((await n1.request('GET', '/data', { cookie })).body, { data: { small: 'ok' } });
  });

  t.test(
    'idle sessions expire, activity on either node keeps them, the absolute limit ends them',
    async (t) => {
      const [n1, n2] = await twoNodes(t, open, {
        idleTimeoutMs: 1500,
        touchAfterMs: 100,
        absoluteTimeoutMs: 6000,
      });
      const idle = await login(n1, 'hank');
      const busy = await login(n1, 'ivy');
      const start = Date.now();
      // Requests every 400 ms, alternating nodes, for 3 s: twice the idle timeout.
      for (let i = 0; Date.now() - start < 3000; i++) {
        t.equal(
          (await (i % 2 ? n1 : n2).request('GET', '/me', { cookie: busy })).status,
          200,
          `busy at ${Date.now() - start} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      t.equal(
        (await n2.request('GET', '/me', { cookie: idle })).status,
        401,
        'the idle one is gone',
      );
      // Keep the busy one active until past its absolute deadline (6 s after login).
      let endedAt = -1;
      while (Date.now() - start < 9000 && endedAt < 0) {
        if ((await n1.request('GET', '/me', { cookie: busy })).status === 401)
          endedAt = Date.now() - start;
        else await new Promise((resolve) => setTimeout(resolve, 400));
      }
      t.ok(endedAt >= 5000, `the active session ended at ${endedAt} ms, at its absolute deadline`);
    },
  );
}
