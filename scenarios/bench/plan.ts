/**
 * The bench's options (checked first, then filled with defaults) and the plan they give: which
 * target × workload × path is measured, and about how long that takes. Pure.
 *
 * Without --targets, --workloads or --paths the plan is a fixed matrix sized for the time budget:
 *   quick: read on every target, direct; read through nginx for engine and express-session on
 *          the first store. 1 repetition of 2 s: about a minute with start-up.
 *   standard (`make bench`): the rows the ratios of core/results.ts BENCH_RATIOS come from and
 *          the load ceiling (`isRatioRow`), 3 repetitions of 5 s each, and read through nginx
 *          for engine and express-session on the first store, one repetition (a side row):
 *          about 3 minutes of load.
 *   full: read direct on every target; write, mixed, login-churn and anon direct for engine
 *          and express-session on the first store; read through nginx for them and
 *          express-nosession; login-churn direct on the engine over redis-sentinel with
 *          replicaAcks 0 and 1 (the cost of WAIT). Every row with `reps` runs.
 *   With postgres among the stores (`--store redis,memcached,postgres`): read direct on engine ×
 *          postgres and express-session × connect-pg-simple as side rows in the standard plan;
 *          with `full` also write, mixed and login-churn on both, and read direct on the engine
 *          on node:http × postgres and on one raw SELECT.
 * With any of them, the plan is the cross product of what they select (a target only gets the
 * workloads it supports).
 */
import { BENCH_RATIOS, RATIO_NAMES } from '../../core/results.ts';
import type { Workload } from '../../core/results.ts';
import { BALANCE_MODES } from '../../nginx/render.ts';
import type { BalanceMode } from '../../nginx/render.ts';
import { InvalidOptionError } from '../../core/errors.ts';
import type { StoreKind } from '../../stores/from-url.ts';
import { LOAD_CEILING_TARGET, WAIT_TARGETS, catalogue } from './targets.ts';
import type { TargetSpec } from './targets.ts';
import { WORKLOADS } from './workloads.ts';

export type BenchPath = 'direct' | 'nginx';
export const BENCH_PATHS: readonly BenchPath[] = ['direct', 'nginx'];
export const BENCH_STORES = ['redis', 'memcached', 'redis-cluster', 'postgres'] as const;

export interface BenchOptionsInput {
  /** The reduced matrix and short runs of `--quick`. @default false */
  quick?: boolean;
  /** Measured runs per target × workload × path. @default 3 (quick: 1) */
  reps?: number;
  /** Seconds per measured run. @default 5 (quick: 2) */
  durationSec?: number;
  /**
   * Seconds of unmeasured load before the first run of each measurement: thousands of requests,
   * enough for V8 to optimise the hot path. @default 0.5
   */
  warmupSec?: number;
  /** Concurrent connections of autocannon. @default 50 */
  connections?: number;
  /** Sessions made up front (connection i uses session i mod K). @default connections */
  sessions?: number;
  /** Target name globs (`*` matches anything). @default the fixed matrix */
  targets?: string[];
  /** @default the fixed matrix */
  workloads?: string[];
  /** @default the fixed matrix */
  paths?: string[];
  /** Session stores; the first is the one the fixed matrix goes deep on. @default ['redis', 'memcached'] */
  stores?: string[];
  /** nginx balancing on the nginx path. @default 'round-robin' */
  lb?: string;
  /** Nodes behind nginx (the direct path uses the first). @default 2 */
  nodes?: number;
  /**
   * Constant-rate mode: offer this many requests per second in all (read workload only), and
   * report latency corrected for coordinated omission. @default undefined (as fast as answered)
   */
  rate?: number;
  /** Every row of the matrix with `reps` runs (the standard matrix gives side rows one). @default false */
  full?: boolean;
  /** Write a CPU profile of every node, and a summary of its top frames, into this folder. */
  cpuProfileDir?: string;
}

export interface BenchOptions {
  quick: boolean;
  reps: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  sessions: number;
  targets: string[] | undefined;
  workloads: Workload[] | undefined;
  paths: BenchPath[] | undefined;
  stores: StoreKind[];
  lb: BalanceMode;
  nodes: number;
  rate: number | undefined;
  cpuProfileDir: string | undefined;
  full: boolean;
}

export const DEFAULT_BENCH_OPTIONS = {
  quick: false,
  reps: 3,
  durationSec: 5,
  warmupSec: 0.5,
  connections: 50,
  stores: ['redis', 'memcached'],
  lb: 'round-robin',
  nodes: 2,
} as const;

