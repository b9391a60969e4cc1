import { createHash } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { clusterFor, loggedIn } from '../helpers/cluster.ts';

const cluster = await clusterFor(t, { store: 'redis', nodes: 3, tls: true });
const [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];

t.test('a login on node 1 is read on nodes 2 and 3, directly and through nginx', async (t) => {
  const client = await loggedIn(cluster, n1);
  for (const url of [n2, n3, cluster.nginx.entry]) {
    const me = await client.request(url, 'GET', '/me');
    t.same([me.status, (me.body as { user: string }).user], [200, 'alice'], url);
  }
});

t.test(
  'the user index key is an HMAC under the cluster secret, not a hash of the name',
  async (t) => {
    await loggedIn(cluster, n1);
    const redis = new Redis(cluster.stores.url);
    t.teardown(() => redis.disconnect());
    const keys = await redis.keys('sl:u:*');
    t.ok(keys.length > 0, `index keys: ${keys.join(', ')}`);
    const unkeyed = createHash('sha256').update('user:alice').digest('base64url').slice(0, 22);
    t.notOk(
      keys.some((key) => key.includes(unkeyed)),
      'no key is the plain SHA-256 of the name (a list of names would reverse it)',
    );
  },
);

t.test('round-robin nginx spreads requests over the nodes', async (t) => {
  const client = await loggedIn(cluster, cluster.nginx.entry);
  const seen = new Set<string | undefined>();
  for (let i = 0; i < 9; i++)
    seen.add((await client.request(cluster.nginx.entry, 'GET', '/me')).node);
  t.ok(seen.size >= 2, `reached ${[...seen].join(', ')}`);
});

t.test(
  'the TLS entry sets Secure and __Host-; direct plain HTTP does not, even with a forged header',
  async (t) => {
    const entryTls = cluster.nginx.entryTls ?? '';
    const tls = new (await import('../../scenarios/conformance/client.ts')).SessionClient();
    const login = await tls.request(entryTls, 'POST', '/login', {
      body: { user: 'bob', password: cluster.password },
    });
    t.match(login.setCookie[0], /^__Host-sid=[^;]+;.*Secure/);
    t.equal(
      (await tls.request(entryTls, 'GET', '/me')).status,
      200,
      'the __Host- cookie works over HTTPS',
    );
    const forged = await (
      await loggedIn(cluster, n1)
    ).request(n1, 'POST', '/login', {
      body: { user: 'bob', password: cluster.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    t.match(forged.setCookie[0], /^sid=/);
    t.notMatch(forged.setCookie[0], /Secure/);
  },
);

t.test(
  'an oversized Cookie header is a JSON 431 at nginx and at a node; the session stays',
  async (t) => {
    const client = await loggedIn(cluster, cluster.nginx.entry);
    const planted = `${client.cookie}; pad=${'x'.repeat(9000)}`;
    for (const [url, status] of [
      [cluster.nginx.entry, 431],
      [n1, 431],
    ] as const) {
      const res = await client.request(url, 'PUT', '/data/x', {
        cookie: planted,
        body: { value: 2 },
      });
      t.equal(res.status, status, url);
      t.match(res.headers['content-type'], /^application\/json/);
      t.match(res.body, { error: /too large|over the limit/ }, 'says what went wrong');
      t.same(res.setCookie, [], 'no cookie set');
    }
    t.equal((await client.request(cluster.nginx.entry, 'GET', '/me')).status, 200);
  },
);

t.test('a killed node is routed around without a new login', async (t) => {
  const client = await loggedIn(cluster, cluster.nginx.entry);
  await cluster.fault('kill', 'node', 1);
  const statuses = [];
  for (let i = 0; i < 9; i++)
    statuses.push((await client.request(cluster.nginx.entry, 'GET', '/me')).status);
  t.same(new Set(statuses), new Set([200]), 'every request answered by a live node');
  await cluster.fault('start', 'node', 1);
  t.equal(
    (await client.request(n2, 'GET', '/me')).status,
    200,
    'the restarted node knows the session',
  );
});

t.test('a rolling restart with a new signing key logs nobody out', async (t) => {
  const clients = await Promise.all(
    ['c1', 'c2', 'c3'].map((user) => loggedIn(cluster, cluster.nginx.entry, user)),
  );
  let failures = 0;
  let running = true;
  const traffic = (async () => {
    while (running) {
      for (const c of clients)
        if ((await c.request(cluster.nginx.entry, 'GET', '/me')).status !== 200) failures++;
    }
  })();
  const primary = await cluster.rollingRestart();
  running = false;
  await traffic;
  t.equal(failures, 0, 'no request during the restart was logged out');
  for (const c of clients) {
    const me = await c.request(cluster.nginx.entry, 'GET', '/me');
    t.equal(me.status, 200);
  }
  const reissued = await clients[0]?.request(n1, 'GET', '/me');
  t.match(
    reissued?.setCookie[0] ?? clients[0]?.cookie,
    new RegExp(`\\.${primary.id}\\.`),
    'cookies move to the new key',
  );
});

t.test('after stop, no process the cluster started is left', async (t) => {
  const pids = [
    cluster.nginx.process.pid,
    ...cluster.nodes.map((n) => n.process.pid),
    ...cluster.stores.processes.map((p) => p.pid),
  ];
  t.equal(pids.filter((pid) => pid === undefined).length, 0, 'all running before');
  await cluster.stop();
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid as number, 0);
      return true;
    } catch {
      return false;
    }
  });
  t.same(alive, [], 'every pid is gone');
});
