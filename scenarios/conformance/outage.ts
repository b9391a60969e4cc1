/**
 * Store outages for the checks that need one (SL-FT, SL-ER): the modes a fault control can
 * cause, the outage itself, and every route that needs the session.
 */
import type { SessionClient } from './client.ts';
import { login, sleep } from './steps.ts';
import type { CheckContext, FaultControl } from './types.ts';

export type OutageMode = 'pause' | 'kill';

/** The outage modes this fault control can cause: paused (data survives) and killed. */
export function outageModes(faults: FaultControl): OutageMode[] {
  const modes: OutageMode[] = [];
  if (faults.pauseStore && faults.resumeStore) modes.push('pause');
  if (faults.killStore && faults.startStore) modes.push('kill');
  return modes;
}

/** Takes the store away (paused when possible: its data survives) and gives it back. */
export async function withStoreOutage<T>(
  ctx: Pick<CheckContext, 'faults'>,
  during: () => Promise<T>,
  mode: OutageMode = outageModes(ctx.faults)[0] ?? 'kill',
): Promise<T> {
  const { faults } = ctx;
  await (mode === 'pause' ? faults.pauseStore?.() : faults.killStore?.());
  try {
    return await during();
  } finally {
    await (mode === 'pause' ? faults.resumeStore?.() : faults.startStore?.());
  }
}

/** Every route that needs the session, as CONTRACT.md lists them. */
export function sessionRoutes(ctx: CheckContext, key: string): [string, string, unknown?][] {
  const routes: [string, string, unknown?][] = [
    ['GET', '/me'],
    ['POST', '/login', { user: ctx.user(), password: ctx.target.password }],
    ['GET', '/session/data'],
    ['GET', `/session/data/${key}`],
    ['PUT', `/session/data/${key}`, { value: 1 }],
    ['DELETE', `/session/data/${key}`],
    ['POST', `/session/counter/${key}`],
    ['POST', '/logout'],
  ];
  if (ctx.target.contract.capabilities.includes('logout-all')) routes.push(['POST', '/logout-all']);
  return routes;
}

/** A login once the store answers again (a restarted store takes a moment to reconnect). */
export async function loginWhenBack(
  ctx: CheckContext,
  url: string = ctx.target.nodes[0] as string,
): Promise<SessionClient> {
  for (let i = 0; ; i++) {
    try {
      return await login(ctx, url);
    } catch (error) {
      if (i >= 50) throw error;
      await sleep(200);
    }
  }
}