export const QUICK_BENCH_OPTIONS = { reps: 1, durationSec: 2, warmupSec: 0.5 } as const;

export interface Measurement {
  target: TargetSpec;
  workload: Workload;
  path: BenchPath;
  /**
   * Measured runs: `reps` for the rows the ratios and goals are read from (direct path, every
   * workload but anon); one for the rest of the standard matrix unless `full`.
   */
  reps: number;
}

function checkNumber(
  field: string,
  value: number,
  min: number,
  max: number,
  integer = true,
): number {
  if (
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value))
  )
    return value;
  const kind = integer ? 'an integer' : 'a number';
  throw new InvalidOptionError(`invalid ${field} ${value}: expected ${kind} from ${min} to ${max}`);
}

function checkList<T extends string>(field: string, values: string[], allowed: readonly T[]): T[] {
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidOptionError(`invalid ${field} "${value}": expected ${allowed.join(' | ')}`);
  }
  if (values.length === 0) throw new InvalidOptionError(`invalid ${field}: expected at least one`);
  return [...new Set(values)] as T[];
}

export function resolveBenchOptions(input: BenchOptionsInput): BenchOptions {
  const quick = input.quick ?? DEFAULT_BENCH_OPTIONS.quick;
  const base = quick ? { ...DEFAULT_BENCH_OPTIONS, ...QUICK_BENCH_OPTIONS } : DEFAULT_BENCH_OPTIONS;
  const connections = checkNumber('connections', input.connections ?? base.connections, 1, 1000);
  const lb = input.lb ?? base.lb;
  if (!BALANCE_MODES.includes(lb as BalanceMode))
    throw new InvalidOptionError(`invalid lb "${lb}": expected ${BALANCE_MODES.join(' | ')}`);
  const rate = input.rate === undefined ? undefined : checkNumber('rate', input.rate, 1, 1_000_000);
  if (rate !== undefined && (input.workloads ?? ['read']).some((w) => w !== 'read'))
    throw new InvalidOptionError(
      'invalid rate: constant-rate mode measures the read workload only (--workloads read)',
    );
  return {
    quick,
    rate,
    cpuProfileDir: input.cpuProfileDir,
    full: input.full ?? false,
    reps: checkNumber('reps', input.reps ?? base.reps, 1, 20),
    durationSec: checkNumber('durationSec', input.durationSec ?? base.durationSec, 1, 600),
    warmupSec: checkNumber('warmupSec', input.warmupSec ?? base.warmupSec, 0, 60, false),
    connections,
    sessions: checkNumber('sessions', input.sessions ?? connections, 1, 10_000),
    targets: input.targets === undefined ? undefined : checkGlobs(input.targets),
    workloads:
      (input.workloads && checkList('workload', input.workloads, WORKLOADS)) ??
      (rate === undefined ? undefined : ['read']),
    paths: input.paths && checkList('path', input.paths, BENCH_PATHS),
    stores: checkList('store', input.stores ?? [...base.stores], BENCH_STORES),
    lb: lb as BalanceMode,
    nodes: checkNumber('nodes', input.nodes ?? base.nodes, 1, 16),
  };
}

function checkGlobs(globs: string[]): string[] {
  for (const glob of globs) {
    if (!/^[a-z0-9*-]+$/.test(glob))
      throw new InvalidOptionError(
        `invalid target "${glob}": expected a name or glob like engine-*`,
      );
  }
  if (globs.length === 0) throw new InvalidOptionError('invalid target: expected at least one');
  return globs;
}

const matches = (glob: string, name: string): boolean =>
  new RegExp(`^${glob.replaceAll('*', '.*')}$`).test(name);

interface MatrixRow {
  targets: readonly string[];
  workloads: readonly Workload[];
  paths: readonly BenchPath[];
}

/** The engine beside connect-pg-simple beyond reads (read direct comes with every target). */
const POSTGRES_ROW: MatrixRow = {
  targets: ['engine-postgres', 'express-session-postgres'],
  workloads: ['write', 'mixed', 'login-churn'],
  paths: ['direct'],
};

/** engine × postgres beside connect-pg-simple on reads, in the standard plan (side rows). */
const POSTGRES_READS: MatrixRow = {
  targets: ['engine-postgres', 'express-session-postgres'],
  workloads: ['read'],
  paths: ['direct'],
};

