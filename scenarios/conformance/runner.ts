/**
 * Runs checks against a target and decides verdicts and the exit code. Independent checks run
 * concurrently (the expiry waits overlap everything else); checks that disturb the target run
 * alone, afterwards. A check that throws is UNKNOWN when the target stopped answering and ERROR
 * (a harness fault, never blamed on the target) otherwise.
 */
import type {
  CheckResult,
  ConformanceReport,
  TargetDescription,
  Verdict,
} from '../../core/results.ts';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { withCheckSignal } from './abort.ts';
import { History } from './history.ts';
import {
  CONTRACT_ONLY,
  NOT_VIA_PROFILE,
  PROFILE_CHECKS,
  missingProfileNeed,
} from './profile-checks.ts';
import type { ProfileCheckContext } from './profile-context.ts';
import { DEFAULT_CHECK_SETTINGS } from './types.ts';
import type {
  CheckSettings,
  CheckContext,
  CheckDefinition,
  FaultControl,
  Need,
  Outcome,
  StoreInspector,
  Target,
} from './types.ts';
import { StepError } from '../../core/errors.ts';
import { EXIT } from '../../core/exit-codes.ts';
import type { ExitCode } from '../../core/exit-codes.ts';
import type { ProfileActions } from '../profile/actions.ts';

export interface RunOptions {
  target: Target;
  /** A profile target: checks run through its actions (profile-checks.ts), or are SKIPPED. */
  profile?: ProfileActions;
  description: TargetDescription;
  checks: readonly CheckDefinition[];
  store: StoreInspector | undefined;
  faults: FaultControl;
  /** NON_STRICT (a failed SHOULD) fails the run too. @default false */
  strict?: boolean;
  /** Checks in flight at once. @default 6 */
  concurrency?: number;
  /** Per-check limit, plus twice `settings.idleBeforeOutageMs`. @default 90_000 */
  checkTimeoutMs?: number;
  /** @default DEFAULT_CHECK_SETTINGS */
  settings?: Partial<CheckSettings>;
  onProgress?: (line: string) => void;
}

/** Why a check cannot run against this target, or undefined when it can. */
export function missingNeed(
  check: CheckDefinition,
  target: Target,
  store: StoreInspector | undefined,
  faults: FaultControl,
): string | undefined {
  if (check.capability && !target.contract.capabilities.includes(check.capability)) {
    return `the target does not claim the capability "${check.capability}"`;
  }
  const reasons: Record<Need, string | false> = {
    entry: !target.hasEntry && 'no load-balancer entry was given (--entry)',
    'entry-tls': target.entryTls === undefined && 'no HTTPS entry was given (--entry-tls)',
    'two-nodes': target.nodes.length < 2 && 'it needs two nodes or more (--nodes)',
    store: store === undefined && 'no store access was given (--store-url)',
    'kill-node':
      (!faults.killNode || !faults.startNode) &&
      'no node fault commands were given (--fault-cmd kill-node=… start-node=…)',
    'kill-store':
      !(faults.pauseStore || (faults.killStore && faults.startStore)) &&
      'no store fault commands were given (--fault-cmd kill-store=… start-store=…)',
    'pause-store': !faults.pauseStore && 'the store cannot be paused here',
    'rolling-restart':
      !faults.rollingRestart &&
      'no rolling restart command was given (--fault-cmd rolling-restart=…)',
    failover:
      (!faults.failover || !faults.isolateReplicas) &&
      'no store failover commands were given (--fault-cmd isolate-replicas=… failover=…; a local cluster needs --store redis-sentinel | redis-cluster)',
  };
  for (const need of check.needs ?? []) if (reasons[need]) return reasons[need] as string;
  return undefined;
}

function isTransportError(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return (
    code.startsWith('UND_ERR') ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)
  );
}

/** How long an aborted check gets to unwind before the run goes on without it. */
const ABORT_GRACE_MS = 5_000;

/** Why a check cannot run against a profile target, or undefined when it can. */
function missingForProfile(
  check: CheckDefinition,
  actions: ProfileActions,
  faults: FaultControl,
  store: StoreInspector | undefined,
): string | undefined {
  const viaProfile = PROFILE_CHECKS[check.id];
  if (viaProfile !== undefined)
    return missingProfileNeed(viaProfile, actions.profile, faults, store);
  const only = CONTRACT_ONLY[check.id];
  if (only !== undefined) return `contract-only: ${only}`;
  return NOT_VIA_PROFILE[check.id] ?? 'it has no profile version (see NOT_VIA_PROFILE)';
}

