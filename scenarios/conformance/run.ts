/**
 * The conformance library entry: `runConformance(target, options)` starts a local cluster or
 * discovers an external target, runs the selected checks and returns the report. The CLI
 * (`sessionlab conformance`) and `sessionlab suite` both call it; it prints nothing.
 */
import { startCluster } from '../../orchestrator/cluster.ts';
import type { ClusterOptions, LocalCluster } from '../../orchestrator/cluster.ts';
import { TargetError, UsageError } from '../../core/errors.ts';
import type { ConformanceReport, TargetDescription } from '../../core/results.ts';
import { selectChecks } from './catalogue.ts';
import { LOCAL_TIMEOUTS } from './controls.ts';
import { clusterFaults, commandFaults } from './faults.ts';
import type { History } from './history.ts';
import type { CheckSettings } from './types.ts';
import { runChecks } from './runner.ts';
import { createStoreInspector } from './store-inspector.ts';
import { discoverTarget } from './target.ts';
import type { FaultControl, StoreInspector, Target } from './types.ts';
import { ProfileActions } from '../profile/actions.ts';
import type { Profile } from '../profile/types.ts';
import { CONTRACT_VERSION } from '../../core/contract.ts';

/** What to check: a local cluster this call starts and stops, or a running target. */
export type ConformanceTarget =
  | { kind: 'local'; cluster: ClusterOptions }
  | {
      kind: 'external';
      nodes: readonly string[];
      entry?: string;
      entryTls?: string;
      password: string;
      /** The target's store, for the SL-ST checks. */
      storeUrl?: string;
      /** Fault name → shell command (FAULT_COMMANDS). */
      faultCommands?: ReadonlyMap<string, string>;
      /** Fault control in code (`sessionlab mutate`); replaces `faultCommands`. */
      faults?: FaultControl;
      label?: string;
    }
  | {
      kind: 'profile';
      /** Validated, `env:` resolved (../profile/load.ts). */
      profile: Profile;
      storeUrl?: string;
      /** Fault name → shell command (FAULT_COMMANDS), for the SL-FT checks. */
      faultCommands?: ReadonlyMap<string, string>;
      /** Fault control in code; replaces `faultCommands`. */
      faults?: FaultControl;
    };

export interface ConformanceOptions {
  /** Check id globs to run. @default [] (all) */
  only?: readonly string[];
  /** Check id globs to leave out. @default [] */
  skip?: readonly string[];
  /** A failed SHOULD fails the run too. @default false */
  strict?: boolean;
  /** One line per check as it ends. @default none */
  onProgress?: (line: string) => void;
  /** Called once the target is started (local) or discovered, before the first check. */
  onTargetReady?: () => void;
  /** How long some checks wait (the idle spell before store outages). @default DEFAULT_CHECK_SETTINGS */
  settings?: Partial<CheckSettings>;
}

interface Prepared {
  target: Target;
  description: TargetDescription;
  store: StoreInspector | undefined;
  faults: FaultControl;
  cluster?: LocalCluster;
  profile?: ProfileActions;
}

async function prepareLocal(options: ClusterOptions): Promise<Prepared> {
  const cluster = await startCluster({ ...LOCAL_TIMEOUTS, tls: true, ...options });
  try {
    const impl = options.impl ?? 'engine';
    const storeKind = options.store ?? 'redis';
    const label = `${impl} × ${storeKind}${options.flaws?.length ? ` with ${options.flaws.join(', ')}` : ''}`;
    const target = await discoverTarget({
      label,
      nodes: cluster.nodes.map((n) => n.url),
      ...cluster.contractEntry,
      password: cluster.password,
    });
    const description: TargetDescription = {
      label,
      nodes: [...target.nodes],
      entry: target.entry,
      contract: target.contract,
      impl,
      store: storeKind,
      lb: options.lb ?? 'round-robin',
      flaws: [...(options.flaws ?? [])],
    };
    if (target.entryTls) description.entryTls = target.entryTls;
    const store = await createStoreInspector(cluster.stores.url);
    return { target, description, store, faults: clusterFaults(cluster), cluster };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function prepareExternal(
  input: Extract<ConformanceTarget, { kind: 'external' }>,
): Promise<Prepared> {
  const target = await discoverTarget({
    ...(input.label ? { label: input.label } : {}),
    nodes: [...input.nodes],
    password: input.password,
    ...(input.entry ? { entry: input.entry } : {}),
    ...(input.entryTls ? { entryTls: input.entryTls } : {}),
  });
  const description: TargetDescription = {
    label: target.label,
    nodes: [...input.nodes],
    contract: target.contract,
    ...(target.hasEntry ? { entry: target.entry } : {}),
  };
  const store = input.storeUrl ? await createStoreInspector(input.storeUrl) : undefined;
  return {
    target,
    description,
    store,
    faults: input.faults ?? commandFaults(new Map(input.faultCommands ?? [])),
  };
}

/** A profile target: its checks run through the profile's actions, never the contract routes. */
async function prepareProfile(
  input: Extract<ConformanceTarget, { kind: 'profile' }>,
): Promise<Prepared> {
  const { profile } = input;
  const [first = profile.entry, ...rest] = profile.nodes ?? [];
  const target: Target = {
    label: profile.entry,
    nodes: [first, ...rest],
    nodeIds: [],
    entry: profile.entry,
    hasEntry: true,
    password: '',
    // What the profile expects, in the contract's shape; the contract checks never run on it.
    contract: {
      contract: CONTRACT_VERSION,
      node: '',
      cookieName: profile.cookieName ?? '',
      idleTimeoutMs: profile.idleTimeoutMs ?? 0,
      absoluteTimeoutMs: profile.absoluteTimeoutMs ?? 0,
      maxSessionBytes: 0,
      capabilities: [],
    },
  };
  const description: TargetDescription = {
    label: `profile ${profile.entry}`,
    nodes: [...(profile.nodes ?? [])],
    entry: profile.entry,
  };
  const store = input.storeUrl ? await createStoreInspector(input.storeUrl) : undefined;
  const faults = input.faults ?? commandFaults(new Map(input.faultCommands ?? []));
  return { target, description, store, faults, profile: new ProfileActions(profile) };
}

/**
 * Runs the catalogue (or the checks `only`/`skip` select) against `target`. A target that
 * cannot be discovered is a UsageError; the local cluster is always stopped.
 */
export async function runConformance(
  target: ConformanceTarget,
  options: ConformanceOptions = {},
): Promise<{ report: ConformanceReport; history: History }> {
  const checks = selectChecks(options.only ?? [], options.skip ?? []);
  if (checks.length === 0) throw new UsageError('--only/--skip left no check to run (see --list)');
  let prepared: Prepared;
  try {
    prepared =
      target.kind === 'local'
        ? await prepareLocal(target.cluster)
        : target.kind === 'profile'
          ? await prepareProfile(target)
          : await prepareExternal(target);
  } catch (error) {
    if (error instanceof TargetError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  try {
    options.onTargetReady?.();
    options.onProgress?.(`running ${checks.length} checks against ${prepared.target.label}…`);
    return await runChecks({
      ...prepared,
      checks,
      strict: options.strict ?? false,
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await prepared.store?.close();
    await prepared.cluster?.stop();
  }
}
