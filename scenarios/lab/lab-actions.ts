/**
 * What the lab page's buttons do to the running cluster: faults through the cluster's own
 * operations, a key rotation, flaw switches, and bursts of concurrent increments. Input is
 * checked here; a mistake is a ClientError (4xx) in public words.
 */
import { ClientError } from '../../core/errors.ts';
import type { LocalCluster } from '../../orchestrator/cluster.ts';
import { FLAWS, isFlaw } from '../../reference-servers/flaws.ts';
import type { Flaw } from '../../reference-servers/flaws.ts';
import { send } from '../conformance/client.ts';

export interface BurstResult {
  sent: number;
  ok: number;
  /** Requests answered per node id. */
  perNode: Record<string, number>;
  before: number;
  after: number;
  /** Increments answered 200 that the counter does not show. */
  lost: number;
}

/** At most this many increments per burst: enough to show lost updates, bounded. */
export const MAX_BURST = 200;
const COUNTER_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

function integerIn(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ClientError(400, `${what} must be an integer from ${min} to ${max}`);
  return value;
}

export function checkNodeIndex(cluster: LocalCluster, value: unknown): number {
  return integerIn(value, 0, cluster.nodes.length - 1, 'node');
}

export function checkStoreIndex(cluster: LocalCluster, value: unknown): number {
  return integerIn(value, 0, cluster.stores.processes.length - 1, 'store');
}

/** The cluster's flaws with `name` switched on or off. */
export function flawsWith(cluster: LocalCluster, name: unknown, on: unknown): Flaw[] {
  if (cluster.options.impl === 'express-session')
    throw new ClientError(409, 'flaw switches exist only on the engine nodes');
  if (typeof name !== 'string' || !isFlaw(name))
    throw new ClientError(400, `flaw must be one of: ${Object.keys(FLAWS).join(', ')}`);
  if (typeof on !== 'boolean') throw new ClientError(400, 'on must be true or false');
  const others = cluster.flaws.filter((flaw) => flaw !== name);
  return on ? [...others, name] : others;
}

async function counterValue(base: string, key: string, cookie: string): Promise<number> {
  const reply = await send(`${base}/session/data/${key}`, 'GET', { cookie, timeoutMs: 3000 });
  const value = (reply.body as { value?: unknown } | undefined)?.value;
  return typeof value === 'number' ? value : 0;
}

/**
 * Fires `n` concurrent increments of the page's session counter through the load balancer
 * (which spreads them over the nodes), then compares the counter with what was answered.
 */
export async function burst(
  base: string,
  cookie: string | undefined,
  body: { n?: unknown; key?: unknown },
): Promise<BurstResult> {
  const n = integerIn(body.n, 1, MAX_BURST, 'n');
  const key = body.key ?? 'hits';
  if (typeof key !== 'string' || !COUNTER_KEY.test(key))
    throw new ClientError(400, 'key must match ^[A-Za-z0-9_.-]{1,64}$');
  if (cookie === undefined || cookie === '')
    throw new ClientError(409, 'no session yet: log in or write something first');
  const before = await counterValue(base, key, cookie);
  const replies = await Promise.all(
    Array.from({ length: n }, () =>
      send(`${base}/session/counter/${key}`, 'POST', { cookie, timeoutMs: 5000 }).catch(
        () => undefined,
      ),
    ),
  );
  const perNode: Record<string, number> = {};
  let ok = 0;
  for (const reply of replies) {
    if (reply === undefined) continue;
    if (reply.status === 200) ok++;
    const node = reply.node ?? 'load balancer';
    perNode[node] = (perNode[node] ?? 0) + 1;
  }
  const after = await counterValue(base, key, cookie);
  return { sent: n, ok, perNode, before, after, lost: Math.max(0, before + ok - after) };
}
