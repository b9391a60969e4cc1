/**
 * The soak (issue 13 item 10): a long run of mixed requests on one node, its resident memory
 * sampled at the start, the middle and the end. A node that leaks per request or per session
 * keeps growing; a sound one levels off once its caches and pools are warm. Failures are
 * counted by status, never thrown.
 */
import { readFile } from 'node:fs/promises';
import { InvalidOptionError } from '../../core/errors.ts';
import { pooled } from '../conformance/steps.ts';
import { SessionClient } from '../conformance/client.ts';

export interface SoakOptions {
  /** The node's base URL (direct, not through nginx). */
  url: string;
  /** The node's pid, whose RSS is sampled from /proc. */
  pid: number;
  /** The test password of the node. */
  password: string;
  /**
   * Requests in all, logins included.
   * @default 1_000_000
   */
  requests?: number;
  /**
   * Users sending requests at the same time.
   * @default 16
   */
  concurrency?: number;
  /**
   * Each user logs in again after this many requests: sessions churn as in production.
   * @default 100
   */
  requestsPerSession?: number;
}

export const DEFAULT_SOAK_OPTIONS = {
  requests: 1_000_000,
  concurrency: 16,
  requestsPerSession: 100,
} as const;

export interface SoakReport {
  requests: number;
  /** `METHOD status` (or transport error code) -> count. */
  outcomes: Record<string, number>;
  /** Resident set size in MiB after warm-up (1 % of the run), at half-way and at the end. */
  rssMib: { start: number; middle: number; end: number };
  /** The second half grew by at most 10 % of the middle sample (or 5 MiB, whichever is more). */
  leveledOff: boolean;
}

/** VmRSS of `pid` in MiB (Linux /proc). */
export async function rssMibOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (kib === null) throw new Error(`no VmRSS for pid ${pid}: is it running?`);
  return Math.round((Number(kib[1]) / 1024) * 10) / 10;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const o = { ...DEFAULT_SOAK_OPTIONS, ...options };
  for (const field of ['requests', 'concurrency', 'requestsPerSession'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 1)
      throw new InvalidOptionError(`invalid ${field} ${o[field]}: expected an integer >= 1`);
  }
  const outcomes: Record<string, number> = {};
  const count = (key: string): void => void (outcomes[key] = (outcomes[key] ?? 0) + 1);
  const marks = [Math.ceil(o.requests / 100), Math.ceil(o.requests / 2), o.requests];
  const samples: number[] = [];
  let sent = 0;
  const user = (index: number) => async (): Promise<void> => {
    const client = new SessionClient();
    for (let n = 0; sent < o.requests; n++) {
      const step = n % o.requestsPerSession;
      const [method, path, body] =
        step === 0
          ? ['POST', '/login', { user: `soak${index}`, password: o.password }]
          : step % 3 === 0
            ? ['PUT', `/session/data/k${step % 7}`, { value: n }]
            : step % 3 === 1
              ? ['GET', '/me', undefined]
              : ['POST', '/session/counter/hits', undefined];
      sent++;
      const status = await client
        .request(o.url, method, path, body === undefined ? {} : { body })
        .then(
          (reply) => String(reply.status),
          (error: { code?: string }) => error.code ?? 'error',
        );
      count(`${method} ${status}`);
      while (samples.length < marks.length && sent >= (marks[samples.length] as number)) {
        samples.push(await rssMibOf(o.pid));
      }
    }
  };
  await pooled(
    Array.from({ length: o.concurrency }, (_, i) => user(i)),
    o.concurrency,
  );
  const [start = 0, middle = 0, end = 0] = samples;
  const allowance = Math.max(middle * 0.1, 5);
  return {
    requests: sent,
    outcomes,
    rssMib: { start, middle, end },
    leveledOff: end - middle <= allowance,
  };
}
