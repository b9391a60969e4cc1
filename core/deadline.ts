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
const pending = new Set<{ at: number; fire: () => void }>();
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

/** Rejects with StoreUnavailableError when `promise` has not settled within `deadlineMs`. */
export function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry = {
      at: Date.now() + deadlineMs,
      fire: () =>
        reject(new StoreUnavailableError(`${what} did not answer within ${deadlineMs} ms`)),
    };
    pending.add(entry);
    sweeper ??= setInterval(sweep, DEADLINE_TICK_MS).unref();
    promise.then(
      (value) => {
        pending.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(entry);
        reject(error);
      },
    );
  });
}
