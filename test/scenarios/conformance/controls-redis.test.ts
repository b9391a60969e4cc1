/**
 * Every flaw makes the checks it targets FAIL, and every MUST check is proven by some flaw.
 */
import t from 'tap';
import { CATALOGUE } from '../../../scenarios/conformance/catalogue.ts';
import { runControls } from '../../../scenarios/conformance/controls.ts';
import { FLAWS, isFlaw } from '../../../reference-servers/flaws.ts';

// Every flaw's rolling restart and checks, one after another: minutes on a loaded 2-core machine.
t.setTimeout(480_000);

t.test('every MUST check has a flaw that proves it, and every flaw targets a check', async (t) => {
  const unproven = CATALOGUE.filter((c) => c.level === 'MUST' && c.provenBy.length === 0).map(
    (c) => c.id,
  );
  t.same(unproven, []);
  const targeted = new Set(CATALOGUE.flatMap((c) => c.provenBy));
  t.same(
    Object.keys(FLAWS).filter((f) => !(isFlaw(f) && targeted.has(f))),
    [],
  );
});

t.test('each flaw is caught by the checks it targets (redis)', async (t) => {
  const results = await runControls('redis', 2);
  for (const r of results)
    t.ok(r.caught, `${r.flaw}: ${r.checks.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
});
