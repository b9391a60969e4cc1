/**
 * The bench pipeline: plan → start the stores and every target → smoke each (a target that
 * fails is not measured) → make its sessions and count store operations per request → measure
 * in rounds (repetition r of every measurement before repetition r + 1, so drift over the run
 * spreads over all targets alike) → aggregate. Progress goes to `log`; everything started is
 * stopped before it returns or throws.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport, BenchResult } from '../../core/results.ts';
import { startStores } from '../../orchestrator/store-services.ts';
import type { StoreServices } from '../../orchestrator/store-services.ts';
import { InvalidOptionError } from '../../core/errors.ts';
import type { RingKey } from '../../session/options.ts';
import type { StoreKind } from '../../stores/from-url.ts';
import { aggregateRuns, computeRatios, loadCeiling } from './aggregate.ts';
import { cpuMicros } from './cpu.ts';
import {
  mainThreadProfile,
  readCpuProfile,
  renderFrameTimes,
  summarizeCpuProfile,
} from './profile.ts';
import type { RunSample } from './aggregate.ts';
import { planMeasurements } from './plan.ts';
import { labelOf, renderPlan } from './print.ts';
import type { BenchOptions, Measurement } from './plan.ts';
import { choosePinning, pinProcess, startLoadGenerator } from './run.ts';
import type { LoadGenerator, LoadJob, Pinning } from './run.ts';
import { createSessions, syntheticCookies } from './sessions.ts';
import { prepareScript, smokeTarget } from './smoke.ts';
import { measureStoreOps } from './store-ops.ts';
import type { StoreCounterSource } from './store-ops.ts';
import { LOAD_CEILING_TARGET, startTarget } from './targets.ts';
import type { RunningTarget, TargetSpec } from './targets.ts';

/** Seconds before autocannon counts a request as timed out. */
const REQUEST_TIMEOUT_SEC = 10;

export interface BenchRunOptions {
  /** Logs of every process go here. */
  runDir: string;
  /** One progress line (no newline). */
  log(line: string): void;
  /**
   * Awaited after every target is started, smoked and given its sessions, before the first
   * measured run: lets other work (the suite's conformance runs) use the set-up time without
   * overlapping any measurement.
   */
  beforeMeasuring?: () => Promise<void>;
}

export interface BenchOutcome {
  report: BenchReport;
  /** Targets that failed their smoke and were not measured. */
  smokeFailures: { target: string; failures: string[] }[];
  /** Null when nothing could be pinned. */
  pinning: Pinning | null;
}

interface Prepared {
  measurement: Measurement;
  target: RunningTarget;
  url: string;
  cookies: string[];
  storeOps: Record<string, number>;
  runs: RunSample[];
}

export async function runBench(options: BenchOptions, run: BenchRunOptions): Promise<BenchOutcome> {
  const startedAt = new Date();
  const planned = planMeasurements(options);
  if (planned.length === 0)
    throw new InvalidOptionError(
      'nothing to measure: no selected target supports the selected workloads',
    );
  const pinning = await choosePinning();
  for (const line of renderPlan(options, planned, pinning)) run.log(line);
  await mkdir(run.runDir, { recursive: true });
  if (options.cpuProfileDir !== undefined) await mkdir(options.cpuProfileDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const load = await startLoadGenerator();
    cleanups.push(() => load.close());
    if (pinning !== null) await pinProcess(load.pid, pinning.load);
    const setup: TargetSetup = {
      options,
      run,
      stores: new Map(),
      password: randomBytes(12).toString('base64url'),
      signingKeys: [{ id: 'k1', secret: randomBytes(32).toString('base64url') }],
      cleanups,
      smokeFailures: [],
    };
    for (const kind of new Set(planned.flatMap((m) => (m.target.store ? [m.target.store] : [])))) {
      run.log(`starting ${kind}…`);
      const services = await startStores(kind, run.runDir);
      cleanups.push(() => services.stop());
      setup.stores.set(kind, services);
    }
    // One target at a time: start-ups are CPU-bound with a 20 s deadline (in parallel they
    // missed it on a loaded 2-core machine), and store operations are counted from the store's
    // global counters.
    const prepared: Prepared[] = [];
    for (const [spec, measurements] of groupByTarget(planned)) {
      const target = await startBenchTarget(spec, measurements, setup);
      prepared.push(...(await prepareTarget(spec, measurements, target, setup)));
    }
    const preparedAt = Date.now();
    run.log(
      `set-up (stores, targets, smoke, sessions): ${seconds(preparedAt - startedAt.getTime())}`,
    );
    if (run.beforeMeasuring !== undefined) {
      await run.beforeMeasuring();
      run.log(`waited for other work before measuring: ${seconds(Date.now() - preparedAt)}`);
    }
    const measuringAt = Date.now();
    await measureInRounds(prepared, options, load, pinning, setup.password, run.log);
    run.log(`measuring: ${seconds(Date.now() - measuringAt)}`);
    const results = prepared.map((p) => aggregate(p, options));
    const report: BenchReport = {
      schema: 1,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      quick: options.quick,
      results,
      loadCeilingRps: loadCeiling(results, LOAD_CEILING_TARGET),
      ratios: computeRatios(results),
    };
    return { report, smokeFailures: setup.smokeFailures, pinning };
  } finally {
    const stoppingAt = Date.now();
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => run.log(`stopping: ${String(error)}`));
    }
    run.log(`stopping: ${seconds(Date.now() - stoppingAt)}`);
  }
}

