/**
 * Every flaw makes the checks it targets FAIL, and every MUST check is proven by some flaw.
 */
import t from 'tap';
import { runControls } from '../../../scenarios/conformance/controls.ts';

t.test('each flaw is caught by the checks it targets (memcached)', async (t) => {
  const results = await runControls('memcached', 2);
  for (const r of results)
    t.ok(r.caught, `${r.flaw}: ${r.checks.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
});
