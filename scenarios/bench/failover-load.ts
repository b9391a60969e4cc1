/**
 * A store failover under load (issue 13 item 4): a bounded mix of logins, reads and writes
 * through the load balancer, the store's primaries failed over in the middle, then what users
 * saw. Reported: how long answers failed (the first failed answer after the failover began to
 * the first good answer after the last failed one), requests by operation and status, and the
 * guarantee of `replicaAcks ≥ 1` judged on every answer: no 5xx but 503, no 401 for a session
 * that was logged in, every acknowledged login still logged in at the end. Failures are counted,
 * never thrown.
 */
import { InvalidOptionError } from '../../core/errors.ts';
import { SessionClient } from '../conformance/client.ts';
import type { Reply } from '../conformance/client.ts';
import { sleep } from '../conformance/steps.ts';

export interface FailoverLoadOptions {
  /** The load balancer's base URL. */
  entry: string;
  password: string;
  /** Starts the failover; resolves once the new topology serves, with its own duration. */
  failover: () => Promise<{ ms: number }>;
  /** Users sending requests at the same time. @default 8 */
  concurrency?: number;
  /** Sessions logged in before the load starts. @default 16 */
  sessions?: number;
  /** Load before the failover starts, in milliseconds. @default 2000 */
  beforeMs?: number;
  /** Load after the failover resolved, in milliseconds. @default 3000 */
  afterMs?: number;
  /** Bound on the requests of the load, whatever the time. @default 200_000 */
  maxRequests?: number;
}

export const DEFAULT_FAILOVER_LOAD_OPTIONS = {
  concurrency: 8,
  sessions: 16,
  beforeMs: 2000,
  afterMs: 3000,
  maxRequests: 200_000,
} as const;

type Op = 'login' | 'read' | 'write';

export interface FailoverLoadReport {
  schema: 1;
  /** What the store's failover control measured: first kill to the new topology serving. */
  failoverMs: number;
  /**
   * First failed answer (no answer, or a 5xx) after the failover began, to the
   * first good answer after the last failed one; 0 when nothing failed.
   */
  unavailableMs: number;
  requests: number;
  /** `op status` → count; status 0 is no answer (transport error or timeout). */
  byStatus: Record<string, number>;
  /** Sessions logged in (login answered 200) before the end, all checked at the end. */
  loggedIn: number;
  /** The guarantee, judged; an empty list is the pass. */
  violations: string[];
}

const REQUEST_TIMEOUT_MS = 5000;
/** How long the final check waits for a 503 to turn into an answer (bounded). */
const SETTLE_TRIES = 50;
const SETTLE_PAUSE_MS = 200;
const MAX_LISTED_VIOLATIONS = 20;
const DATA_PATH = '/session/data/load';

interface Sample {
  op: Op;
  status: number;
  /** When the answer came, ms since the load began. */
  at: number;
}

function checkCount(field: string, value: number, min: number, max: number): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  throw new InvalidOptionError(
    `invalid ${field} ${value}: expected an integer from ${min} to ${max}`,
  );
}

export type LoadShape = Pick<
  FailoverLoadOptions,
  'concurrency' | 'sessions' | 'beforeMs' | 'afterMs' | 'maxRequests'
>;

/** The load's numbers, checked and defaulted; throws InvalidOptionError naming a bad one. */
export function resolveFailoverLoadOptions(input: LoadShape) {
  const d = DEFAULT_FAILOVER_LOAD_OPTIONS;
  return {
    concurrency: checkCount('concurrency', input.concurrency ?? d.concurrency, 1, 256),
    sessionCount: checkCount('sessions', input.sessions ?? d.sessions, 1, 10_000),
    beforeMs: checkCount('beforeMs', input.beforeMs ?? d.beforeMs, 0, 600_000),
    afterMs: checkCount('afterMs', input.afterMs ?? d.afterMs, 0, 600_000),
    maxRequests: checkCount('maxRequests', input.maxRequests ?? d.maxRequests, 1, 10_000_000),
  };
}