/** What every target is started with, and where it registers its stop and smoke failures. */
interface TargetSetup {
  options: BenchOptions;
  run: BenchRunOptions;
  stores: Map<StoreKind, StoreServices>;
  password: string;
  signingKeys: RingKey[];
  cleanups: (() => Promise<void>)[];
  smokeFailures: BenchOutcome['smokeFailures'];
}

/** Starts one target's nodes (and nginx when a measurement goes through it); registers its stop. */
async function startBenchTarget(
  spec: TargetSpec,
  measurements: readonly Measurement[],
  setup: TargetSetup,
): Promise<RunningTarget> {
  const { options, run } = setup;
  const nginx = measurements.some((m) => m.path === 'nginx');
  run.log(`${spec.name}: starting ${options.nodes} node(s)${nginx ? ' and nginx' : ''}…`);
  const target = await startTarget(spec, {
    runDir: run.runDir,
    storeUrl: spec.store === null ? undefined : setup.stores.get(spec.store)?.url,
    password: setup.password,
    signingKeys: setup.signingKeys,
    nodes: options.nodes,
    nginx,
    lb: options.lb,
    ...(options.cpuProfileDir === undefined ? {} : { cpuProfileDir: options.cpuProfileDir }),
  });
  setup.cleanups.push(async () => {
    await target.stop();
    if (options.cpuProfileDir !== undefined)
      await summarizeProfiles(options.cpuProfileDir, target, run.log);
  });
  return target;
}

/**
 * Smokes a started target, makes its sessions and counts store operations per request of each
 * of its measurements; nothing to measure when the smoke fails.
 */
async function prepareTarget(
  spec: TargetSpec,
  measurements: readonly Measurement[],
  target: RunningTarget,
  setup: TargetSetup,
): Promise<Prepared[]> {
  const { options, run, password } = setup;
  const smoke = await smokeTarget(target, password);
  if (!smoke.passed) {
    run.log(`${spec.name}: smoke FAILED, not measured: ${smoke.failures.join('; ')}`);
    setup.smokeFailures.push({ target: spec.name, failures: smoke.failures });
    await target.stop();
    return [];
  }
  run.log(`${spec.name}: smoke ok`);
  const entry = target.nodes[0]?.url ?? '';
  const cookies = spec.sessions
    ? await createSessions(entry, options.sessions, password)
    : syntheticCookies(options.sessions);
  const source = counterSource(spec, setup.stores);
  const prepared: Prepared[] = [];
  for (const measurement of measurements) {
    const url = measurement.path === 'direct' ? entry : (target.nginx?.entry ?? '');
    const script = await prepareScript(url, measurement.workload, spec.sessions, password);
    const storeOps = await measureStoreOps(source, script);
    run.log(`${labelOf(measurement)}: store ops per request ${JSON.stringify(storeOps)}`);
    prepared.push({ measurement, target, url, cookies, storeOps, runs: [] });
  }
  return prepared;
}

