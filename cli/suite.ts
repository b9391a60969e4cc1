/**
 * `sessionlab suite` (what `make bench` runs): conformance on the default targets, then the
 * bench, then one report directory (results.json, summary.md, junit.xml, index.html).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { collectEnvironment } from '../orchestrator/environment.ts';
import type { BenchReport, ConformanceReport, RunResults } from '../core/results.ts';
import { defaultReportDir, writeReportDir } from '../reports/write.ts';
import { resolveBenchOptions } from '../scenarios/bench/plan.ts';
import { runBench } from '../scenarios/bench/bench.ts';
import { defaultRunDir } from './cluster-flags.ts';
import { runConformance } from '../scenarios/conformance/run.ts';
import { EXIT } from '../core/exit-codes.ts';

/** The engine beside the express-session baseline, on redis and memcached. */
export const SUITE_TARGETS = [
  { impl: 'engine', store: 'redis' },
  { impl: 'express-session', store: 'redis' },
  { impl: 'engine', store: 'memcached' },
  { impl: 'express-session', store: 'memcached' },
] as const;

export async function runSuite(quick: boolean, out: string, full = false): Promise<string> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const startedAt = new Date().toISOString();
  // Two at a time: a conformance run mostly waits out timeouts, so two overlap well.
  const conformance: ConformanceReport[] = new Array(SUITE_TARGETS.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < SUITE_TARGETS.length) {
      const i = next++;
      const { impl, store } = SUITE_TARGETS[i] as (typeof SUITE_TARGETS)[number];
      log(`[${i + 1}/${SUITE_TARGETS.length + 1}] conformance: ${impl} × ${store}`);
      const { report } = await runConformance(
        {
          kind: 'local',
          cluster: {
            runDir: defaultRunDir(`conformance-${impl}-${store}`),
            impl,
            store,
            nodes: 2,
            lb: 'round-robin',
            logLevel: 'warn',
          },
        },
        { onProgress: (line) => log(`  ${impl} × ${store}: ${line}`) },
      );
      conformance[i] = report;
    }
  };
  await Promise.all([worker(), worker()]);
  log(`[${SUITE_TARGETS.length + 1}/${SUITE_TARGETS.length + 1}] bench${quick ? ' (quick)' : ''}`);
  const { report, smokeFailures } = await runBench(resolveBenchOptions({ quick, full }), {
    runDir: defaultRunDir('bench'),
    log: (line) => log(`  bench: ${line}`),
  });
  const bench: BenchReport = report;
  // A target that fails its smoke is not measured: say so, and fail the run.
  for (const { target, failures } of smokeFailures)
    log(`  ${target}: smoke failed, not measured: ${failures.join('; ')}`);
  if (smokeFailures.length > 0) process.exitCode = EXIT.fail;
  const results: RunResults = {
    schema: 1,
    startedAt,
    environment: await collectEnvironment(
      `make bench${quick ? ' (sessionlab suite --quick)' : ''}`,
    ),
    conformance,
    bench,
  };
  const { dir } = await writeReportDir(out, results);
  await writeFile(join(dir, 'bench.json'), `${JSON.stringify(bench, null, 2)}\n`);
  return join(dir, 'index.html');
}

export function registerSuite(program: Command): void {
  program
    .command('suite')
    .description('conformance on the default targets, the bench, and an HTML report (make bench)')
    .option('--quick', 'the quick bench matrix', false)
    .option('--full', 'every bench row with all repetitions', false)
    .option('--out <dir>', 'report directory (default reports/out/<time>)')
    .action(async (flags: { quick: boolean; full: boolean; out?: string }) => {
      const index = await runSuite(flags.quick, flags.out ?? defaultReportDir(), flags.full);
      process.stdout.write(`report: ${index}\n`);
    });
}