export async function runFailoverLoad(input: FailoverLoadOptions): Promise<FailoverLoadReport> {
  const { concurrency, sessionCount, beforeMs, afterMs, maxRequests } =
    resolveFailoverLoadOptions(input);
  const { entry, password } = input;
  const violations: string[] = [];
  const violate = (text: string): void => {
    if (violations.length < MAX_LISTED_VIOLATIONS) violations.push(text);
  };
  let users = 0;
  const login = async (): Promise<{ reply: Reply | undefined; cookie: string }> => {
    const client = new SessionClient();
    const body = { user: `fl-user-${++users}`, password };
    const reply = await client
      .request(entry, 'POST', '/login', { body, timeoutMs: REQUEST_TIMEOUT_MS })
      .catch(() => undefined);
    return { reply, cookie: client.cookie };
  };
  const sessions: string[] = [];
  for (let i = 0; i < sessionCount; i++) {
    const { reply, cookie } = await login();
    if (reply?.status !== 200)
      throw new Error(`a login before the load answered ${reply?.status ?? 'nothing'}`);
    sessions.push(cookie);
    await new SessionClient().request(entry, 'PUT', DATA_PATH, {
      cookie,
      body: { value: 'v0' },
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  }

  const began = Date.now();
  const samples: Sample[] = [];
  let failoverStartedAt: number | undefined;
  let stopAt = Number.POSITIVE_INFINITY;
  let sent = 0;
  const judge = (op: Op, reply: Reply | undefined): void => {
    const status = reply?.status ?? 0;
    samples.push({ op, status, at: Date.now() - began });
    if (status >= 500 && status !== 503) violate(`${op} answered ${status}`);
    if (op !== 'login' && status === 401) {
      const renewed = reply?.setCookie.length ? ' with a new cookie' : '';
      violate(`${op} of a logged-in session answered 401${renewed}`);
    }
  };
  const user = async (index: number): Promise<void> => {
    for (let step = 0; Date.now() - began < stopAt && sent < maxRequests; step++) {
      sent++;
      const kind = (index + step) % 10;
      if (kind === 0) {
        const { reply, cookie } = await login();
        judge('login', reply);
        if (reply?.status === 200) sessions.push(cookie);
        continue;
      }
      const cookie = sessions[(index * 7 + step) % sessions.length] ?? '';
      const op: Op = kind <= 3 ? 'write' : 'read';
      const options = { cookie, timeoutMs: REQUEST_TIMEOUT_MS };
      const reply = await new SessionClient()
        .request(
          entry,
          op === 'write' ? 'PUT' : 'GET',
          DATA_PATH,
          op === 'write' ? { ...options, body: { value: `v${step}` } } : options,
        )
        .catch(() => undefined);
      judge(op, reply);
    }
  };
  const load = Promise.all(Array.from({ length: concurrency }, (_, i) => user(i)));
  const failover = (async () => {
    await sleep(beforeMs);
    failoverStartedAt = Date.now() - began;
    const report = await input.failover();
    stopAt = Date.now() - began + afterMs;
    return report;
  })();
  // A failover that throws still ends the load.
  const failoverReport = await failover.finally(() => {
    if (stopAt === Number.POSITIVE_INFINITY) stopAt = 0;
  });
  await load;

  const loggedIn = sessions.length;
  for (const [i, cookie] of sessions.entries()) {
    let status = 0;
    for (let tries = 0; tries < SETTLE_TRIES; tries++) {
      const reply = await new SessionClient()
        .request(entry, 'GET', '/me', { cookie, timeoutMs: REQUEST_TIMEOUT_MS })
        .catch(() => undefined);
      status = reply?.status ?? 0;
      if (status !== 503 && status !== 0) break;
      await sleep(SETTLE_PAUSE_MS);
    }
    if (status !== 200) violate(`logged-in session ${i + 1} answered GET /me ${status} at the end`);
  }

  const byStatus: Record<string, number> = {};
  for (const s of samples)
    byStatus[`${s.op} ${s.status}`] = (byStatus[`${s.op} ${s.status}`] ?? 0) + 1;
  return {
    schema: 1,
    failoverMs: failoverReport.ms,
    unavailableMs: unavailableMs(samples, failoverStartedAt ?? 0),
    requests: samples.length,
    byStatus,
    loggedIn,
    violations,
  };
}

/** No answer, or a 5xx: the store was not there. A 404 (a key not written yet) is an answer. */
const failed = (status: number): boolean => status === 0 || status >= 500;

/** First failed answer at or after `from`, to the first good answer after the last failed one. */
export function unavailableMs(samples: readonly Sample[], from: number): number {
  const later = samples.filter((s) => s.at >= from).sort((a, b) => a.at - b.at);
  const good = (s: Sample): boolean => !failed(s.status);
  const firstFail = later.find((s) => !good(s));
  if (firstFail === undefined) return 0;
  const lastFail = later.findLast((s) => !good(s)) ?? firstFail;
  const recovered = later.find((s) => s.at >= lastFail.at && good(s));
  return (recovered ?? lastFail).at - firstFail.at;
}
