/**
 * Every shipped mutant is killed by the checks it names, on a real engine × redis cluster with
 * nginx in front of the mutating proxies (two workers, each with its own cluster).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { closeAgents } from '../../../scenarios/conformance/client.ts';
import { MUTANTS } from '../../../scenarios/mutate/mutants.ts';
import { runMutation } from '../../../scenarios/mutate/run.ts';

// A cluster per worker and a run of checks per mutant: past the 180 s file default when loaded.
t.setTimeout(420_000);

t.test('the shipped set has at least 30 mutants with distinct names', async (t) => {
  t.ok(MUTANTS.length >= 30, `${MUTANTS.length} mutants`);
  t.equal(new Set(MUTANTS.map((m) => m.name)).size, MUTANTS.length);
});

t.test('every shipped mutant is killed by a check it names', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-mutants-'));
  t.teardown(async () => {
    await closeAgents();
    await rm(runDir, { recursive: true, force: true });
  });
  const report = await runMutation(
    { kind: 'local', cluster: { runDir } },
    { mutants: MUTANTS, quick: true, parallel: 2, runDir },
  );
  t.equal(report.total, MUTANTS.length);
  for (const m of report.mutants) {
    const named = MUTANTS.find((x) => x.name === m.name)?.checks ?? [];
    t.ok(
      m.killed && m.killedBy.every((id) => named.includes(id)),
      `${m.name}: ${m.checks.map((c) => `${c.id} ${c.verdict} (${c.why})`).join('; ')}`,
    );
  }
  t.equal(report.killed, report.total, 'mutation score 100 %');
});