async function runOne(
  run: (signal: AbortSignal) => Promise<Outcome>,
  timeoutMs: number,
): Promise<Outcome & { error?: boolean }> {
  const controller = new AbortController();
  // Every request of the check listens to it: hundreds at once in the concurrency checks.
  setMaxListeners(0, controller.signal);
  const running = withCheckSignal(controller.signal, () => run(controller.signal));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([running, timedOut]);
    if (first !== 'timeout') return first;
    // Stop its requests and waits, and let it unwind, so it cannot overlap the next checks.
    controller.abort(new Error(`check timed out after ${timeoutMs} ms`));
    await Promise.race([running.catch(() => undefined), delay(ABORT_GRACE_MS)]);
    return { verdict: 'UNKNOWN', why: `the check did not finish within ${timeoutMs / 1000} s` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof StepError || isTransportError(error))
      return { verdict: 'UNKNOWN', why: `could not complete: ${message}` };
    return { verdict: 'UNKNOWN', why: `harness error: ${message}`, error: true };
  } finally {
    clearTimeout(timer);
  }
}

function verdictOf(check: CheckDefinition, outcome: Outcome & { error?: boolean }): Verdict {
  if (outcome.error) return 'ERROR';
  if (outcome.verdict === 'FAIL' && check.level !== 'MUST') return 'NON_STRICT';
  return outcome.verdict;
}

function profileContext(
  ctx: Omit<CheckContext, 'signal'>,
  target: Target,
  actions: ProfileActions,
  signal: AbortSignal,
): ProfileCheckContext {
  const { settings, store, faults, history, log } = ctx;
  const { profile } = actions;
  return {
    profile,
    actions,
    nodes: target.nodes,
    entry: target.entry,
    settings,
    store,
    faults,
    history,
    log,
    signal,
  };
}

export function exitCodeOf(results: readonly CheckResult[], strict: boolean): ExitCode {
  if (results.some((r) => r.verdict === 'FAIL')) return EXIT.fail;
  if (strict && results.some((r) => r.verdict === 'NON_STRICT' && r.level === 'SHOULD'))
    return EXIT.fail;
  if (results.some((r) => r.verdict === 'ERROR')) return EXIT.harness;
  if (results.some((r) => r.verdict === 'UNKNOWN')) return EXIT.inconclusive;
  return EXIT.pass;
}

export async function runChecks(
  options: RunOptions,
): Promise<{ report: ConformanceReport; history: History }> {
  const { target, store, faults } = options;
  const history = new History();
  const startedAt = new Date();
  const started = performance.now();
  let users = 0;
  const stamp = Date.now().toString(36).slice(-5);
  const results = new Map<string, CheckResult>();
  const log = options.onProgress ?? (() => undefined);
  const settings: CheckSettings = { ...DEFAULT_CHECK_SETTINGS, ...options.settings };
  const checkTimeoutMs = (options.checkTimeoutMs ?? 90_000) + 2 * settings.idleBeforeOutageMs;

  const execute = async (check: CheckDefinition): Promise<void> => {
    const base = { id: check.id, title: check.title, level: check.level, refs: check.refs };
    const reason =
      options.profile === undefined
        ? missingNeed(check, target, store, faults)
        : missingForProfile(check, options.profile, faults, store);
    if (reason) {
      results.set(check.id, {
        ...base,
        verdict: 'SKIPPED',
        why: `skipped: ${reason}`,
        evidence: {},
        durationMs: 0,
      });
      log(`${check.id} SKIPPED (${reason})`);
      return;
    }
    const ctx: Omit<CheckContext, 'signal'> = {
      settings,
      target,
      store,
      faults,
      history,
      user: () => `u${stamp}-${(users++).toString(36)}`,
      log: (m) => log(`${check.id} ${m}`),
    };
    const viaProfile = PROFILE_CHECKS[check.id];
    const profile = options.profile;
    const run =
      profile === undefined || viaProfile === undefined
        ? (signal: AbortSignal) => check.run({ ...ctx, signal })
        : (signal: AbortSignal) => viaProfile.run(profileContext(ctx, target, profile, signal));
    const t0 = performance.now();
    const outcome = await runOne(run, checkTimeoutMs);
    const verdict = verdictOf(check, outcome);
    results.set(check.id, {
      ...base,
      verdict,
      why: outcome.why,
      evidence: outcome.evidence ?? {},
      durationMs: Math.round(performance.now() - t0),
    });
    log(`${check.id} ${verdict} — ${outcome.why}`);
  };

  // Long waits first, so they overlap the rest.
  const shared = options.checks
    .filter((c) => !c.exclusive)
    .sort((a, b) => Number(b.long ?? false) - Number(a.long ?? false));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < shared.length) await execute(shared[next++] as CheckDefinition);
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
  for (const check of options.checks.filter((c) => c.exclusive)) await execute(check);

  const checks = options.checks.map((c) => results.get(c.id) as CheckResult);
  const report: ConformanceReport = {
    schema: 1,
    target: options.description,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    checks,
    exitCode: exitCodeOf(checks, options.strict ?? false),
  };
  return { report, history };
}
