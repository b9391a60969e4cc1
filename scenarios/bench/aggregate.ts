/**
 * From repetitions to results, and from results to the headline ratios. Pure: the same samples
 * give the same numbers.
 */
import { BENCH_RATIOS, RATIO_NAMES, directReadResult, directResult } from '../../core/results.ts';
import type { BenchReport, BenchResult, LatencyMs, RatioName } from '../../core/results.ts';

/** One measured autocannon run. */
export interface RunSample {
  /** Responses per second over the run. */
  rps: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU µs of the measured node(s) per response in this run, when it could be read. */
  cpuUsPerRequest?: number;
}

/** What a result is about: everything of BenchResult but the measured numbers. */
export type MeasurementKey = Pick<
  BenchResult,
  | 'target'
  | 'workload'
  | 'path'
  | 'nodes'
  | 'connections'
  | 'durationSec'
  | 'storeOpsPerRequest'
  | 'rate'
>;

/** A result is noisy when (max − min) / median exceeds this. */
export const NOISY_SPREAD = 0.1;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/**
 * Repetitions → one result: median, min and max of req/s; latency of the median run (for an
 * even count, the lower of the two middle runs); errors, timeouts and non-2xx summed.
 */
export function aggregateRuns(key: MeasurementKey, runs: readonly RunSample[]): BenchResult {
  if (runs.length === 0)
    throw new RangeError(`${key.target} ${key.workload}: no runs to aggregate`);
  const values = runs.map((run) => run.rps);
  const mid = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const byRps = [...runs].sort((a, b) => a.rps - b.rps);
  const medianRun = byRps[Math.floor((byRps.length - 1) / 2)] as RunSample;
  const sum = (field: 'errors' | 'timeouts' | 'non2xx'): number =>
    runs.reduce((total, run) => total + run[field], 0);
  const cpu = runs.flatMap((run) =>
    run.cpuUsPerRequest === undefined ? [] : [run.cpuUsPerRequest],
  );
  return {
    ...key,
    rps: { median: round(mid, 1), min, max, runs: values },
    noisy: mid > 0 ? (max - min) / mid > NOISY_SPREAD : max > 0,
    latencyMs: { ...medianRun.latencyMs },
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
    // Every run or none: a figure from some runs only would not be a median over the runs.
    ...(cpu.length === runs.length ? { cpuUsPerRequest: round(median(cpu), 1) } : {}),
  };
}

/** The load generator's ceiling in this run (`static-http`, read, direct); null when not measured. */
export function loadCeiling(results: readonly BenchResult[], target: string): number | null {
  return directReadResult(results, target)?.rps.median ?? null;
}

/** The headline ratios, each null when a side was not measured (or measured 0 req/s). */
export function computeRatios(results: readonly BenchResult[]): BenchReport['ratios'] {
  const ratio = (name: RatioName): number | null => {
    const { over, under, workload } = BENCH_RATIOS[name];
    const top = directResult(results, over, workload)?.rps.median;
    const bottom = directResult(results, under, workload)?.rps.median;
    return top === undefined || bottom === undefined || bottom === 0
      ? null
      : round(top / bottom, 3);
  };
  // Every name of BENCH_RATIOS, so the cast only restates what the map builds.
  return Object.fromEntries(RATIO_NAMES.map((name) => [name, ratio(name)])) as Required<
    BenchReport['ratios']
  >;
}
