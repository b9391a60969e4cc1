/**
 * Runs guide experiments on real clusters and checks that each still shows what its chapter
 * claims: the popular setup breaks the guarantee, the engine keeps it, and the chapter quotes a
 * generated block for it with those same two verdicts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import { findExperiment } from '../../../scenarios/lab/catalogue.ts';
import { closeLabClients, runExperiment } from '../../../scenarios/lab/experiment.ts';
import { BROKEN_VERDICT, HELD_VERDICT, labBlockOf } from '../../../scenarios/lab/markdown.ts';

export async function checkExperiments(t: Test, names: readonly string[]): Promise<void> {
  t.teardown(closeLabClients);
  for (const name of names) {
    const experiment = findExperiment(name);
    if (experiment === undefined) throw new Error(`no experiment ${name}`);
    await t.test(`${name}: ${experiment.title}`, async (t) => {
      const result = await runExperiment(experiment, join(t.testdir(), 'run'));
      t.equal(result.broken.held, false, `broken on: ${experiment.broken.label}`);
      t.equal(result.fixed.held, true, `holds on: ${experiment.fixed.label}`);
      t.ok(
        result.asClaimed,
        result.asClaimed ? 'as the guide claims' : result.fixed.lines.join('\n'),
      );
      const chapter = await readFile(join(PROJECT_ROOT, 'docs', experiment.chapter), 'utf8');
      const block = labBlockOf(chapter, name) ?? '';
      t.match(block, `**Popular setup** — ${experiment.broken.label}: ${BROKEN_VERDICT}`);
      t.match(block, `**Engine** — ${experiment.fixed.label}: ${HELD_VERDICT}`);
    });
  }
}
