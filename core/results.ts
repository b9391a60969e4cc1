/**
 * The result formats sessionlab writes, version 1: what `conformance --json`, `bench --json`
 * and a report directory's `results.json` hold. Documented in the README; additive changes
 * only, a breaking one gets schema 2.
 */

export type Level = 'MUST' | 'SHOULD' | 'INFO';
export type Verdict = 'PASS' | 'FAIL' | 'NON_STRICT' | 'SKIPPED' | 'UNKNOWN' | 'ERROR';

export interface CheckResult {
  /** Stable id users pin in CI, e.g. `SL-FX-01`. */
  id: string;
  title: string;
  level: Level;
  /** `ASVS-4.0.3-3.2.1`, `ASVS-5.0-7.2.4`, `WSTG-SESS-03`, `CWE-384`. */
  refs: string[];
  verdict: Verdict;
  /** One plain sentence. */
  why: string;
  /** What was observed: statuses, counts, a minimal witness. Free-form JSON. */
  evidence: Record<string, unknown>;
  durationMs: number;
}

export interface TargetDescription {
  /** Short label for matrices: `engine × redis`, or the entry URL of an external target. */
  label: string;
  nodes: string[];
  entry?: string;
  entryTls?: string;
  /** The target's `GET /contract` document. */
  contract?: Record<string, unknown>;
  /** For local clusters: impl, store, lb, flaws. */
  impl?: string;
  store?: string;
  lb?: string;
  flaws?: string[];
}

/** `sessionlab conformance --json FILE`. */
export interface ConformanceReport {
  schema: 1;
  target: TargetDescription;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  /** Exit code the run ended with (0 pass, 1 MUST failed, 2 inconclusive, 4 harness error). */
  exitCode: number;
}

export type Workload = 'read' | 'write' | 'mixed' | 'login-churn' | 'anon';

export interface LatencyMs {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One target × workload × path, over its repetitions. */
export interface BenchResult {
  /** e.g. `engine-redis`, `express-session-redis`, `express-nosession`, `engine-http-redis`, `raw-ioredis-get`. */
  target: string;
  workload: Workload;
  /** `direct` (one node, the headline ratios) or `nginx` (round-robin over the nodes). */
  path: 'direct' | 'nginx';
  nodes: number;
  connections: number;
  durationSec: number;
  /** Requests per second: median over repetitions, with min and max. */
  rps: { median: number; min: number; max: number; runs: number[] };
  /** True when (max − min) / median > 10 %. */
  noisy: boolean;
  /** Latency percentiles of the median run, from autocannon's histograms. */
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Store commands per request measured around a known request script, by command. */
  storeOpsPerRequest?: Record<string, number>;
  /** CPU time of the measured node(s) per response, in µs (median over runs; Linux /proc). */
  cpuUsPerRequest?: number;
  /** Constant-rate mode: the offered load, req/s; latency then is corrected for coordinated omission. */
  rate?: number;
  /** `bench --profile`: responses by HTTP status over every run (an app's redirects are not errors). */
  statusCodes?: Record<string, number>;
}

/** `sessionlab bench --json FILE`. */
export interface BenchReport {
  schema: 1;
  startedAt: string;
  durationMs: number;
  quick: boolean;
  results: BenchResult[];
  /**
   * The load generator's ceiling: req/s of a static node:http answer (`static-http`, read,
   * direct) in the same run; a ratio whose sides come near it measures the generator.
   */
  loadCeilingRps?: number | null;
  /**
   * The headline ratios (core/results.ts BENCH_RATIOS: direct path, the workload each names),
   * from the same run; null when a side was not measured. The first three are in every schema-1
   * file; the others were added later, so a reader of an older file finds them absent.
   */
  ratios: {
    engine_vs_express_nosession_read: number | null;
    engine_vs_express_session_read: number | null;
    engine_http_vs_raw_redis_read: number | null;
    engine_http_vs_raw_memcached_read?: number | null;
    engine_vs_express_session_write?: number | null;
    engine_vs_express_session_mixed?: number | null;
    engine_vs_express_session_login_churn?: number | null;
  };
}

export interface RunEnvironment {
  /** `os.cpus()` model, count, total memory, platform. */
  machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; kernel: string };
  versions: {
    node: string;
    redis?: string;
    memcached?: string;
    nginx?: string;
    sessionlab: string;
  };
  gitCommit?: string;
  /** The command that produced the run, for the record. */
  command: string;
}

