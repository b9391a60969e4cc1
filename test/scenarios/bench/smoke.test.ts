/**
 * scenarios/bench/smoke.ts catches targets not worth measuring: sessions that are not shared
 * between nodes, and a logout that leaves the session alive.
 */
import t from 'tap';
import type { LocalCluster } from '../../../orchestrator/cluster.ts';
import { smokeTarget } from '../../../scenarios/bench/smoke.ts';
import type { RunningTarget } from '../../../scenarios/bench/targets.ts';
import { catalogue } from '../../../scenarios/bench/targets.ts';
import { clusterFor } from '../../helpers/cluster.ts';

const [engineRedis] = catalogue(['redis']);

/** A local cluster seen as a bench target (its nodes, its nginx). */
function asTarget(cluster: LocalCluster): RunningTarget {
  if (engineRedis === undefined) throw new Error('no engine-redis target');
  return {
    spec: engineRedis,
    nodes: cluster.nodes.map((n) => ({ id: n.id, port: n.port, url: n.url, process: n.process })),
    nginx: cluster.nginx,
    stop: () => cluster.stop(),
  };
}

t.test('a healthy engine cluster passes the smoke', async (t) => {
  const cluster = await clusterFor(t, { nodes: 2 });
  t.same(await smokeTarget(asTarget(cluster), cluster.password), { passed: true, failures: [] });
});

t.test('sessions kept in each node’s memory fail the cross-node read', async (t) => {
  const cluster = await clusterFor(t, { nodes: 2, flaws: ['memory-store'] });
  const smoke = await smokeTarget(asTarget(cluster), cluster.password);
  t.equal(smoke.passed, false);
  t.match(smoke.failures[0], /^read at n2 after login at n1: 404 /);
});

t.test('a logout that leaves the session in the store fails the smoke', async (t) => {
  const cluster = await clusterFor(t, { nodes: 2, flaws: ['cookie-only-logout'] });
  const smoke = await smokeTarget(asTarget(cluster), cluster.password);
  t.same(smoke, { passed: false, failures: ['read at n2 after logout: 200, expected 404'] });
});
