/**
 * "Same session or a new one", decided by behaviour: a cookie value is opaque (it may be a new
 * string on every response), so two cookies are one session exactly when a marker written
 * through one is visible through the other — on any node — or, with a store inspector, when
 * the same store key holds both markers.
 */
import { randomBytes } from 'node:crypto';
import { SessionClient } from './client.ts';
import type { CheckContext } from './types.ts';

/** A data key and value no other request of the run uses (also a valid contract key). */
export function newMarker(prefix: string): string {
  return `${prefix}-${randomBytes(9)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** Writes `{marker: marker}` through `cookie` (the jar's when omitted) on node 0; the status. */
export async function writeMarker(
  ctx: CheckContext,
  client: SessionClient,
  marker: string,
  cookie?: string,
): Promise<number> {
  const reply = await client.request(ctx.target.nodes[0], 'PUT', `/session/data/${marker}`, {
    body: { value: marker },
    ...(cookie === undefined ? {} : { cookie }),
  });
  return reply.status;
}

/** The nodes (`node 2`, …) on which replaying `cookie` reads back `marker`. */
export async function nodesSeeing(
  ctx: CheckContext,
  cookie: string,
  marker: string,
): Promise<string[]> {
  const seen: string[] = [];
  for (const [i, node] of ctx.target.nodes.entries()) {
    const reply = await new SessionClient().request(node, 'GET', `/session/data/${marker}`, {
      cookie,
    });
    if (reply.status === 200 && (reply.body as { value?: unknown }).value === marker)
      seen.push(`node ${i + 1}`);
  }
  return seen;
}

/** Store keys holding `marker`, or undefined without an inspector. */
export async function storeKeysOf(
  ctx: CheckContext,
  marker: string,
): Promise<{ key: string; ttlMs: number }[] | undefined> {
  return ctx.store === undefined ? undefined : ctx.store.keysHolding(marker);
}

/** Keys present in both lists (the same stored session behind two markers). */
export function sharedKeys(
  a: readonly { key: string }[] | undefined,
  b: readonly { key: string }[] | undefined,
): string[] {
  if (a === undefined || b === undefined) return [];
  const names = new Set(a.map((k) => k.key));
  return b.map((k) => k.key).filter((key) => names.has(key));
}

/** The value of the session cookie in a Cookie header (`name` or `__Host-name`). */
export function sessionCookieValue(cookie: string, cookieName: string): string | undefined {
  for (const pair of cookie.split(/;\s*/)) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    if (name === cookieName || name === `__Host-${cookieName}`) return pair.slice(eq + 1);
  }
  return undefined;
}
