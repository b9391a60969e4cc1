/**
 * `sessionlab lab [name ...]`: runs guide experiments — each one the popular setup and the engine
 * side by side on real local clusters — prints what happened, and with --update-docs rewrites the
 * quoted blocks in the guide. Exit 0 when every experiment shows what the guide claims.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { EXIT } from '../core/exit-codes.ts';
import { PROJECT_ROOT } from '../orchestrator/nodes.ts';
import { EXPERIMENTS, findExperiment } from '../scenarios/lab/catalogue.ts';
import { closeLabClients, runExperiment } from '../scenarios/lab/experiment.ts';
import type { Experiment } from '../scenarios/lab/experiment.ts';
import { renderExperimentMarkdown, spliceLabBlock } from '../scenarios/lab/markdown.ts';
import { defaultRunDir } from './cluster-flags.ts';

function listing(): string {
  const rows = EXPERIMENTS.map((e) => `  ${e.name.padEnd(14)} ${e.title}  (docs/${e.chapter})`);
  return ['experiments (sessionlab lab NAME ... | all):', ...rows].join('\n');
}

function pick(names: readonly string[]): Experiment[] {
  if (names.length === 1 && names[0] === 'all') return [...EXPERIMENTS];
  return names.map((name) => {
    const experiment = findExperiment(name);
    if (experiment === undefined)
      throw new UsageError(
        `unknown experiment "${name}": expected all | ${EXPERIMENTS.map((e) => e.name).join(' | ')}`,
      );
    return experiment;
  });
}

async function updateDocs(docsDir: string, experiment: Experiment, block: string): Promise<void> {
  const file = join(docsDir, experiment.chapter);
  await writeFile(file, spliceLabBlock(await readFile(file, 'utf8'), experiment.name, block));
  process.stderr.write(`updated ${file}\n`);
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('run the guide experiments: the popular setup and the engine side by side')
    .argument('[names...]', 'experiments to run, or all (none: list them)')
    .option('--update-docs [dir]', 'rewrite the quoted output in the guide (default docs/)')
    .option('--run-dir <dir>', 'where logs are kept (default .run/lab-<time>)')
    .action(async (names: string[], flags: Record<string, unknown>) => {
      if (names.length === 0) return void process.stdout.write(`${listing()}\n`);
      const experiments = pick(names);
      const runDir = (flags.runDir as string | undefined) ?? defaultRunDir('lab');
      const docs = flags.updateDocs;
      const docsDir = typeof docs === 'string' ? docs : join(PROJECT_ROOT, 'docs');
      let allAsClaimed = true;
      try {
        for (const experiment of experiments) {
          process.stderr.write(`lab ${experiment.name}: starting two clusters…\n`);
          const result = await runExperiment(experiment, runDir);
          const block = renderExperimentMarkdown(result);
          process.stdout.write(`## ${result.name}: ${result.title}\n\n${block}\n\n`);
          if (!result.asClaimed) {
            allAsClaimed = false;
            process.stdout.write('This run does NOT show what the guide claims.\n\n');
          } else if (docs !== undefined) await updateDocs(docsDir, experiment, block);
        }
      } finally {
        await closeLabClients();
      }
      process.exitCode = allAsClaimed ? EXIT.pass : EXIT.fail;
    });
}
