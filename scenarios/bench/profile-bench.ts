/**
 * `sessionlab bench --profile FILE`: the bench workloads against a running app described by a
 * profile. The profile is verified first (`profile check`: a failing step means nothing is
 * measured), then sessions are made up front through its login (one per connection, each
 * with a value written when the profile has `write`), then each workload × path is measured
 * in rounds like the reference bench: `nginx` is the profile's entry, `direct` its first node.
 * Store operations and CPU are not measured: the app's processes and store are not ours.
 */
import type { BenchReport, BenchResult, Workload } from '../../core/results.ts';
import { InvalidOptionError } from '../../core/errors.ts';
import { newMarker } from '../conformance/identity.ts';
import { pooled } from '../conformance/steps.ts';
import { ProfileActions } from '../profile/actions.ts';
import type { Profile } from '../profile/types.ts';
import { verifyProfile } from '../profile/verify.ts';
import type { VerifyStep } from '../profile/verify.ts';
import { aggregateRuns } from './aggregate.ts';
import type { BenchOptions, BenchPath } from './plan.ts';
import { PROFILE_WORKLOADS, profileStepsFor, profileWorkloadGap } from './profile-workloads.ts';
import { startLoadGenerator } from './run.ts';
import type { LoadJob, LoadResult } from './run.ts';

/** Seconds before autocannon counts a request as timed out. */
const REQUEST_TIMEOUT_SEC = 10;
/** Logins in flight at once while sessions are made. */
const PARALLEL_LOGINS = 10;

export interface ProfileBenchOutcome {
  /** Undefined when the verify step failed: nothing was measured. */
  report: BenchReport | undefined;
  verify: VerifyStep[];
  /** Workloads or paths the profile cannot drive, with why. */
  skipped: string[];
}

interface Planned {
  workload: Workload;
  path: BenchPath;
  url: string;
  runs: LoadResult[];
}

/** Responses by status, summed over runs. */
function statusCodesOf(runs: readonly LoadResult[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const run of runs)
    for (const [code, n] of Object.entries(run.statusCodes)) sum[code] = (sum[code] ?? 0) + n;
  return sum;
}

/** What to measure: the selected (or every drivable) workload × path, and what was left out. */
export function planProfileBench(
  profile: Profile,
  options: Pick<BenchOptions, 'workloads' | 'paths'>,
): { planned: Omit<Planned, 'runs'>[]; skipped: string[] } {
  const skipped: string[] = [];
  const workloads = (options.workloads ?? PROFILE_WORKLOADS).filter((w) => {
    const gap = profileWorkloadGap(profile, w);
    if (gap !== undefined) skipped.push(`${w}: ${gap}`);
    return gap === undefined;
  });
  const first = profile.nodes?.[0];
  const paths = (options.paths ?? ['nginx']).filter((p) => {
    if (p === 'direct' && first === undefined)
      skipped.push('direct: the profile has no "nodes" to reach one directly');
    return p === 'nginx' || first !== undefined;
  });
  const planned = workloads.flatMap((workload) =>
    paths.map((path) => ({
      workload,
      path,
      url: path === 'direct' ? (first as string) : profile.entry,
    })),
  );
  return { planned, skipped };
}

/** `count` logged-in sessions made through the profile's login: their Cookie headers. */
async function makeSessions(
  actions: ProfileActions,
  url: string,
  count: number,
): Promise<string[]> {
  const { profile } = actions;
  return pooled(
    Array.from({ length: count }, (_, i) => async () => {
      const client = await actions.login(url, undefined, i % profile.users.length);
      if (profile.write !== undefined)
        await actions.write(client, url, newMarker('bench'), i % profile.users.length);
      return client.cookie;
    }),
    PARALLEL_LOGINS,
  );
}

export async function runProfileBench(
  profile: Profile,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<ProfileBenchOutcome> {
  const startedAt = new Date();
  const verify = await verifyProfile(profile);
  const { planned, skipped } = planProfileBench(profile, options);
  for (const line of skipped) log(`not measured: ${line}`);
  if (verify.some((s) => !s.ok)) return { report: undefined, verify, skipped };
  if (planned.length === 0)
    throw new InvalidOptionError(
      'nothing to measure: the profile drives none of the selected workloads and paths',
    );
  log(`profile verified (${verify.length} steps); making ${options.sessions} sessions…`);
  const actions = new ProfileActions(profile);
  const cookies = await makeSessions(actions, profile.entry, options.sessions);
  const measurements: Planned[] = planned.map((p) => ({ ...p, runs: [] }));
  const load = await startLoadGenerator();
  try {
    for (let rep = 1; rep <= options.reps; rep++) {
      for (const m of measurements) {
        const job: LoadJob = {
          url: m.url,
          connections: options.connections,
          durationSec: options.durationSec,
          timeoutSec: REQUEST_TIMEOUT_SEC,
          workload: m.workload,
          cookies,
          password: '',
          profileSteps: profileStepsFor(profile, m.workload, actions.vars()),
        };
        if (rep === 1 && options.warmupSec > 0)
          await load.run({ ...job, durationSec: options.warmupSec });
        const result = await load.run(job);
        m.runs.push(result);
        log(
          `profile ${m.workload} ${m.path} rep ${rep}/${options.reps}: ${Math.round(result.rps)} req/s, p99 ${result.latencyMs.p99} ms` +
            `${result.errors + result.non2xx > 0 ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''}`,
        );
      }
    }
  } finally {
    await load.close();
  }
  const results: BenchResult[] = measurements.map((m) => ({
    ...aggregateRuns(
      {
        target: `profile ${profile.entry}`,
        workload: m.workload,
        path: m.path,
        nodes: m.path === 'direct' ? 1 : (profile.nodes?.length ?? 1),
        connections: options.connections,
        durationSec: options.durationSec,
      },
      m.runs,
    ),
    statusCodes: statusCodesOf(m.runs),
  }));
  const report: BenchReport = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    quick: options.quick,
    results,
    loadCeilingRps: null,
    ratios: {
      engine_vs_express_nosession_read: null,
      engine_vs_express_session_read: null,
      engine_http_vs_raw_redis_read: null,
    },
  };
  return { report, verify, skipped };
}

/**
 * The profile's results beside reference setups measured in the same run, after it (never at
 * the same time): one report, the profile's rows first; the load ceiling and the ratios come
 * from the reference run.
 */
export function besideReference(profileReport: BenchReport, reference: BenchReport): BenchReport {
  return {
    ...profileReport,
    durationMs: profileReport.durationMs + reference.durationMs,
    results: [...profileReport.results, ...reference.results],
    loadCeilingRps: reference.loadCeilingRps ?? null,
    ratios: reference.ratios,
  };
}
