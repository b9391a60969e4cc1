/**
 * The one interface every session store implements (redis, redis-cluster, redis-sentinel,
 * memcached, memory). The engine (session/) speaks only this; a store never sees a cookie.
 *
 * A stored session is a flat map of string fields. Field names carry a one-letter namespace:
 * `m:` for metadata the engine owns (created, user, absolute deadline; the user sealed with
 * encryption at rest), `d:` for user data (JSON text, or sealed text with encryption at rest;
 * counters are plain decimal integers).
 * Only `d:` fields count towards the size limit.
 */

/** Deadline of every store call unless configured, in milliseconds (fail closed after it). */
export const DEFAULT_STORE_TIMEOUT_MS = 1000;

/** Stored fields of one session. */
export type Fields = Record<string, string>;

/** A session as read from the store. */
export interface LoadedSession {
  fields: Fields;
  /** Remaining time to live in the store, in milliseconds (the idle clock). */
  ttlMs: number;
}

/** One change recorded by a request; a commit applies a list of them, in order, atomically. */
export type DeltaOp =
  | { op: 'set'; field: string; value: string }
  | { op: 'del'; field: string }
  | { op: 'incr'; field: string; by: number }
  /** Deletes every `d:` field (a whole-session rewrite starts with it). */
  | { op: 'clear' };

export interface CommitOptions {
  /** New time to live for the session after the commit, in milliseconds. */
  ttlMs: number;
  /** Largest allowed size of the stored `d:` fields after the commit, in bytes (0: no limit). */
  maxBytes: number;
}

/** Outcome of a commit. Anything but `ok` means the store changed nothing. */
export type CommitResult =
  /** `counters` holds the value after each `incr` op, in op order. */
  | { status: 'ok'; counters: number[] }
  /** The session does not exist (destroyed, expired, rotated away): nothing is recreated. */
  | { status: 'gone' }
  /** The session would hold `bytes` bytes, over `maxBytes`. */
  | { status: 'too-large'; bytes: number }
  /** An `incr` op targets a field that holds something other than an integer. */
  | { status: 'not-integer'; field: string };

/** What a rotation stores under the new id, made from the fields it took (null: none was live). */
export type RotationBuild = (taken: Fields | null) => { fields: Fields; ttlMs: number };

/** Outcome of a rotation: `created` false (the new id is in use) means nothing changed at all. */
export interface RotationResult {
  taken: Fields | null;
  created: boolean;
}

export interface SessionStore {
  /** Store kind, for logs and reports: `redis`, `redis-cluster`, `memcached`, ... */
  readonly kind: string;
  /** Resolves once the store answers; rejects with StoreUnavailableError otherwise. */
  connect(): Promise<void>;
  /** One round trip. `null` when the session does not exist. */
  load(id: string): Promise<LoadedSession | null>;
  /** Creates a session only if the id is free (`add` semantics); false when it exists. */
  create(id: string, fields: Fields, ttlMs: number): Promise<boolean>;
  /** Applies the ops atomically to an existing session and sets its TTL. */
  commit(id: string, ops: readonly DeltaOp[], options: CommitOptions): Promise<CommitResult>;
  /** Sets the TTL of an existing session; false (and nothing created) when it is gone. */
  touch(id: string, ttlMs: number): Promise<boolean>;
  /** Atomically reads and deletes a session (used by rotation); `null` when it is gone. */
  take(id: string): Promise<Fields | null>;
  /**
   * Optional: `take(oldId)` and `create(newId, build(taken))` as one transaction, so no reader
   * ever finds neither id, and a rotation that fails (new id in use, `build` throws, the store
   * fails before it commits) leaves the old session as it was. `build`'s error is rethrown as
   * is. Without it the engine takes, then creates.
   */
  rotate?(oldId: string, newId: string, build: RotationBuild): Promise<RotationResult>;
  /** Deletes a session; true when it existed. */
  destroy(id: string): Promise<boolean>;
  /**
   * Records that `id` belongs to the user, prunes ids whose sessions are gone (with
   * `maxSessions`, only once the index holds more than that). The index then
   * lives at least `ttlMs` more (the session's absolute lifetime; 0: forever, for sessions with
   * none); nothing else shortens it, so it outlives every session activity keeps alive.
   * With `maxSessions` > 0 it resolves with the ids of the user's live sessions beyond that many
   * (oldest login first, never `id`), still indexed: the caller ends and unindexes them. The work
   * is bounded by `maxSessions`, not by how many sessions the user has ever had.
   */
  indexUser(userKey: string, id: string, ttlMs: number, maxSessions?: number): Promise<string[]>;
  /** Session ids recorded for the user (possibly including ids already gone). */
  userSessions(userKey: string): Promise<string[]>;
  /** Removes ids from the user's index (the whole index when `ids` is omitted). */
  unindexUser(userKey: string, ids?: readonly string[]): Promise<void>;
  /** Closes connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** The size a set of fields counts for against `maxBytes`: UTF-8 bytes of `d:` names and values. */
export function dataBytes(fields: Fields): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('d:')) bytes += Buffer.byteLength(name) - 2 + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * Applies ops to a copy of `fields`, the reference semantics every store must match.
 * Used by the memory and memcached stores; the redis Lua script implements the same rules.
 */
export function applyOps(
  fields: Fields,
  ops: readonly DeltaOp[],
  maxBytes: number,
): { result: CommitResult; fields: Fields } {
  const next: Fields = { ...fields };
  const counters: number[] = [];
  for (const op of ops) {
    if (op.op === 'set') next[op.field] = op.value;
    else if (op.op === 'del') delete next[op.field];
    else if (op.op === 'clear') {
      for (const field of Object.keys(next)) if (field.startsWith('d:')) delete next[field];
    } else {
      const current = next[op.field] ?? '0';
      if (current.length > 15 || !/^-?\d+$/.test(current)) {
        return { result: { status: 'not-integer', field: op.field }, fields };
      }
      const value = Number(current) + op.by;
      next[op.field] = String(value);
      counters.push(value);
    }
  }
  const bytes = dataBytes(next);
  if (maxBytes > 0 && bytes > maxBytes) return { result: { status: 'too-large', bytes }, fields };
  return { result: { status: 'ok', counters }, fields: next };
}
