import t from 'tap';
import { clusterFor, loggedIn } from '../helpers/cluster.ts';

t.test('ip_hash keeps a client on one node', async (t) => {
  const cluster = await clusterFor(t, { store: 'redis', nodes: 3, lb: 'ip-hash' });
  const client = await loggedIn(cluster, cluster.nginx.entry);
  const seen = new Set<string | undefined>();
  for (let i = 0; i < 12; i++)
    seen.add((await client.request(cluster.nginx.entry, 'GET', '/me')).node);
  t.equal(seen.size, 1, `always ${[...seen].join(', ')}`);
});
