/**
 * Steps the checks share: log in as a fresh user, find the session cookie in a reply, and
 * record operations in the history. Nothing here reads an id out of a cookie: see identity.ts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { currentSignal } from './abort.ts';
import { SessionClient } from './client.ts';
import type { Reply, RequestOptions } from './client.ts';
import type { HistoryOp } from './history.ts';
import type { CheckContext, Contract } from './types.ts';
import { StepError } from '../../core/errors.ts';

/** A new client logged in through `url`; throws StepError (→ UNKNOWN) when login fails. */
export async function login(
  ctx: CheckContext,
  url: string,
  user = ctx.user(),
  client = new SessionClient(),
): Promise<SessionClient> {
  const reply = await client.request(url, 'POST', '/login', {
    body: { user, password: ctx.target.password },
  });
  if (reply.status !== 200)
    throw new StepError(
      `login through ${url} answered ${reply.status}: ${reply.text.slice(0, 200)}`,
    );
  return client;
}

/** The Set-Cookie line of the session cookie (`name` or `__Host-name`), if the reply has one. */
export function sessionCookieLine(reply: Reply, contract: Contract): string | undefined {
  const names = [contract.cookieName, `__Host-${contract.cookieName}`];
  return reply.setCookie.find((line) => names.includes(line.split('=')[0]?.trim() ?? ''));
}

export function cookieValue(line: string): string {
  const pair = line.split(';')[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1).trim();
}

export function isClearing(line: string): boolean {
  return /;\s*max-age\s*=\s*0\b/i.test(line) || /;\s*expires\s*=[^;]*(19[0-9]{2}|2000)/i.test(line);
}

/** Sends a request and records it in the history. */
export async function recorded(
  ctx: CheckContext,
  entry: Omit<HistoryOp, 'invokeMs' | 'completeMs' | 'status' | 'node'>,
  client: SessionClient,
  url: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<{ reply: Reply; op: HistoryOp }> {
  const invokeMs = ctx.history.now();
  const reply = await client.request(url, method, path, options);
  const completeMs = ctx.history.now();
  const value =
    entry.op === 'read'
      ? reply.status === 200
        ? (reply.body as { value?: unknown }).value
        : undefined
      : entry.value;
  const op = ctx.history.record({
    ...entry,
    value,
    node: reply.node,
    invokeMs,
    completeMs,
    status: reply.status,
  });
  return { reply, op };
}

/** Waits `ms`, or rejects at once when the running check is aborted. */
export const sleep = (ms: number): Promise<void> => {
  const signal = currentSignal();
  return delay(ms, undefined, signal === undefined ? {} : { signal });
};

/** Runs `tasks` with at most `limit` in flight. */
export async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * Runs `fault` while `traffic` runs, then `stop()`s the traffic and waits for it to end. An error
 * of either is thrown once both are done (the fault's first); a traffic error during the fault
 * is never an unhandled rejection (which would end the whole run).
 */
export async function faultUnderTraffic(
  traffic: Promise<void>,
  fault: () => Promise<unknown> | undefined,
  stop: () => void,
): Promise<void> {
  const trafficDone = traffic.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const faulted = await Promise.resolve()
    .then(fault)
    .then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  stop();
  const trafficFailed = await trafficDone;
  if (faulted !== undefined) throw faulted.error;
  if (trafficFailed !== undefined) throw trafficFailed.error;
}
