/**
 * `sessionlab mutate`: mutation testing of the catalogue. Mutating proxies sit in front of each
 * node of a correct target (a local engine cluster, or `--nodes URL,…`) and the catalogue runs
 * against every mutant. Exit 0 when every mutant is killed, 1 when one survives.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { collectEnvironment } from '../orchestrator/environment.ts';
import { renderMutationMarkdown } from '../reports/mutation.ts';
import { writeReportDir } from '../reports/write.ts';
import { selectMutants, MUTANTS } from '../scenarios/mutate/mutants.ts';
import { DEFAULT_MUTATION_OPTIONS, runMutation } from '../scenarios/mutate/run.ts';
import type { MutationTarget } from '../scenarios/mutate/run.ts';
import { closeAgents } from '../scenarios/conformance/client.ts';
import { EXIT } from '../core/exit-codes.ts';
import { UsageError } from '../core/errors.ts';
import { defaultRunDir } from './cluster-flags.ts';

const list = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(',').filter(Boolean),
];

function targetFrom(flags: Record<string, unknown>, runDir: string): MutationTarget {
  const nodes = (flags.nodes as string[] | undefined) ?? [];
  if (nodes.length === 0) return { kind: 'local', cluster: { runDir, logLevel: 'warn' } };
  if (nodes.length < 2 || !nodes.every((url) => /^https?:\/\/[^/]+\/?$/.test(url)))
    throw new UsageError(
      '--nodes takes two or more node URLs of a correct target (http://host:port,…)',
    );
  const password = (flags.password as string | undefined) ?? process.env.SESSIONLAB_PASSWORD;
  if (!password)
    throw new UsageError('--password (or SESSIONLAB_PASSWORD) is required with --nodes');
  return {
    kind: 'external',
    nodes: nodes.map((url) => url.replace(/\/$/, '')),
    password,
    ...(flags.storeUrl ? { storeUrl: String(flags.storeUrl) } : {}),
  };
}

function parallelFrom(flags: Record<string, unknown>): number {
  const value = Number(flags.parallel ?? DEFAULT_MUTATION_OPTIONS.parallel);
  if (!Number.isInteger(value) || value < 1 || value > 8)
    throw new UsageError(`invalid --parallel "${String(flags.parallel)}": expected 1 to 8`);
  return value;
}

export async function runMutateCommand(flags: Record<string, unknown>): Promise<number> {
  if (flags.list) {
    for (const m of MUTANTS)
      process.stdout.write(
        `${m.name.padEnd(30)} ${m.description}\n${' '.repeat(31)}meant for ${m.checks.join(', ')}\n`,
      );
    return EXIT.pass;
  }
  const mutants = selectMutants((flags.mutants as string[] | undefined) ?? []);
  const runDir = (flags.runDir as string | undefined) ?? defaultRunDir('mutate');
  const target = targetFrom(flags, runDir);
  const startedAt = new Date().toISOString();
  const report = await runMutation(target, {
    mutants,
    parallel: parallelFrom(flags),
    quick: flags.quick === true,
    runDir,
    onProgress: (line) => void process.stderr.write(`  ${line}\n`),
  }).finally(closeAgents);
  const markdown = renderMutationMarkdown(report);
  if (flags.json) await writeFile(String(flags.json), `${JSON.stringify(report, null, 2)}\n`);
  if (flags.markdown) await writeFile(String(flags.markdown), markdown);
  if (flags.out) {
    const command = `sessionlab mutate${flags.quick === true ? ' --quick' : ''}`;
    const { dir } = await writeReportDir(String(flags.out), {
      schema: 1,
      startedAt,
      environment: await collectEnvironment(command),
      conformance: [],
      mutation: report,
    });
    process.stderr.write(`  report: ${join(dir, 'index.html')}\n`);
  }
  process.stdout.write(markdown);
  return report.killed === report.total ? EXIT.pass : EXIT.fail;
}

export function registerMutate(program: Command): void {
  program
    .command('mutate')
    .description(
      'mutation testing: the catalogue against realistic bugs put in front of a correct target',
    )
    .option(
      '--mutants <names>',
      'only these mutants (comma-separated; `identity` is the control)',
      list,
      [],
    )
    .option(
      '--nodes <urls>',
      'a correct running target (its node URLs, comma-separated) instead of a local engine cluster',
      list,
      [],
    )
    .option('--password <password>', 'with --nodes: the test password (or SESSIONLAB_PASSWORD)')
    .option('--store-url <url>', 'with --nodes: the store, for the SL-ST checks')
    .option('--quick', 'run only the checks each mutant names, not the whole catalogue', false)
    .option('--parallel <n>', 'mutants in flight at once (each with its own local cluster)', '2')
    .option('--json <file>', 'write the JSON report')
    .option('--markdown <file>', 'write the Markdown report')
    .option('--out <dir>', 'write a report directory (results.json, summary.md, index.html)')
    .option('--run-dir <dir>', 'where the clusters and nginx keep their files and logs')
    .option('--list', 'print the mutants and exit', false)
    .action(async (flags: Record<string, unknown>) => {
      process.exitCode = await runMutateCommand(flags);
    });
}
