/**
 * Every flaw makes the checks it targets FAIL, and every MUST check is proven by some flaw.
 */
import t from 'tap';
import { runControls } from '../../../scenarios/conformance/controls.ts';

// Every flaw's rolling restart and checks, one after another: minutes on a loaded 2-core machine.
t.setTimeout(480_000);

t.test('each flaw is caught by the checks it targets (memcached)', async (t) => {
  const results = await runControls('memcached', 2);
  for (const r of results)
    t.ok(r.caught, `${r.flaw}: ${r.checks.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
});
