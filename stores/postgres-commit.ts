/**
 * Commits of the PostgreSQL store, batched per session id within one store instance. While a
 * statement for an id is in flight, later commits for it wait; the next statement carries all
 * of them to `sl_commit()`, which applies each on top of the one before under one row lock and
 * returns each its own result. Concurrent commits of one session then cost a few statements
 * instead of a queue of transactions on one row lock.
 */
import { StoreUnavailableError } from '../core/errors.ts';
import type { CommitOptions, CommitResult, DeltaOp } from '../core/store.ts';

export interface CommitRow {
  n: number;
  status: string;
  detail: string | null;
  counters: string[] | null;
}

/** Runs one `sl_commit(id, requests)` statement within `timeoutMs`. */
export type CommitStatement = (
  id: string,
  requests: string,
  timeoutMs: number,
) => Promise<CommitRow[]>;

interface Waiting {
  ops: readonly DeltaOp[];
  options: CommitOptions;
  deadline: number;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

export function commitResult(row: CommitRow | undefined): CommitResult {
  if (row?.status === 'ok') return { status: 'ok', counters: (row.counters ?? []).map(Number) };
  if (row?.status === 'too-large') return { status: 'too-large', bytes: Number(row.detail) };
  if (row?.status === 'not-integer') return { status: 'not-integer', field: String(row.detail) };
  return { status: 'gone' };
}

export class CommitBatcher {
  readonly #statement: CommitStatement;
  /** Commits waiting per id; an entry exists while statements for that id are in flight. */
  readonly #waiting = new Map<string, Waiting[]>();

  constructor(statement: CommitStatement) {
    this.#statement = statement;
  }

  commit(
    id: string,
    ops: readonly DeltaOp[],
    options: CommitOptions,
    timeoutMs: number,
  ): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      // Copied: the request may wait for a later statement, and the caller's array may change.
      const entry = { ops: [...ops], options, deadline: Date.now() + timeoutMs, resolve, reject };
      const queue = this.#waiting.get(id);
      if (queue !== undefined) queue.push(entry);
      else {
        this.#waiting.set(id, [entry]);
        void this.#drain(id);
      }
    });
  }

  async #drain(id: string): Promise<void> {
    for (;;) {
      const batch = this.#waiting.get(id) ?? [];
      if (batch.length === 0) {
        this.#waiting.delete(id);
        return;
      }
      this.#waiting.set(id, []);
      await this.#send(id, batch);
    }
  }

  /** Settles every commit of the batch; never throws. */
  async #send(id: string, batch: readonly Waiting[]): Promise<void> {
    const now = Date.now();
    const live = batch.filter((entry) => entry.deadline > now);
    for (const late of batch.filter((entry) => entry.deadline <= now)) {
      // Never sent, so the outcome is unambiguous: nothing was written for it.
      late.reject(
        new StoreUnavailableError('postgres commit queued past its deadline; nothing was written'),
      );
    }
    if (live.length === 0) return;
    const requests = live.map(({ ops, options }) => ({
      ops,
      ttl_ms: options.ttlMs,
      max_bytes: options.maxBytes,
    }));
    // The statement runs until the latest deadline of the batch, and each commit fails at its
    // own: a commit that joined late must not inherit the nearly spent deadline of one queued
    // early. A commit that times out this way may still land (as any timed-out write).
    const timeoutMs = Math.max(...live.map((entry) => entry.deadline)) - now;
    const timers = live.map((entry) =>
      setTimeout(
        () =>
          entry.reject(
            new StoreUnavailableError('postgres commit timed out; it may still have been written'),
          ),
        entry.deadline - now,
      ),
    );
    try {
      const rows = await this.#statement(id, JSON.stringify(requests), timeoutMs);
      const byPosition = new Map(rows.map((row) => [Number(row.n), row]));
      live.forEach((entry, i) => entry.resolve(commitResult(byPosition.get(i + 1))));
    } catch (error) {
      for (const entry of live) entry.reject(error);
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  }
}
