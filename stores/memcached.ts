/**
 * memcached session store over the `memcached` package, spread over several nodes by the
 * package's consistent hashing (each key lives on exactly one node, no replication).
 *
 * A session is ONE item `<prefix>s:<id>` holding `{"v":1,"exp":<epoch ms>,"f":{...fields}}`, so
 * it is bounded by memcached's item size (1 MB by default, `-I`). memcached is a cache: under
 * memory pressure it evicts items (LRU), and an evicted session is simply logged out. Items
 * expire at an absolute unix second (memcached-item.ts says why), so the item outlives `exp` by
 * up to a second and reads treat it as absent then. Commits are gets → apply → cas with bounded
 * retries, coalesced per id within one instance (memcached-commit.ts); a commit never recreates
 * a missing session. A call that times out may still have reached memcached: like any network
 * write, a timed-out commit can land later.
 */
import { InvalidOptionError, StoreConflictError } from '../core/errors.ts';
import { MemcachedClient } from './memcached-client.ts';
import { CommitCoalescer, waitBeforeCasRetry } from './memcached-commit.ts';
import type { CasSessionIo, CommitStats } from './memcached-commit.ts';
import {
  TOMBSTONE,
  decodeSession,
  encodeSession,
  exptimeFor,
  sessionKey,
} from './memcached-item.ts';
import { MemcachedUserIndex } from './memcached-user-index.ts';
import type {
  CommitOptions,
  CommitResult,
  DeltaOp,
  Fields,
  LoadedSession,
  SessionStore,
} from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

export interface MemcachedStoreOptions {
  /**
   * memcached nodes as `host:port`; consistent hashing picks the node of each key.
   * @default ['127.0.0.1:11211']
   */
  locations?: string[];
  /** Prefix of every key. @default 'sl:' */
  keyPrefix?: string;
  /** Deadline of every store call (all its round trips together), in milliseconds. @default 1000 */
  timeoutMs?: number;
  /**
   * cas retries before a commit, take or index update gives up with StoreConflictError.
   * @default 32
   */
  maxCasRetries?: number;
}

export const DEFAULT_MEMCACHED_STORE_OPTIONS = {
  locations: ['127.0.0.1:11211'],
  keyPrefix: 'sl:',
  timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
  maxCasRetries: 32,
} as const;

type ResolvedOptions = Required<MemcachedStoreOptions>;

/** Checks every given option, then fills defaults into a new object (0 is a value). */
export function resolveMemcachedStoreOptions(options: MemcachedStoreOptions): ResolvedOptions {
  const { locations = DEFAULT_MEMCACHED_STORE_OPTIONS.locations } = options;
  const { keyPrefix, timeoutMs, maxCasRetries } = options;
  if (!Array.isArray(locations) || locations.length === 0) {
    throw new InvalidOptionError('invalid locations: expected a non-empty array of "host:port"');
  }
  for (const location of locations) {
    const port = Number(/^[^\s:/]+:(\d{1,5})$/.exec(String(location))?.[1]);
    if (!(port >= 1 && port <= 65535)) {
      throw new InvalidOptionError(
        `invalid location "${location}": expected "host:port", e.g. 127.0.0.1:11211`,
      );
    }
  }
  if (keyPrefix !== undefined && !/^[\x21-\x7e]{0,100}$/.test(keyPrefix)) {
    throw new InvalidOptionError(
      `invalid keyPrefix "${keyPrefix}": expected up to 100 printable ASCII characters, no spaces`,
    );
  }
  checkInteger('timeoutMs', timeoutMs, 1, 60_000);
  checkInteger('maxCasRetries', maxCasRetries, 0, 1000);
  return {
    locations: [...locations],
    keyPrefix: keyPrefix ?? DEFAULT_MEMCACHED_STORE_OPTIONS.keyPrefix,
    timeoutMs: timeoutMs ?? DEFAULT_MEMCACHED_STORE_OPTIONS.timeoutMs,
    maxCasRetries: maxCasRetries ?? DEFAULT_MEMCACHED_STORE_OPTIONS.maxCasRetries,
  };
}

export class MemcachedStore implements SessionStore {
  readonly kind = 'memcached';
  readonly #options: ResolvedOptions;
  readonly #client: MemcachedClient;
  readonly #commits: CommitCoalescer;
  readonly #index: MemcachedUserIndex;

