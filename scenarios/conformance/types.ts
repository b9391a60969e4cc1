/**
 * What a conformance check is and what it gets to work with. Checks speak only HTTP to the
 * target (../shared/CONTRACT.md), plus the optional store inspector and fault control.
 */
import type { Level } from '../../core/results.ts';
import type { History } from './history.ts';
import type { Capability, ContractDocument } from '../../core/contract.ts';
import type { Flaw } from '../../reference-servers/flaws.ts';
import type { StatementId } from './contract-statements.ts';

/** The target's `GET /contract` document. */
export type Contract = ContractDocument;

/** At least one URL: `nodes[0]` is always there. */
export type NodeUrls = readonly [string, ...string[]];

/** The node for the i-th step of a round over the nodes (negative: from the end). */
export function nodeAt(nodes: NodeUrls, index: number): string {
  const n = nodes.length;
  return nodes[((index % n) + n) % n] ?? nodes[0];
}

export interface Target {
  label: string;
  /** One base URL per node (direct access). */
  nodes: NodeUrls;
  /** Each node's id from its /contract (X-Node-Id), in the order of `nodes`. */
  nodeIds: string[];
  /** The load balancer's URL; the first node when there is none. */
  entry: string;
  /** True when `entry` is a real load balancer, not a stand-in node. */
  hasEntry: boolean;
  entryTls?: string;
  password: string;
  contract: Contract;
}

/** Read-only access to the target's session store, for the SL-ST checks. */
export interface StoreInspector {
  readonly kind: 'redis' | 'memcached' | 'postgres';
  /** Keys holding `token` (a session id), with their remaining TTL in ms (-1: none). */
  findKeys(token: string): Promise<{ key: string; ttlMs: number }[]>;
  /**
   * Keys whose stored content (hash field names and values, or the item) contains `marker`:
   * how a check finds a session's keys without reading an id out of an opaque cookie.
   */
  keysHolding(marker: string): Promise<{ key: string; ttlMs: number }[]>;
  /** Every stored value under a key (hash fields' values for redis, the item for memcached). */
  values(key: string): Promise<string[]>;
  /** Store write commands served so far (for "a read causes no write"). */
  writeCount(): Promise<number>;
  close(): Promise<void>;
}

/** Faults the harness may cause; each optional one missing makes its checks SKIPPED. */
export interface FaultControl {
  killNode?(index: number): Promise<void>;
  startNode?(index: number): Promise<void>;
  killStore?(): Promise<void>;
  startStore?(): Promise<void>;
  pauseStore?(): Promise<void>;
  resumeStore?(): Promise<void>;
  rollingRestart?(): Promise<void>;
  /** Cuts the store's replicas off until the next failover (its last writes get lost). */
  isolateReplicas?(): Promise<void>;
  /** The store's primaries die, replicas take over; resolves once the store serves again. */
  failover?(): Promise<void>;
}

export type Need =
  | 'entry'
  | 'entry-tls'
  | 'two-nodes'
  | 'store'
  | 'kill-node'
  | 'kill-store'
  | 'pause-store'
  | 'rolling-restart'
  | 'failover';

/** Settings of a run that shape how long some checks wait. */
export interface CheckSettings {
  /**
   * How long the target sits without a request before each store outage of SL-FT-01, so pooled
   * store connections go stale first (`--thorough`: 65 s, past common 60 s idle reapers).
   * @default 2000
   */
  idleBeforeOutageMs: number;
}

export const DEFAULT_CHECK_SETTINGS: CheckSettings = { idleBeforeOutageMs: 2000 };
/** `--thorough`: long enough for connection reapers and NAT timeouts of 60 s. */
export const THOROUGH_CHECK_SETTINGS: CheckSettings = { idleBeforeOutageMs: 65_000 };

export interface CheckContext {
  settings: CheckSettings;
  target: Target;
  store: StoreInspector | undefined;
  faults: FaultControl;
  history: History;
  /** A user name no other check uses. */
  user(): string;
  /** Progress for stderr. */
  log(message: string): void;
  /** Aborted at the check's timeout; the HTTP client and `sleep` already follow it. */
  signal: AbortSignal;
}

export interface Outcome {
  verdict: 'PASS' | 'FAIL' | 'UNKNOWN';
  why: string;
  evidence?: Record<string, unknown>;
}

export interface CheckDefinition {
  id: string;
  title: string;
  level: Level;
  refs: string[];
  /** The CONTRACT.md statements (contract-statements.ts) this check can fail a target on. */
  covers: StatementId[];
  /** Capability the target must claim in /contract, else SKIPPED. */
  capability?: Capability;
  needs?: Need[];
  /** Disturbs the target (faults, store counters): runs alone, after the others. */
  exclusive?: boolean;
  /** Waits out timeouts (seconds): started first, so the wait overlaps the other checks. */
  long?: boolean;
  /** Reference-server flaws this check is proven to catch (the negative controls). */
  provenBy: Flaw[];
  /** A negative control that is not a flaw switch (an INFO check's other setup), in words. */
  provenByOther?: string;
  run(ctx: CheckContext): Promise<Outcome>;
}

export const pass = (why: string, evidence: Record<string, unknown> = {}): Outcome => ({
  verdict: 'PASS',
  why,
  evidence,
});
export const fail = (why: string, evidence: Record<string, unknown> = {}): Outcome => ({
  verdict: 'FAIL',
  why,
  evidence,
});
export const unknown = (why: string, evidence: Record<string, unknown> = {}): Outcome => ({
  verdict: 'UNKNOWN',
  why,
  evidence,
});