async function measureInRounds(
  prepared: Prepared[],
  options: BenchOptions,
  load: LoadGenerator,
  pinning: Pinning | null,
  password: string,
  log: (line: string) => void,
): Promise<void> {
  const rounds = Math.max(...prepared.map((p) => p.measurement.reps));
  for (let rep = 1; rep <= rounds; rep++) {
    for (const p of prepared) {
      if (rep > p.measurement.reps) continue;
      const { measurement, target } = p;
      if (pinning !== null) await pinServers(target, measurement.path, pinning);
      const job: LoadJob = {
        url: p.url,
        connections: options.connections,
        durationSec: options.durationSec,
        timeoutSec: REQUEST_TIMEOUT_SEC,
        workload: measurement.workload,
        cookies: p.cookies,
        password,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
      };
      if (rep === 1 && options.warmupSec > 0)
        await load.run({ ...job, durationSec: options.warmupSec });
      const pids = measuredPids(target, measurement.path);
      const cpuBefore = await cpuMicros(pids);
      const result = await load.run(job);
      const cpuAfter = await cpuMicros(pids);
      const cpuUsPerRequest =
        cpuBefore === undefined || cpuAfter === undefined || result.requests === 0
          ? undefined
          : (cpuAfter - cpuBefore) / result.requests;
      p.runs.push(cpuUsPerRequest === undefined ? result : { ...result, cpuUsPerRequest });
      const failures = result.errors + result.non2xx;
      log(
        `${labelOf(measurement)} rep ${rep}/${measurement.reps}: ${Math.round(result.rps)} req/s, ` +
          `p99 ${result.latencyMs.p99} ms` +
          `${cpuUsPerRequest === undefined ? '' : `, ${Math.round(cpuUsPerRequest)} µs CPU/req`}` +
          `${failures > 0 ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''}`,
      );
    }
  }
}

/** Each stopped node's profile → `<name>.txt` with its heaviest frames; the top three logged. */
async function summarizeProfiles(
  dir: string,
  target: RunningTarget,
  log: (line: string) => void,
): Promise<void> {
  for (const node of target.nodes) {
    const name = `${target.spec.name}-${node.id}`;
    const file = await mainThreadProfile(join(dir, name));
    const profile =
      file === undefined ? undefined : await readCpuProfile(file).catch(() => undefined);
    if (profile === undefined) {
      log(`${name}: no CPU profile of the main thread was written in ${join(dir, name)}`);
      continue;
    }
    const frames = summarizeCpuProfile(profile, 25);
    await writeFile(join(dir, `${name}.txt`), `${renderFrameTimes(frames)}\n`);
    log(`${target.spec.name} ${node.id} top frames:\n${renderFrameTimes(frames.slice(0, 3))}`);
  }
}

/** The processes a measurement loads: the first node (direct), or every node (nginx). */
function measuredPids(target: RunningTarget, path: Measurement['path']): number[] {
  const nodes = path === 'direct' ? target.nodes.slice(0, 1) : target.nodes;
  return nodes.flatMap((node) => (node.process.pid === undefined ? [] : [node.process.pid]));
}

/** Direct: the measured node alone on the server core. nginx: every node floats again. */
async function pinServers(
  target: RunningTarget,
  path: Measurement['path'],
  pinning: Pinning,
): Promise<void> {
  const pids = target.nodes.flatMap((node) =>
    node.process.pid === undefined ? [] : [node.process.pid],
  );
  const [first] = pids;
  if (path === 'direct' && first !== undefined) await pinProcess(first, pinning.server);
  else await Promise.all(pids.map((pid) => pinProcess(pid, pinning.all)));
}

function aggregate(p: Prepared, options: BenchOptions): BenchResult {
  const { measurement } = p;
  return aggregateRuns(
    {
      target: measurement.target.name,
      workload: measurement.workload,
      path: measurement.path,
      nodes: measurement.path === 'direct' ? 1 : p.target.nodes.length,
      connections: options.connections,
      durationSec: options.durationSec,
      storeOpsPerRequest: p.storeOps,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
    },
    p.runs,
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function groupByTarget(planned: readonly Measurement[]): Map<TargetSpec, Measurement[]> {
  const groups = new Map<TargetSpec, Measurement[]>();
  for (const m of planned) groups.set(m.target, [...(groups.get(m.target) ?? []), m]);
  return groups;
}

function counterSource(
  spec: TargetSpec,
  stores: ReadonlyMap<StoreKind, StoreServices>,
): StoreCounterSource | undefined {
  const services = spec.store === null ? undefined : stores.get(spec.store);
  // PostgreSQL counts statements only with pg_stat_statements loaded: not counted.
  if (services === undefined || services.kind === 'postgres') return undefined;
  const kind = services.kind === 'memcached' ? 'memcached' : 'redis';
  // Sentinel: the primary's counters only (its replicas replay the writes; sentinels ping).
  const endpoints =
    services.kind === 'redis-sentinel' ? services.endpoints.slice(0, 1) : services.endpoints;
  return { kind, endpoints };
}
