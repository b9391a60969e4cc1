/**
 * Delta commits on memcached: gets → apply → cas, retried on conflict, and coalesced per session
 * within one store instance. While a round for an id is in flight, further commits for that id
 * queue; the next round applies all of them in one gets/cas, each on top of the one before, and
 * hands each its own result. So 1,000 concurrent increments from one process cost a handful of
 * rounds, and cas contention is left only between processes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreConflictError, StoreUnavailableError } from '../core/errors.ts';
import { applyOps } from '../core/store.ts';
import type { CommitResult, DeltaOp, Fields } from '../core/store.ts';

/** The two item operations a commit round needs, bound to one session id. */
export interface CasSessionIo {
  /** The live session and its cas token; null when absent, a tombstone, or expired. */
  read(id: string, deadline: number): Promise<{ fields: Fields; cas: string } | null>;
  /** Writes if unchanged since `read`; false when the item changed or vanished meanwhile. */
  write(id: string, fields: Fields, ttlMs: number, cas: string, deadline: number): Promise<boolean>;
}

export interface CommitRequest {
  ops: readonly DeltaOp[];
  maxBytes: number;
  ttlMs: number;
}

export interface BatchOutcome {
  results: CommitResult[];
  fields: Fields;
  /** TTL of the last request that applied; undefined when none did (nothing to write). */
  ttlMs: number | undefined;
}

export interface CommitStats {
  /** Commit requests settled. */
  commits: number;
  /** gets/cas rounds run (one per batch, plus one per cas conflict). */
  rounds: number;
  /** cas writes refused because another writer got there first. */
  casConflicts: number;
}

interface Pending extends CommitRequest {
  deadline: number;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Applies each request's ops in order on top of the previous request's outcome. A request that
 * is too large or hits a non-integer gets that result and changes nothing; later ones still apply.
 */
export function applyBatch(fields: Fields, requests: readonly CommitRequest[]): BatchOutcome {
  let current = fields;
  let ttlMs: number | undefined;
  const results = requests.map((request) => {
    const applied = applyOps(current, request.ops, request.maxBytes);
    if (applied.result.status === 'ok') {
      current = applied.fields;
      ttlMs = request.ttlMs;
    }
    return applied.result;
  });
  return { results, fields: current, ttlMs };
}

/** Waits 1–5 ms, growing with the attempt, so competing writers fall out of step. */
export function waitBeforeCasRetry(attempt: number): Promise<void> {
  const spreadMs = Math.min(4, attempt + 1);
  return sleep(1 + Math.random() * spreadMs);
}

export class CommitCoalescer {
  readonly #io: CasSessionIo;
  readonly #maxCasRetries: number;
  /** Commits waiting for the next round, per id; an entry exists while a drain loop runs. */
  readonly #queued = new Map<string, Pending[]>();
  readonly #stats: CommitStats = { commits: 0, rounds: 0, casConflicts: 0 };

  constructor(io: CasSessionIo, maxCasRetries: number) {
    this.#io = io;
    this.#maxCasRetries = maxCasRetries;
  }

  commit(id: string, request: CommitRequest, deadline: number): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { ...request, deadline, resolve, reject };
      const queue = this.#queued.get(id);
      if (queue !== undefined) {
        queue.push(pending);
        return;
      }
      this.#queued.set(id, [pending]);
      void this.#drain(id);
    });
  }

  stats(): CommitStats {
    return { ...this.#stats };
  }

  async #drain(id: string): Promise<void> {
    // One macrotask turn lets commits issued in the same burst join the first round.
    await new Promise((resolve) => setImmediate(resolve));
    for (;;) {
      const batch = this.#queued.get(id) ?? [];
      if (batch.length === 0) {
        this.#queued.delete(id);
        return;
      }
      this.#queued.set(id, []);
      await this.#round(id, batch);
    }
  }

  /** Settles every request of the batch; never throws. */
  async #round(id: string, batch: readonly Pending[]): Promise<void> {
    const now = Date.now();
    const live = batch.filter((pending) => pending.deadline > now);
    for (const late of batch.filter((pending) => pending.deadline <= now)) {
      // Never applied, so the outcome is unambiguous: nothing was written for it.
      late.reject(
        new StoreUnavailableError('memcached commit queued past its deadline; nothing was written'),
      );
    }
    if (live.length === 0) return;
    // The round ends no later than the earliest deadline among its requests.
    const deadline = Math.min(...live.map((pending) => pending.deadline));
    this.#stats.commits += live.length;
    try {
      const results = await this.#casLoop(id, live, deadline);
      live.forEach((pending, i) => pending.resolve(results[i] ?? { status: 'gone' }));
    } catch (error) {
      for (const pending of live) pending.reject(error);
    }
  }

  async #casLoop(id: string, batch: readonly Pending[], deadline: number): Promise<CommitResult[]> {
    for (let attempt = 0; ; attempt++) {
      this.#stats.rounds++;
      const current = await this.#io.read(id, deadline);
      // Absent (or gone since a refused cas): never recreate.
      if (current === null) return batch.map(() => ({ status: 'gone' }));
      const outcome = applyBatch(current.fields, batch);
      if (outcome.ttlMs === undefined) return outcome.results;
      if (await this.#io.write(id, outcome.fields, outcome.ttlMs, current.cas, deadline)) {
        return outcome.results;
      }
      this.#stats.casConflicts++;
      if (attempt >= this.#maxCasRetries) {
        throw new StoreConflictError(
          `memcached commit lost ${attempt + 1} cas races in a row; nothing was written, retry later`,
        );
      }
      await waitBeforeCasRetry(attempt);
    }
  }
}
