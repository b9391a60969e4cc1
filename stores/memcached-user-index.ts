/**
 * Per-user session index on memcached: one item `<prefix>u:<userKey>` holding a JSON array of
 * session ids, changed with add (when absent) or gets + cas (bounded retries). Every update also
 * prunes ids whose session items are gone, read with one multi-get per node.
 */
import { StoreConflictError } from '../session/errors.ts';
import type { MemcachedClient } from './memcached-client.ts';
import { waitBeforeCasRetry } from './memcached-commit.ts';
import {
  decodeIndex,
  decodeSession,
  expirySeconds,
  sessionKey,
  userIndexKey,
} from './memcached-item.ts';

interface IndexChange {
  change: (ids: readonly string[]) => string[];
  /** Kept without checking its session (it may be written a moment later). */
  keep?: string;
  /** The index lives at least this long, and as long as its longest-lived session. */
  minTtlMs: number;
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

  async add(userKey: string, id: string, ttlMs: number, deadline: number): Promise<void> {
    const change = (ids: readonly string[]): string[] =>
      ids.includes(id) ? [...ids] : [...ids, id];
    await this.#update(userKey, { change, keep: id, minTtlMs: ttlMs }, deadline);
  }

  async list(userKey: string, deadline: number): Promise<string[]> {
    const key = userIndexKey(this.#prefix, userKey);
    return decodeIndex(key, await this.#client.get(key, deadline));
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
    await this.#update(userKey, { change, minTtlMs: 0 }, deadline);
  }

  async #update(userKey: string, update: IndexChange, deadline: number): Promise<void> {
    const key = userIndexKey(this.#prefix, userKey);
    for (let attempt = 0; ; attempt++) {
      const item = await this.#client.gets(key, deadline);
      const changed = update.change(decodeIndex(key, item?.value));
      if (item === undefined && changed.length === 0) return;
      const now = Date.now();
      const { ids, ttlMs } = await this.#prune(changed, update.keep, now, deadline);
      // An emptied index is written as [] for a second rather than deleted: a delete cannot be
      // conditional on the cas token, and would drop an id added meanwhile.
      const text = JSON.stringify(ids);
      const seconds = expirySeconds(Math.max(update.minTtlMs, ttlMs), now);
      const stored =
        item === undefined
          ? await this.#client.add(key, text, seconds, deadline)
          : await this.#client.cas(key, text, item.cas, seconds, deadline);
      if (stored) return;
      if (attempt >= this.#maxCasRetries) {
        throw new StoreConflictError(
          `memcached user index update lost ${attempt + 1} races in a row; nothing was written`,
        );
      }
      await waitBeforeCasRetry(attempt);
    }
  }

  /** The ids whose sessions are live (plus `keep`), and the longest TTL left among them. */
  async #prune(
    ids: readonly string[],
    keep: string | undefined,
    now: number,
    deadline: number,
  ): Promise<{ ids: string[]; ttlMs: number }> {
    const keys = new Map(ids.map((id) => [id, sessionKey(this.#prefix, id)]));
    const found = await this.#client.getMulti([...keys.values()], deadline);
    let ttlMs = 0;
    const live = ids.filter((id) => {
      if (id === keep) return true;
      const key = keys.get(id) ?? '';
      const session = decodeSession(key, found.get(key), now);
      if (session !== null) ttlMs = Math.max(ttlMs, session.expiresAt - now);
      return session !== null;
    });
    return { ids: live, ttlMs };
  }
}
