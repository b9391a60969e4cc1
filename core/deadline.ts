/**
 * Deadlines for store calls: a promise that has not settled in time rejects with
 * StoreUnavailableError, so a slow store fails closed instead of hanging the request.
 */
import { StoreUnavailableError } from './errors.ts';

/**
 * Pending deadlines, swept by one shared timer rather than one timer per store call (a timer
 * and a Promise.race per call cost about 10 µs of a ~100 µs request). The sweep runs every
 * DEADLINE_TICK_MS, so a deadline fires up to that much late.
 */
const DEADLINE_TICK_MS = 25;

/** One pending call: the wrapper's settle functions and what to say when it runs out. */
class Pending<T> {
  constructor(
    readonly at: number,
    readonly timeout: () => Error,
    readonly resolve: (value: T) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** Settles the wrapper with the call's outcome, unless the deadline already fired. */
  settle(ok: boolean, outcome: unknown): void {
    if (!pending.delete(this)) return;
    if (ok) this.resolve(outcome as T);
    else this.reject(outcome);
  }

  fire(): void {
    this.reject(this.timeout());
  }
}

const pending = new Set<Pending<never>>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = Date.now();
  for (const entry of pending) {
    if (entry.at <= now) {
      pending.delete(entry);
      entry.fire();
    }
  }
  if (pending.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Rejects with StoreUnavailableError when `promise` has not settled within `deadlineMs`.
 * `what` names the call in that error; a function is only called if the deadline fires, so a
 * caller on a hot path builds no string per call.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  deadlineMs: number,
  what: string | (() => string),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timeout = (): Error => {
      const name = typeof what === 'string' ? what : what();
      return new StoreUnavailableError(`${name} did not answer within ${deadlineMs} ms`);
    };
    const entry = new Pending<T>(Date.now() + deadlineMs, timeout, resolve, reject);
    pending.add(entry as Pending<never>);
    sweeper ??= setInterval(sweep, DEADLINE_TICK_MS).unref();
    promise.then(
      (value) => entry.settle(true, value),
      (error: unknown) => entry.settle(false, error),
    );
  });
}
