/**
 * `sessionlab bench`: measures the session setups (scenarios/bench/), prints a table and the
 * headline ratios on stdout, progress on stderr, and writes the BenchReport with `--json`.
 * Exit 1 when a target failed its smoke and was not measured.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBench } from '../scenarios/bench/bench.ts';
import { resolveBenchOptions } from '../scenarios/bench/plan.ts';
import type { BenchOptionsInput } from '../scenarios/bench/plan.ts';
import { renderReport } from '../scenarios/bench/print.ts';
import { besideReference, runProfileBench } from '../scenarios/bench/profile-bench.ts';
import { benchResultTable } from '../reports/bench-tables.ts';
import { profileFrom } from './conformance.ts';
import { defaultRunDir } from './cluster-flags.ts';
import { UsageError } from '../core/errors.ts';
import { EXIT } from '../core/exit-codes.ts';

const list = (text: unknown): string[] | undefined =>
  typeof text === 'string' ? text.split(',').map((item) => item.trim()) : undefined;

function number(flag: string, text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`invalid ${flag} "${String(text)}": expected a number`);
  return value;
}

/** Flags → options input; anything malformed is a UsageError, values are checked by the plan. */
export function benchInputFrom(flags: Record<string, unknown>): BenchOptionsInput {
  const input: BenchOptionsInput = { quick: flags.quick === true, full: flags.full === true };
  const set = <K extends keyof BenchOptionsInput>(
    key: K,
    value: BenchOptionsInput[K] | undefined,
  ): void => {
    if (value !== undefined) input[key] = value;
  };
  set('reps', number('--reps', flags.reps));
  set('durationSec', number('--duration', flags.duration));
  set('warmupSec', number('--warmup', flags.warmup));
  set('connections', number('--connections', flags.connections));
  set('sessions', number('--sessions', flags.sessions));
  set('nodes', number('--nodes', flags.nodes));
  set('rate', number('--rate', flags.rate));
  set('targets', list(flags.targets));
  set('workloads', list(flags.workloads));
  set('paths', list(flags.paths));
  set('stores', list(flags.store));
  if (typeof flags.lb === 'string') input.lb = flags.lb;
  if (typeof flags.cpuProf === 'string') input.cpuProfileDir = resolve(flags.cpuProf);
  return input;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure req/s and latency of each session setup, direct and through nginx')
    .option('--quick', 'reduced matrix, 1 repetition of 2 s (about a minute)', false)
    .option(
      '--full',
      'the whole matrix (anon, WAIT, memcached and nginx rows beside the ratio rows), every row with all repetitions',
      false,
    )
    .option('--json <file>', 'write the BenchReport (schema 1) to this file')
    .option('--reps <n>', 'measured runs per measurement (default 3, quick 1)')
    .option('--duration <s>', 'seconds per run (default 5, quick 2)')
    .option('--warmup <s>', 'unmeasured seconds before the first run (default 0.5)')
    .option('--connections <c>', 'concurrent connections (default 50)')
    .option('--sessions <k>', 'sessions made up front (default: one per connection)')
    .option(
      '--targets <globs>',
      'comma-separated target names or globs, e.g. engine-*,express-nosession',
    )
    .option('--workloads <list>', 'read,write,mixed,login-churn,anon')
    .option('--paths <list>', 'direct,nginx')
    .option(
      '--store <list>',
      'session stores: redis,memcached,redis-cluster,postgres (default redis,memcached)',
    )
    .option('--lb <mode>', 'nginx balancing on the nginx path (default round-robin)')
    .option(
      '--nodes <n>',
      'nodes behind nginx (default 2); with --profile: node URLs, comma-separated',
    )
    .option(
      '--rate <req/s>',
      'constant-rate mode (read workload): offer this many req/s; latency corrected for coordinated omission',
    )
    .option(
      '--cpu-prof <dir>',
      'write a V8 CPU profile of every node (and a top-frames summary) into this folder',
    )
    .option('--run-dir <dir>', 'where process logs are kept (default .run/bench-<time>)')
    .option(
      '--profile <file>',
      'bench a running app described by a profile (PROFILE.md) instead of the reference setups; --entry and --nodes URLs override its URLs',
    )
    .option('--entry <url>', 'with --profile: the entry URL to load')
    .option(
      '--beside <globs>',
      'with --profile: also measure these reference setups (target globs, e.g. engine-redis,express-session-redis) after the app, in the same report',
    )
    .action(async (flags: Record<string, unknown>) => {
      if (flags.profile !== undefined) return benchProfile(flags);
      const options = resolveBenchOptions(benchInputFrom(flags));
      const runDir = typeof flags.runDir === 'string' ? flags.runDir : defaultRunDir('bench');
      const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
      const { report, smokeFailures } = await runBench(options, { runDir, log });
      if (typeof flags.json === 'string') {
        await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
        log(`wrote ${flags.json}`);
      }
      process.stdout.write(renderReport(report));
      for (const { target, failures } of smokeFailures)
        process.stdout.write(`\n${target}: smoke failed, not measured: ${failures.join('; ')}\n`);
      if (smokeFailures.length > 0) process.exitCode = EXIT.fail;
    });
}

/** `bench --profile`: verify, then the workloads through the profile; exit 1 if verify fails. */
async function benchProfile(flags: Record<string, unknown>): Promise<void> {
  // --nodes is a count for the reference setups, URLs for a profile.
  const urls = typeof flags.nodes === 'string' && flags.nodes.includes('://');
  const profile = profileFrom({ ...flags, nodes: urls ? flags.nodes : undefined });
  const options = resolveBenchOptions(benchInputFrom({ ...flags, nodes: undefined }));
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const { report, verify } = await runProfileBench(profile, options, log);
  if (report === undefined) {
    for (const s of verify)
      process.stdout.write(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail}\n`);
    process.stdout.write('the profile check failed: nothing was measured\n');
    process.exitCode = EXIT.fail;
    return;
  }
  let combined = report;
  if (typeof flags.beside === 'string') {
    // The reference setups run after the app, so no measurement shares the machine with another.
    const reference = resolveBenchOptions(
      benchInputFrom({ ...flags, nodes: undefined, targets: flags.beside }),
    );
    const runDir = typeof flags.runDir === 'string' ? flags.runDir : defaultRunDir('bench');
    const { report: measured, smokeFailures } = await runBench(reference, { runDir, log });
    combined = besideReference(report, measured);
    for (const { target, failures } of smokeFailures)
      process.stdout.write(`${target}: smoke failed, not measured: ${failures.join('; ')}\n`);
    if (smokeFailures.length > 0) process.exitCode = EXIT.fail;
  }
  if (typeof flags.json === 'string') {
    await writeFile(flags.json, `${JSON.stringify(combined, null, 2)}\n`);
    log(`wrote ${flags.json}`);
  }
  process.stdout.write(`${benchResultTable(combined).join('\n')}\n`);
}
