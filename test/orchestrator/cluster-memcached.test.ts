import t from 'tap';
import { clusterFor, loggedIn } from '../helpers/cluster.ts';

const cluster = await clusterFor(t, { store: 'memcached', nodes: 3 });
const [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];

t.test('memcached on two nodes backs the store', async (t) => {
  t.equal(cluster.stores.processes.length, 2);
  t.match(cluster.stores.url, /^memcached:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
});

t.test('a login on node 1 is read on nodes 2 and 3, directly and through nginx', async (t) => {
  const client = await loggedIn(cluster, n1);
  await client.request(n1, 'PUT', '/session/data/cart', { body: { value: ['tea'] } });
  for (const url of [n2, n3, cluster.nginx.entry]) {
    const me = await client.request(url, 'GET', '/me');
    t.same([me.status, (me.body as { user: string }).user], [200, 'alice'], `/me on ${url}`);
    t.same((await client.request(url, 'GET', '/session/data/cart')).body, { value: ['tea'] });
  }
});

t.test('round-robin nginx spreads requests over the nodes', async (t) => {
  const client = await loggedIn(cluster, cluster.nginx.entry);
  const seen = new Set<string | undefined>();
  for (let i = 0; i < 9; i++)
    seen.add((await client.request(cluster.nginx.entry, 'GET', '/me')).node);
  t.ok(seen.size >= 2, `reached ${[...seen].join(', ')}`);
});
