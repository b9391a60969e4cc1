/**
 * `sessionlab suite` (what `make bench` runs): conformance on the default targets, the bench,
 * then one report directory (results.json, summary.md, junit.xml, index.html). The conformance
 * runs go side by side with each other and with the bench's set-up (stores, targets, smoke,
 * sessions); the bench measures only once they are all done, so no measurement shares the
 * machine with them. Each phase's wall time goes to stderr.
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
  const suiteStart = Date.now();
  const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  const total = SUITE_TARGETS.length + 1;
  // Every target's checks at once (a run spends much of its time waiting out timeouts and
  // outages), but one cluster start-up at a time: start-ups are CPU-bound and have a deadline.
  let started: Promise<void> = Promise.resolve();
  const conformanceDone = Promise.all(
    SUITE_TARGETS.map(({ impl, store }, i) => {
      const previous = started;
      let ready = (): void => undefined;
      started = new Promise<void>((resolve) => (ready = resolve));
      return (async (): Promise<ConformanceReport> => {
        await previous;
        log(`[${i + 1}/${total}] conformance: ${impl} × ${store}`);
        const since = Date.now();
        try {
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
            { onProgress: (line) => log(`  ${impl} × ${store}: ${line}`), onTargetReady: ready },
          );
          log(`  conformance ${impl} × ${store}: ${elapsed(since)}`);
          return report;
        } finally {
          ready();
        }
      })();
    }),
  );
  // Handled where it is awaited; this only keeps a rejection before then from counting as
  // unhandled.
  conformanceDone.catch(() => undefined);
  // The bench's start-ups follow the last cluster's; its set-up then overlaps the checks.
  await started;
  log(`[${total}/${total}] bench${quick ? ' (quick)' : ''}, set up beside the conformance runs`);
  // make bench also shows engine × postgres beside connect-pg-simple (reads, side rows).
  const stores = quick ? undefined : ['redis', 'memcached', 'postgres'];
  const options = resolveBenchOptions({ quick, full, ...(stores === undefined ? {} : { stores }) });
  const { report, smokeFailures } = await runBench(options, {
    runDir: defaultRunDir('bench'),
    log: (line) => log(`  bench: ${line}`),
    beforeMeasuring: async () => {
      await conformanceDone;
      log(`  conformance phase: ${elapsed(suiteStart)} from the start`);
    },
  }).catch(async (error: unknown) => {
    // Let the conformance clusters stop before the error ends the process.
    await conformanceDone.catch(() => undefined);
    throw error;
  });
  const conformance: ConformanceReport[] = await conformanceDone;
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
  log(`suite: ${elapsed(suiteStart)} in all`);
  return join(dir, 'index.html');
}

export function registerSuite(program: Command): void {
  program
    .command('suite')
    .description('conformance on the default targets, the bench, and an HTML report (make bench)')
    .option('--quick', 'the quick bench matrix', false)
    .option('--full', 'the whole bench matrix, every row with all repetitions', false)
    .option('--out <dir>', 'report directory (default reports/out/<time>)')
    .action(async (flags: { quick: boolean; full: boolean; out?: string }) => {
      const index = await runSuite(flags.quick, flags.out ?? defaultReportDir(), flags.full);
      process.stdout.write(`report: ${index}\n`);
    });
}
