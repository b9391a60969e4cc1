/**
 * SL-FT-05 (issue 13 item 4): a store failover to replicas that missed the last writes. The
 * engine with replica acknowledgement (WAIT) passes on Sentinel and Cluster; without it (flaw
 * `no-replica-acks`) an acknowledged logout comes back or an acknowledged login is lost.
 */
import t from 'tap';
import { runControl } from '../../../scenarios/conformance/controls.ts';
import { failoverCheck } from '../../../scenarios/conformance/checks/failover.ts';
import { runCatalogue } from './run-catalogue.ts';

/** Longer than a failover on a loaded machine: a session must not idle out during it. */
const TIMEOUTS = { idleTimeoutMs: 60_000, absoluteTimeoutMs: 120_000 };

for (const store of ['redis-sentinel', 'redis-cluster'] as const) {
  t.test(`the engine with WAIT on ${store} keeps every acknowledged write`, async (t) => {
    const report = await runCatalogue(t, { store, ...TIMEOUTS }, ['SL-FT-05']);
    const [check] = report.checks;
    t.equal(check?.verdict, 'PASS', check?.why ?? '');
    t.match(check?.why, /0 of the 2 last writes acknowledged, the rest 503/);
    t.match(check?.evidence, { lastWrites: { login: 503, logout: 503 } });
  });
}

t.test('without WAIT the failover undoes acknowledged writes: SL-FT-05 fails', async (t) => {
  const result = await runControl('no-replica-acks', [failoverCheck], 'redis-sentinel', TIMEOUTS);
  t.same(
    result.checks.map((c) => c.verdict),
    ['FAIL'],
  );
  t.match(
    result.checks[0]?.why,
    /^after the failover, a (login|logout) acknowledged just before: the session (was lost \(401\)|came back \(200\)) on node 1/,
  );
  t.equal(result.caught, true);
});