  constructor(options: MemcachedStoreOptions = {}) {
    this.#options = resolveMemcachedStoreOptions(options);
    const { locations, keyPrefix, timeoutMs, maxCasRetries } = this.#options;
    this.#client = new MemcachedClient(locations, timeoutMs);
    const io: CasSessionIo = {
      read: (id, deadline) => this.#read(id, deadline),
      write: (id, fields, ttlMs, cas, deadline) => {
        const expiresAt = Date.now() + ttlMs;
        const text = encodeSession(fields, expiresAt);
        return this.#client.cas(this.#key(id), text, cas, exptimeFor(expiresAt), deadline);
      },
    };
    this.#commits = new CommitCoalescer(io, maxCasRetries);
    this.#index = new MemcachedUserIndex(this.#client, keyPrefix, maxCasRetries);
  }

  async connect(): Promise<void> {
    await MemcachedClient.probe(this.#options.locations, this.#deadline());
  }

  async load(id: string): Promise<LoadedSession | null> {
    const key = this.#key(id);
    const text = await this.#client.get(key, this.#deadline());
    const now = Date.now();
    const session = decodeSession(key, text, now);
    return session && { fields: session.fields, ttlMs: session.expiresAt - now };
  }

  async create(id: string, fields: Fields, ttlMs: number): Promise<boolean> {
    const expiresAt = Date.now() + ttlMs;
    const text = encodeSession(fields, expiresAt);
    return this.#client.add(this.#key(id), text, exptimeFor(expiresAt), this.#deadline());
  }

  async commit(id: string, ops: readonly DeltaOp[], options: CommitOptions): Promise<CommitResult> {
    // Copied: the request waits for a later round, and the caller's array may change meanwhile.
    const request = { ops: [...ops], maxBytes: options.maxBytes, ttlMs: options.ttlMs };
    return this.#commits.commit(id, request, this.#deadline());
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    const result = await this.#commits.commit(
      id,
      { ops: [], maxBytes: 0, ttlMs },
      this.#deadline(),
    );
    return result.status === 'ok';
  }

  async take(id: string): Promise<Fields | null> {
    const key = this.#key(id);
    const deadline = this.#deadline();
    for (let attempt = 0; ; attempt++) {
      const current = await this.#read(id, deadline);
      if (current === null) return null;
      // cas, not delete: a commit that lands between our read and the write makes the cas fail,
      // so we re-read and return its fields instead of silently dropping them.
      if (await this.#client.cas(key, TOMBSTONE, current.cas, 1, deadline)) {
        // The tombstone already reads as absent and expires in a second; the delete only frees it.
        await this.#client.del(key, deadline).catch(() => false);
        return current.fields;
      }
      if (attempt >= this.#options.maxCasRetries) {
        throw new StoreConflictError(`memcached take lost ${attempt + 1} cas races in a row`);
      }
      await waitBeforeCasRetry(attempt);
    }
  }

  async destroy(id: string): Promise<boolean> {
    return this.#client.del(this.#key(id), this.#deadline());
  }

  async indexUser(userKey: string, id: string, ttlMs: number, maxSessions = 0): Promise<string[]> {
    return this.#index.add(userKey, id, ttlMs, maxSessions, this.#deadline());
  }

  async userSessions(userKey: string): Promise<string[]> {
    return this.#index.list(userKey, this.#deadline());
  }

  async unindexUser(userKey: string, ids?: readonly string[]): Promise<void> {
    await this.#index.remove(userKey, ids, this.#deadline());
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  /** Counters of the commit path since start-up, for benchmarks and tests. */
  commitStats(): CommitStats {
    return this.#commits.stats();
  }

  async #read(id: string, deadline: number): Promise<{ fields: Fields; cas: string } | null> {
    const key = this.#key(id);
    const item = await this.#client.gets(key, deadline);
    const session = decodeSession(key, item?.value, Date.now());
    if (item === undefined || session === null) return null;
    return { fields: session.fields, cas: item.cas };
  }

  #key(id: string): string {
    return sessionKey(this.#options.keyPrefix, id);
  }

  #deadline(): number {
    return Date.now() + this.#options.timeoutMs;
  }
}

export function createMemcachedStore(options: MemcachedStoreOptions = {}): MemcachedStore {
  return new MemcachedStore(options);
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InvalidOptionError(
      `invalid ${name} ${value}: expected an integer from ${min} to ${max}`,
    );
  }
}
