/**
 * What a check run through a profile works with (profile-checks.ts and the profile-*.ts check
 * files), and the observations they share: who a cookie is on every node, what it reads.
 */
import { SessionClient } from './client.ts';
import type { CheckSettings, FaultControl, Outcome, StoreInspector } from './types.ts';
import type { History } from './history.ts';
import type { ProfileActions } from '../profile/actions.ts';
import type { Profile } from '../profile/types.ts';
import { StepError } from '../../core/errors.ts';

/** What a profile must describe (or the run must provide) for a check to run. */
export type ProfileNeed =
  | 'logout'
  | 'data'
  | 'counter'
  | 'two-nodes'
  | 'idle-timeout'
  | 'absolute-timeout'
  | 'https-entry'
  | 'kill-store'
  | 'kill-node'
  | 'rolling-restart'
  | 'store';

export interface ProfileCheckContext {
  profile: Profile;
  actions: ProfileActions;
  /** Direct node URLs, or the entry alone when the profile gives none. */
  nodes: readonly [string, ...string[]];
  entry: string;
  settings: CheckSettings;
  store: StoreInspector | undefined;
  /** The run's fault control (`--fault-cmd`); the SL-FT checks are skipped without it. */
  faults: FaultControl;
  history: History;
  log(message: string): void;
  signal: AbortSignal;
}

export interface ProfileCheck {
  needs: ProfileNeed[];
  /** Waits out timeouts: started first, so the wait overlaps the other checks. */
  long?: boolean;
  run(ctx: ProfileCheckContext): Promise<Outcome>;
}

/** Each node's whoami for `cookie`: the nodes logged in, and the inconclusive answers. */
export async function observeAll(
  ctx: ProfileCheckContext,
  cookie: string,
): Promise<{ loggedIn: string[]; inconclusive: string[] }> {
  const loggedIn: string[] = [];
  const inconclusive: string[] = [];
  for (const [i, node] of ctx.nodes.entries()) {
    const seen = await ctx.actions.whoami(new SessionClient(), node, cookie);
    if (seen.state === 'in') loggedIn.push(`node ${i + 1}`);
    if (seen.state === 'unknown') inconclusive.push(`node ${i + 1}: ${seen.detail}`);
  }
  return { loggedIn, inconclusive };
}

/** The nodes on which `cookie` reads back `marker`. */
export async function nodesReading(
  ctx: ProfileCheckContext,
  cookie: string,
  marker: string,
): Promise<string[]> {
  const seen: string[] = [];
  for (const [i, node] of ctx.nodes.entries())
    if ((await ctx.actions.read(new SessionClient(), node, cookie)) === marker)
      seen.push(`node ${i + 1}`);
  return seen;
}

/** A new client whose jar holds the cookies of a Cookie header (`a=1; b=2`). */
export function clientWith(cookie: string): SessionClient {
  const client = new SessionClient();
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) client.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return client;
}

/** For a step whose failure is data, not the end of the check: a refused step is undefined. */
export function ignoreStepError(error: unknown): undefined {
  if (error instanceof StepError) return undefined;
  throw error;
}
