/**
 * `sessionlab report --from DIR [--out DIR]`: re-renders summary.md, junit.xml and index.html
 * from a report directory's results.json, into DIR or --out (which also gets a copy of
 * results.json, so it can be re-rendered in turn). Prints the path of index.html.
 */
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { RESULTS_FILE, readResults, writeRenderings } from '../reports/write.ts';
import { ResultsError, UsageError } from '../core/errors.ts';

export async function runReport(from: string, out: string | undefined): Promise<string> {
  const results = await readResults(from).catch((error: unknown) => {
    throw error instanceof ResultsError ? new UsageError(`--from: ${error.message}`) : error;
  });
  const target = resolve(out ?? from);
  try {
    const { files } = await writeRenderings(target, results);
    if (target !== resolve(from))
      await copyFile(join(resolve(from), RESULTS_FILE), join(target, RESULTS_FILE));
    return files.find((file) => file.endsWith('index.html')) ?? join(target, 'index.html');
  } catch (error) {
    throw new UsageError(
      `--out: cannot write the report into ${target}: ${(error as Error).message}`,
    );
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('re-render summary.md, junit.xml and index.html from a report directory')
    .requiredOption('--from <dir>', 'a report directory holding results.json (reports/out/<time>)')
    .option('--out <dir>', 'write the renderings here instead of into --from')
    .action(async (flags: { from: string; out?: string }) => {
      process.stdout.write(`${await runReport(flags.from, flags.out)}\n`);
    });
}