/** One mutant of `sessionlab mutate`: killed when some check FAILs (or is NON_STRICT) on it. */
export interface MutantResult {
  name: string;
  description: string;
  killed: boolean;
  /** The checks that failed it. */
  killedBy: string[];
  /** Every check that ran, with its verdict and reason. */
  checks: { id: string; verdict: Verdict; why: string }[];
  durationMs: number;
}

/** `sessionlab mutate --json` (schema 1). */
export interface MutationReport {
  schema: 1;
  /** What the proxies sat in front of. */
  target: string;
  startedAt: string;
  durationMs: number;
  /** Only the checks each mutant names were run (`--quick`). */
  quick: boolean;
  killed: number;
  total: number;
  mutants: MutantResult[];
}

/** `results.json` of a report directory (`make bench`, `sessionlab report --from DIR`). */
export interface RunResults {
  schema: 1;
  startedAt: string;
  environment: RunEnvironment;
  /** One conformance report per target (engine beside the express-session baseline). */
  conformance: ConformanceReport[];
  bench?: BenchReport;
  mutation?: MutationReport;
}

export type RatioName = keyof BenchReport['ratios'];

export interface RatioSpec {
  /** The numerator and denominator targets, measured direct to one node. */
  over: string;
  under: string;
  workload: Workload;
  /** The bar from issue 15: the ratio should reach at least this. */
  goal: number;
  meaning: string;
}

const versusExpressSession = (workload: Workload): RatioSpec => ({
  over: 'engine-redis',
  under: 'express-session-redis',
  workload,
  goal: 1.5,
  meaning: `engine ${workload} vs express-session + connect-redis`,
});

/**
 * The bench's headline ratios (direct path), with the goals of issue 15: numerator and
 * denominator targets, the workload, the goal each should reach, and what it means. The one
 * source for the plan, the bench and the reports.
 */
export const BENCH_RATIOS: Readonly<Record<RatioName, RatioSpec>> = {
  engine_vs_express_nosession_read: {
    over: 'engine-redis',
    under: 'express-nosession',
    workload: 'read',
    goal: 0.9,
    meaning: 'engine on Express vs the same Express without sessions, read',
  },
  engine_vs_express_session_read: versusExpressSession('read'),
  engine_vs_express_session_write: versusExpressSession('write'),
  engine_vs_express_session_mixed: versusExpressSession('mixed'),
  engine_vs_express_session_login_churn: versusExpressSession('login-churn'),
  engine_http_vs_raw_redis_read: {
    over: 'engine-http-redis',
    under: 'raw-ioredis-get',
    workload: 'read',
    goal: 0.8,
    meaning: 'engine on node:http vs node:http + one raw redis GET, read',
  },
  engine_http_vs_raw_memcached_read: {
    over: 'engine-http-memcached',
    under: 'raw-memcached-get',
    workload: 'read',
    goal: 0.8,
    meaning: 'engine on node:http vs node:http + one raw memcached GET, read',
  },
};

/** The ratio names in report order. */
export const RATIO_NAMES = Object.keys(BENCH_RATIOS) as RatioName[];

/** The result of `target` on `workload`, direct to one node. */
export function directResult(
  results: readonly BenchResult[],
  target: string,
  workload: Workload,
): BenchResult | undefined {
  return results.find((r) => r.target === target && r.workload === workload && r.path === 'direct');
}

/** The result a ratio or the load ceiling reads: `target` on the read workload, direct. */
export function directReadResult(
  results: readonly BenchResult[],
  target: string,
): BenchResult | undefined {
  return directResult(results, target, 'read');
}
