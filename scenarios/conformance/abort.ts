/**
 * The running check's AbortSignal, carried through every await of that check: the HTTP client
 * and `sleep` pick it up, so a check aborted at its timeout stops sending and waiting at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the current check's signal. */
export function withCheckSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return scope.run(signal, fn);
}

/** The signal of the check this code runs for, if any. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore();
}
