/**
 * Process-local session store: a Map with expiry by timestamp. It is NOT shared between nodes,
 * which is the point: it is the negative control that multi-node scenarios must catch. It still
 * implements the SessionStore contract exactly (no recreation on commit, atomic take, pruned
 * user index), so single-node results are comparable with the real stores.
 *
 * Expiry is lazy (an expired entry reads as absent and is deleted on access) plus a sweep every
 * few seconds on an unref'd timer, so idle entries do not pile up and the timer never keeps the
 * process alive. Fields are copied in and out: callers never hold a reference to stored state.
 */
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';
import { applyOps } from '../core/store.ts';
import type {
  CommitOptions,
  CommitResult,
  DeltaOp,
  Fields,
  LoadedSession,
  SessionStore,
} from '../core/store.ts';

export interface MemoryStoreOptions {
  /** Interval between sweeps of expired entries, in milliseconds. @default 5000 */
  sweepIntervalMs?: number;
}

export const DEFAULT_MEMORY_STORE_OPTIONS = { sweepIntervalMs: 5000 } as const;

interface Entry<T> {
  value: T;
  /** Epoch milliseconds after which the entry is absent. */
  expiresAt: number;
}

export class MemoryStore implements SessionStore {
  readonly kind = 'memory';
  readonly #sessions = new Map<string, Entry<Fields>>();
  /** Session ids per user key, in the order they were indexed. */
  readonly #users = new Map<string, Entry<string[]>>();
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const { sweepIntervalMs } = options;
    if (
      sweepIntervalMs !== undefined &&
      !(Number.isInteger(sweepIntervalMs) && sweepIntervalMs > 0)
    ) {
      throw new InvalidOptionError(
        `invalid sweepIntervalMs ${sweepIntervalMs}: expected a positive integer (milliseconds)`,
      );
    }
    const intervalMs = sweepIntervalMs ?? DEFAULT_MEMORY_STORE_OPTIONS.sweepIntervalMs;
    this.#sweeper = setInterval(() => this.#sweep(), intervalMs).unref();
  }

  async connect(): Promise<void> {
    this.#checkOpen();
  }

  async load(id: string): Promise<LoadedSession | null> {
    const entry = this.#live(this.#sessions, id);
    if (entry === undefined) return null;
    return { fields: { ...entry.value }, ttlMs: entry.expiresAt - Date.now() };
  }

  async create(id: string, fields: Fields, ttlMs: number): Promise<boolean> {
    if (this.#live(this.#sessions, id) !== undefined) return false;
    this.#sessions.set(id, { value: { ...fields }, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async commit(id: string, ops: readonly DeltaOp[], options: CommitOptions): Promise<CommitResult> {
    const entry = this.#live(this.#sessions, id);
    if (entry === undefined) return { status: 'gone' };
    // applyOps works on a copy and returns it only when every op applied.
    const { result, fields } = applyOps(entry.value, ops, options.maxBytes);
    if (result.status === 'ok') {
      this.#sessions.set(id, { value: fields, expiresAt: Date.now() + options.ttlMs });
    }
    return result;
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    const entry = this.#live(this.#sessions, id);
    if (entry === undefined) return false;
    entry.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async take(id: string): Promise<Fields | null> {
    const entry = this.#live(this.#sessions, id);
    if (entry === undefined) return null;
    this.#sessions.delete(id);
    return entry.value;
  }

  async destroy(id: string): Promise<boolean> {
    const existed = this.#live(this.#sessions, id) !== undefined;
    this.#sessions.delete(id);
    return existed;
  }

  async indexUser(userKey: string, id: string, ttlMs: number, maxSessions = 0): Promise<string[]> {
    const entry = this.#live(this.#users, userKey);
    const ids = (entry?.value ?? []).filter(
      (other) => other !== id && this.#live(this.#sessions, other) !== undefined,
    );
    // At least ttlMs more, never shorter than before; 0 (no absolute lifetime): forever.
    const forever = ttlMs <= 0 || entry?.expiresAt === Infinity;
    const expiresAt = forever ? Infinity : Math.max(entry?.expiresAt ?? 0, Date.now() + ttlMs);
    this.#users.set(userKey, { value: [...ids, id], expiresAt });
    // Oldest first (logins append), so the overflow is the front of the list.
    return maxSessions > 0 ? ids.slice(0, Math.max(0, ids.length + 1 - maxSessions)) : [];
  }

  async userSessions(userKey: string): Promise<string[]> {
    return [...(this.#live(this.#users, userKey)?.value ?? [])];
  }

  async unindexUser(userKey: string, ids?: readonly string[]): Promise<void> {
    const entry = this.#live(this.#users, userKey);
    if (entry === undefined) return;
    if (ids === undefined) {
      this.#users.delete(userKey);
      return;
    }
    const drop = new Set(ids);
    entry.value = entry.value.filter((id) => !drop.has(id));
    if (entry.value.length === 0) this.#users.delete(userKey);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sessions.clear();
    this.#users.clear();
  }

  /** The entry under `key` unless expired; an expired entry is deleted on the way. */
  #live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    this.#checkOpen();
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    map.delete(key);
    return undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const map of [this.#sessions, this.#users]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreUnavailableError('memory store is closed; create a new one');
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}