/** The rows of every ratio of BENCH_RATIOS and the load ceiling, direct. */
function ratioRows(): MatrixRow[] {
  const ceiling = {
    targets: [LOAD_CEILING_TARGET],
    workloads: ['read'],
    paths: ['direct'],
  } as const;
  return [
    ceiling,
    ...RATIO_NAMES.map((name) => {
      const { over, under, workload } = BENCH_RATIOS[name];
      return { targets: [over, under], workloads: [workload], paths: ['direct'] } as const;
    }),
  ];
}

/** The fixed matrices; `{store}` is the first selected store. */
function fixedMatrix(quick: boolean, full: boolean, stores: readonly StoreKind[]): MatrixRow[] {
  const sessionTargets = ['engine-{store}', 'express-session-{store}'];
  const readEverywhere = { targets: ['*'], workloads: ['read'], paths: ['direct'] } as const;
  const nginxReads = { targets: sessionTargets, workloads: ['read'], paths: ['nginx'] } as const;
  if (quick) return [readEverywhere, nginxReads];
  // make bench: what the goals need, and one look at the nginx path; the rest behind --full.
  const postgres = stores.includes('postgres');
  if (!full) return [...ratioRows(), nginxReads, ...(postgres ? [POSTGRES_READS] : [])];
  return [
    readEverywhere,
    {
      targets: sessionTargets,
      workloads: ['write', 'mixed', 'login-churn', 'anon'],
      paths: ['direct'],
    },
    { targets: [...sessionTargets, 'express-nosession'], workloads: ['read'], paths: ['nginx'] },
    { targets: WAIT_TARGETS, workloads: ['login-churn'], paths: ['direct'] },
    ...(postgres ? [POSTGRES_ROW] : []),
  ];
}

/** What to measure, target by target in catalogue order; throws when a glob matches nothing. */
export function planMeasurements(options: BenchOptions): Measurement[] {
  const known = catalogue(options.stores);
  for (const glob of options.targets ?? []) {
    if (!known.some((t) => matches(glob, t.name)))
      throw new InvalidOptionError(
        `invalid target "${glob}": expected one of ${known.map((t) => t.name).join(' | ')}`,
      );
  }
  const custom = options.targets ?? options.workloads ?? options.paths;
  const rows: MatrixRow[] =
    custom === undefined
      ? fixedMatrix(options.quick, options.full, options.stores)
      : [
          {
            targets: options.targets ?? ['*'],
            workloads: options.workloads ?? (options.quick ? ['read'] : WORKLOADS),
            paths: options.paths ?? BENCH_PATHS,
          },
        ];
  const primary = options.stores[0] ?? 'redis';
  const planned: Measurement[] = [];
  for (const target of known) {
    for (const workload of WORKLOADS) {
      for (const path of BENCH_PATHS) {
        const wanted = rows.some(
          (row) =>
            row.workloads.includes(workload) &&
            row.paths.includes(path) &&
            row.targets.some((glob) => matches(glob.replace('{store}', primary), target.name)),
        );
        if (!wanted || !target.workloads.includes(workload)) continue;
        // Rows on the first store keep their runs when that store has no ratio (postgres).
        const main =
          isRatioRow(target, path, workload) ||
          (primary === 'postgres' && target.store === primary && path === 'direct');
        const side = custom === undefined && !options.full && !main;
        planned.push({ target, workload, path, reps: side ? 1 : options.reps });
      }
    }
  }
  return planned;
}

/**
 * Rows the ratios and goals are read from (a side of a BENCH_RATIOS entry, direct to one node)
 * and the load generator's ceiling shown beside them.
 */
export function isRatioRow(target: TargetSpec, path: BenchPath, workload: Workload): boolean {
  if (path !== 'direct') return false;
  if (target.name === LOAD_CEILING_TARGET) return workload === 'read';
  return RATIO_NAMES.some((name) => {
    const ratio = BENCH_RATIOS[name];
    return (
      ratio.workload === workload && (ratio.over === target.name || ratio.under === target.name)
    );
  });
}

/** Seconds the measurements take (start-up not included). */
export function estimateSeconds(options: BenchOptions, planned: readonly Measurement[]): number {
  const seconds = planned.reduce(
    (sum, m) => sum + m.reps * options.durationSec + options.warmupSec + 0.5,
    0,
  );
  return Math.round(seconds);
}
