/**
 * Per-user session index on memcached: one item `<prefix>u:<userKey>` holding the user's session
 * ids and the index's own deadline, changed with add (when absent) or gets + cas (bounded
 * retries). Every update also prunes ids whose session items are gone, read with one multi-get
 * per node.
 *
 * The index lives as long as its sessions can: each add extends its deadline to at least the new
 * session's absolute lifetime (none when sessions have no absolute timeout), and a removal never
 * shortens it — the same rules as the redis index (INDEX_SCRIPT). Deriving it from the sessions'
 * idle deadlines instead would let it expire while activity keeps a session alive, and
 * logout-everywhere would then miss that session.
 */
import { StoreConflictError } from '../core/errors.ts';
import type { MemcachedClient } from './memcached-client.ts';
import { waitBeforeCasRetry } from './memcached-commit.ts';
import {
  decodeIndex,
  decodeSession,
  encodeIndex,
  exptimeFor,
  sessionKey,
  userIndexKey,
} from './memcached-item.ts';
import type { UserIndex } from './memcached-item.ts';

/** How long an emptied index stays (as `[]`) instead of being deleted. */
const EMPTY_INDEX_MS = 1000;

interface IndexChange {
  change: (ids: readonly string[]) => string[];
  /** Kept without checking its session (it may be written a moment later). */
  keep?: string;
  /** The index's deadline given its current one (undefined: absent) and the time now. */
  expiresAt: (current: number | undefined, now: number) => number;
}

export class MemcachedUserIndex {
  readonly #client: MemcachedClient;
  readonly #prefix: string;
  readonly #maxCasRetries: number;

  constructor(client: MemcachedClient, prefix: string, maxCasRetries: number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#maxCasRetries = maxCasRetries;
  }

  /**
   * Adds `id`; the index then lives at least `ttlMs` more (0: forever, no absolute lifetime).
   * Resolves with the ids of live sessions beyond `maxSessions` (0: none), oldest first.
   */
  async add(
    userKey: string,
    id: string,
    ttlMs: number,
    maxSessions: number,
    deadline: number,
  ): Promise<string[]> {
    const change = (ids: readonly string[]): string[] =>
      ids.includes(id) ? [...ids] : [...ids, id];
    const expiresAt = (current: number | undefined, now: number): number =>
      ttlMs <= 0 || current === 0 ? 0 : Math.max(current ?? 0, now + ttlMs);
    const ids = await this.#update(userKey, { change, keep: id, expiresAt }, deadline);
    if (maxSessions <= 0) return [];
    // Ids are appended at login, so the oldest come first.
    const others = ids.filter((other) => other !== id);
    return others.slice(0, Math.max(0, others.length + 1 - maxSessions));
  }

  async list(userKey: string, deadline: number): Promise<string[]> {
    const key = userIndexKey(this.#prefix, userKey);
    return decodeIndex(key, await this.#client.get(key, deadline))?.ids ?? [];
  }

  async remove(
    userKey: string,
    ids: readonly string[] | undefined,
    deadline: number,
  ): Promise<void> {
    if (ids === undefined) {
      await this.#client.del(userIndexKey(this.#prefix, userKey), deadline);
      return;
    }
    const drop = new Set(ids);
    const change = (current: readonly string[]): string[] => current.filter((id) => !drop.has(id));
    await this.#update(userKey, { change, expiresAt: (current) => current ?? 0 }, deadline);
  }

  /** Applies the change; resolves with the ids written (the live ones, plus `keep`). */
  async #update(userKey: string, update: IndexChange, deadline: number): Promise<string[]> {
    const key = userIndexKey(this.#prefix, userKey);
    for (let attempt = 0; ; attempt++) {
      const item = await this.#client.gets(key, deadline);
      const current = decodeIndex(key, item?.value);
      const changed = update.change(current?.ids ?? []);
      if (item === undefined && changed.length === 0) return [];
      const now = Date.now();
      const ids = await this.#prune(changed, update.keep, now, deadline);
      // An emptied index is written as [] for a second rather than deleted: a delete cannot be
      // conditional on the cas token, and would drop an id added meanwhile.
      const index: UserIndex = {
        ids,
        expiresAt:
          ids.length === 0 ? now + EMPTY_INDEX_MS : update.expiresAt(current?.expiresAt, now),
      };
      const text = encodeIndex(index);
      const exptime = exptimeFor(index.expiresAt);
      const stored =
        item === undefined
          ? await this.#client.add(key, text, exptime, deadline)
          : await this.#client.cas(key, text, item.cas, exptime, deadline);
      if (stored) return ids;
      if (attempt >= this.#maxCasRetries) {
        throw new StoreConflictError(
          `memcached user index update lost ${attempt + 1} races in a row; nothing was written`,
        );
      }
      await waitBeforeCasRetry(attempt);
    }
  }

  /** The ids whose sessions are live, plus `keep`. */
  async #prune(
    ids: readonly string[],
    keep: string | undefined,
    now: number,
    deadline: number,
  ): Promise<string[]> {
    const keys = new Map(ids.map((id) => [id, sessionKey(this.#prefix, id)]));
    const found = await this.#client.getMulti([...keys.values()], deadline);
    return ids.filter((id) => {
      if (id === keep) return true;
      const key = keys.get(id) ?? '';
      return decodeSession(key, found.get(key), now) !== null;
    });
  }
}
