/**
 * On postgres, the flaws whose checks depend on the store: what it holds (SL-ST), how it fails
 * and comes back (SL-FT), concurrent writes (SL-XN) and deadlines (SL-EX). The others judge
 * the engine's HTTP behaviour, which is the same on every store (run on redis and memcached).
 */
import t from 'tap';
import { runControls } from '../../../scenarios/conformance/controls.ts';

// 14 clusters, each with its own initdb: longer than the default 180 s per file.
t.setTimeout(420_000);

const STORE_DEPENDENT = /^SL-(ST|FT|XN|EX)-/;

t.test('each store-dependent flaw is caught by the checks it targets (postgres)', async (t) => {
  const results = await runControls('postgres', 2, undefined, (_flaw, checks) =>
    checks.some((c) => STORE_DEPENDENT.test(c.id)),
  );
  t.ok(results.length >= 10, `${results.length} flaws run`);
  for (const r of results)
    t.ok(r.caught, `${r.flaw}: ${r.checks.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
});
