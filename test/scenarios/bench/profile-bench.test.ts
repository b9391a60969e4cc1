/**
 * `bench --profile` against the Koa example (CSRF form login, a note, logout) on 2 nodes
 * behind nginx with a real redis: every workload the profile drives is measured briefly, and
 * the report's numbers are the shape and values a run gives (no timing thresholds).
 */
import t from 'tap';
import { resolveBenchOptions } from '../../../scenarios/bench/plan.ts';
import { runBench } from '../../../scenarios/bench/bench.ts';
import {
  besideReference,
  planProfileBench,
  runProfileBench,
} from '../../../scenarios/bench/profile-bench.ts';
import { exampleBehindNginx } from '../../helpers/example-app.ts';

const profile = await exampleBehindNginx(t, {
  name: 'koa-cart',
  env: { KOA_PASSWORD: 'koa-pw', IDLE_TIMEOUT_MS: '30000' },
  readyPath: '/login',
  cookieName: 'koa.cart',
});
const options = resolveBenchOptions({
  reps: 1,
  durationSec: 1,
  warmupSec: 0,
  connections: 4,
  paths: ['nginx', 'direct'],
});

t.test('a profile without write or logout measures only what it drives, saying why', async (t) => {
  const readOnly = structuredClone(profile);
  delete readOnly.write;
  delete readOnly.logout;
  const { planned, skipped } = planProfileBench(readOnly, {
    workloads: undefined,
    paths: ['nginx'],
  });
  t.same(
    planned.map((p) => `${p.workload} ${p.path}`),
    ['read nginx'],
  );
  t.same(skipped, [
    `write: the write workload needs the profile's "write"`,
    `mixed: the mixed workload needs the profile's "write"`,
    `login-churn: the login-churn workload needs the profile's "logout"`,
  ]);
});

t.test('a profile that fails its check measures nothing', async (t) => {
  const wrong = structuredClone(profile);
  wrong.users = [{ user: 'alice', password: 'wrong' }];
  const { report, verify } = await runProfileBench(wrong, options, () => undefined);
  t.equal(report, undefined);
  t.match(verify.at(-1), { step: 'login', ok: false });
});

t.test('every workload through the entry and node 1: requests answered, none failed', async (t) => {
  const { report, verify } = await runProfileBench(profile, options, () => undefined);
  t.same(
    verify.filter((s) => !s.ok),
    [],
  );
  const results = report?.results ?? [];
  t.same(
    results.map((r) => `${r.workload} ${r.path} ${r.nodes}`),
    [
      'read nginx 2',
      'read direct 1',
      'write nginx 2',
      'write direct 1',
      'mixed nginx 2',
      'mixed direct 1',
      'login-churn nginx 2',
      'login-churn direct 1',
    ],
  );
  for (const r of results) {
    const label = `${r.workload} ${r.path}`;
    t.equal(r.target, `profile ${profile.entry}`, label);
    t.ok(r.rps.median > 0, `${label}: some requests per second`);
    t.equal(r.errors, 0, `${label}: no transport errors`);
    t.equal(r.timeouts, 0, `${label}: no timeouts`);
    t.ok(r.latencyMs.p50 <= r.latencyMs.p99, `${label}: p50 ≤ p99`);
  }
  // What each workload's requests answered: the app's own statuses, never a refusal.
  const codes = Object.fromEntries(
    results.map((r) => [`${r.workload} ${r.path}`, Object.keys(r.statusCodes ?? {})]),
  );
  t.same(codes['read nginx'], ['200'], 'reads see the logged-in basket');
  t.same(codes['write nginx'], ['303'], 'notes are saved and redirect');
  t.same(codes['mixed direct'], ['200', '303']);
  // CSRF page, login, CSRF page, logout: 200s and 303s only, so every token was accepted.
  t.same(codes['login-churn nginx'], ['200', '303']);
  t.same(report?.ratios, {
    engine_vs_express_nosession_read: null,
    engine_vs_express_session_read: null,
    engine_http_vs_raw_redis_read: null,
  });
});

t.test('--beside: reference setups measured after the app, in the same report', async (t) => {
  const brief = { reps: 1, durationSec: 1, warmupSec: 0, connections: 4 };
  const read = resolveBenchOptions({ ...brief, workloads: ['read'], paths: ['direct'] });
  const { report } = await runProfileBench(profile, read, () => undefined);
  if (report === undefined) throw new Error('the profile did not verify');
  const referenceOptions = {
    ...brief,
    targets: ['static-http'],
    workloads: ['read'],
    paths: ['direct'],
  };
  const reference = await runBench(resolveBenchOptions(referenceOptions), {
    runDir: t.testdir(),
    log: () => undefined,
  });
  const combined = besideReference(report, reference.report);
  t.same(
    combined.results.map((r) => `${r.target} ${r.workload} ${r.path}`),
    [`profile ${profile.entry} read direct`, 'static-http read direct'],
  );
  t.ok((combined.loadCeilingRps ?? 0) > 0, 'the load ceiling of the same run');
});
