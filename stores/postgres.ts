/**
 * PostgreSQL session store over `pg` (node-postgres). A session is one row of `sl_sessions`
 * (fields as jsonb, idle and absolute deadlines as columns); the user index is two tables. The
 * schema is a versioned migration (postgres-migrate.ts); `connect()` refuses an older schema.
 *
 * Every call is one statement, one round trip: a commit is `sl_commit()`, which locks the LIVE
 * row (`expires_at > now()`), applies the ops in SQL and updates it, so a commit never
 * recreates a destroyed or expired session; `take` is `DELETE … RETURNING`. `rotate` is the
 * take and the create in one transaction (four round trips on one connection, a login only),
 * rolled back when the create or the caller's build fails or the deadline passes. A row past its
 * deadline reads as absent at once, and a sweeper deletes such rows in small batches with
 * `FOR UPDATE SKIP LOCKED`, so it never waits on, or long blocks, a request. Each call has a
 * client deadline (pool wait included) and a server `statement_timeout`; the pool is bounded;
 * any failure is StoreUnavailableError (fail closed). A timed-out write may still land.
 */
import pg from 'pg';
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';
import { withDeadline } from '../core/deadline.ts';
import { CommitBatcher } from './postgres-commit.ts';
import type { CommitRow } from './postgres-commit.ts';
import { POSTGRES_SCHEMA_VERSION, schemaVersion } from './postgres-migrate.ts';
import type {
  CommitOptions,
  CommitResult,
  DeltaOp,
  Fields,
  LoadedSession,
  RotationBuild,
  RotationResult,
  SessionStore,
} from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Deadline of every call (pool wait and query together), in milliseconds. @default 1000 */
  timeoutMs?: number;
  /** Most connections this store opens. @default 10 */
  maxConnections?: number;
  /** Pause between two sweeps of expired rows, in milliseconds (0: no sweeper). @default 30000 */
  sweepIntervalMs?: number;
  /** Rows one sweep statement deletes at most (short locks). @default 500 */
  sweepBatchSize?: number;
  /** Called with connection and sweeper errors (for logs); calls fail closed regardless. */
  onError?: (error: Error) => void;
}

export const DEFAULT_POSTGRES_STORE_OPTIONS = {
  timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
  maxConnections: 10,
  sweepIntervalMs: 30_000,
  sweepBatchSize: 500,
} as const;

/** Batches one sweep deletes at most before it waits for the next interval. */
const MAX_SWEEP_BATCHES = 20;
const LIVE = `expires_at > now() AND (absolute_at IS NULL OR absolute_at > now())`;
const SQL = {
  load:
    `SELECT fields, floor(extract(epoch FROM (least(expires_at, absolute_at) - now())) * 1000)` +
    ` AS ttl_ms FROM sl_sessions WHERE id = $1 AND ${LIVE}`,
  // Takes the id when it is free or held by a row past its deadline.
  create:
    `INSERT INTO sl_sessions AS s (id, fields, expires_at)` +
    ` VALUES ($1, $2, now() + $3 * interval '1 millisecond') ON CONFLICT (id) DO UPDATE` +
    ` SET fields = excluded.fields, expires_at = excluded.expires_at` +
    ` WHERE s.expires_at <= now() OR s.absolute_at <= now() RETURNING 1`,
  commit: 'SELECT n, status, detail, counters FROM sl_commit($1, $2) ORDER BY n',
  touch:
    `UPDATE sl_sessions SET expires_at = now() + $2 * interval '1 millisecond'` +
    ` WHERE id = $1 AND ${LIVE}`,
  take: `DELETE FROM sl_sessions WHERE id = $1 RETURNING fields, (${LIVE}) AS live`,
  destroy: `DELETE FROM sl_sessions WHERE id = $1 RETURNING (${LIVE}) AS live`,
  indexUser: 'SELECT id FROM sl_index_user($1, $2, $3, $4) AS id',
  userSessions:
    `SELECT us.session_id FROM sl_user_sessions us JOIN sl_users u USING (user_key)` +
    ` WHERE user_key = $1 AND (u.expires_at IS NULL OR u.expires_at > now())` +
    ` ORDER BY us.session_id`,
  unindexUser: 'SELECT sl_unindex_user($1, $2)',
  sweepSessions:
    `DELETE FROM sl_sessions WHERE id IN (SELECT id FROM sl_sessions` +
    ` WHERE expires_at <= now() OR absolute_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`,
  sweepUsers:
    `DELETE FROM sl_users WHERE user_key IN (SELECT user_key FROM sl_users` +
    ` WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`,
} as const;

type ResolvedOptions = Required<Omit<PostgresStoreOptions, 'onError'>>;

/** Checks every given option, then fills defaults into a new object (0 is a value). */
export function resolvePostgresStoreOptions(options: PostgresStoreOptions): ResolvedOptions {
  const { url, timeoutMs, maxConnections, sweepIntervalMs, sweepBatchSize } = options;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new InvalidOptionError(
      'invalid url: expected postgres://user:password@host:port/database',
    );
  }
  checkInteger('timeoutMs', timeoutMs, 1, 60_000);
  checkInteger('maxConnections', maxConnections, 1, 1000);
  checkInteger('sweepIntervalMs', sweepIntervalMs, 0, 86_400_000);
  checkInteger('sweepBatchSize', sweepBatchSize, 1, 100_000);
  const defaults = DEFAULT_POSTGRES_STORE_OPTIONS;
  return {
    url,
    timeoutMs: timeoutMs ?? defaults.timeoutMs,
    maxConnections: maxConnections ?? defaults.maxConnections,
    sweepIntervalMs: sweepIntervalMs ?? defaults.sweepIntervalMs,
    sweepBatchSize: sweepBatchSize ?? defaults.sweepBatchSize,
  };
}

/** `host:port/database` of a postgres URL, never its password (for error messages). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an unparsable postgres URL';
  }
}

export class PostgresStore implements SessionStore {
  readonly kind = 'postgres';
  readonly #options: ResolvedOptions;
  readonly #pool: pg.Pool;
  readonly #where: string;
  readonly #onError: (error: Error) => void;
  readonly #commits: CommitBatcher;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(options: PostgresStoreOptions) {
    this.#options = resolvePostgresStoreOptions(options);
    const { url, timeoutMs, maxConnections } = this.#options;
    this.#where = describePostgresUrl(url);
    this.#onError = options.onError ?? (() => undefined);
    this.#pool = new pg.Pool({
      connectionString: url,
      max: maxConnections,
      connectionTimeoutMillis: timeoutMs,
      // Client side: a query that outlives this destroys its connection. Server side: the
      // statement is cancelled, so a lock it waits for is not held past the deadline.
      query_timeout: timeoutMs,
      statement_timeout: timeoutMs,
      idle_in_transaction_session_timeout: timeoutMs,
      application_name: 'sessionlab',
    });
    this.#commits = new CommitBatcher(async (id, requests, ms) => {
      const result = await this.#query<CommitRow>(SQL.commit, [id, requests], ms);
      return result.rows;
    });
    // An idle connection that breaks (server restart) must not crash the process.
    this.#pool.on('error', (error) => this.#onError(error));
  }

  /** The pool, for migrations and the store inspector (same deadlines). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async connect(): Promise<void> {
    const version = await this.#call(() => schemaVersion(this.#pool));
    if (version < POSTGRES_SCHEMA_VERSION) {
      throw new StoreUnavailableError(
        `postgres at ${this.#where} has schema version ${version}, this store needs ` +
          `${POSTGRES_SCHEMA_VERSION} — run \`sessionlab store migrate --store-url <url>\``,
      );
    }
    const { sweepIntervalMs } = this.#options;
    if (sweepIntervalMs > 0 && this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => void this.sweep(), sweepIntervalMs).unref();
    }
  }

  async load(id: string): Promise<LoadedSession | null> {
    const { rows } = await this.#query<{ fields: Fields; ttl_ms: string }>(SQL.load, [id]);
    const row = rows[0];
    return row ? { fields: row.fields, ttlMs: Number(row.ttl_ms) } : null;
  }

  async create(id: string, fields: Fields, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.#query(SQL.create, [id, JSON.stringify(fields), ttlMs]);
    return rowCount === 1;
  }

  async commit(id: string, ops: readonly DeltaOp[], options: CommitOptions): Promise<CommitResult> {
    return this.#commits.commit(id, ops, options, this.#options.timeoutMs);
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    return (await this.#query(SQL.touch, [id, ttlMs])).rowCount === 1;
  }

  async take(id: string): Promise<Fields | null> {
    const { rows } = await this.#query<{ fields: Fields; live: boolean }>(SQL.take, [id]);
    const row = rows[0];
    return row?.live ? row.fields : null;
  }

  async rotate(oldId: string, newId: string, build: RotationBuild): Promise<RotationResult> {
    const deadline = Date.now() + this.#options.timeoutMs;
    let refusal: { error: unknown } | undefined;
    const result = await this.#call(async () => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ fields: Fields; live: boolean }>(SQL.take, [oldId]);
        const taken = rows[0]?.live ? rows[0].fields : null;
        let made: ReturnType<RotationBuild>;
        try {
          made = build(taken);
        } catch (error) {
          refusal = { error };
          await client.query('ROLLBACK');
          return { taken, created: false };
        }
        const { fields, ttlMs } = made;
        const created = await client.query(SQL.create, [newId, JSON.stringify(fields), ttlMs]);
        // Past the deadline the caller has answered 503: the rotation must not land after that.
        const late = Date.now() >= deadline;
        if (created.rowCount !== 1 || late) {
          await client.query('ROLLBACK');
          if (late) throw new Error('the rotation passed its deadline and was rolled back');
          return { taken, created: false };
        }
        await client.query('COMMIT');
        return { taken, created: true };
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        // A connection that failed mid-transaction is closed, so the server rolls it back.
        client.release(broken);
      }
    });
    if (refusal !== undefined) throw refusal.error;
    return result;
  }

  async destroy(id: string): Promise<boolean> {
    const { rows } = await this.#query<{ live: boolean }>(SQL.destroy, [id]);
    return rows[0]?.live === true;
  }

  async indexUser(userKey: string, id: string, ttlMs: number, maxSessions = 0): Promise<string[]> {
    const { rows } = await this.#query<{ id: string }>(SQL.indexUser, [
      userKey,
      id,
      ttlMs,
      maxSessions,
    ]);
    return rows.map((row) => row.id);
  }

  async userSessions(userKey: string): Promise<string[]> {
    const { rows } = await this.#query<{ session_id: string }>(SQL.userSessions, [userKey]);
    return rows.map((row) => row.session_id);
  }

  async unindexUser(userKey: string, ids?: readonly string[]): Promise<void> {
    if (ids !== undefined && ids.length === 0) return;
    await this.#query(SQL.unindexUser, [userKey, ids === undefined ? null : [...ids]]);
  }

  /**
   * Deletes rows past their deadline, in batches of `sweepBatchSize`, skipping rows a request
   * holds; resolves with the number of sessions deleted. Errors go to `onError`.
   */
  async sweep(): Promise<number> {
    if (this.#sweeping) return 0;
    this.#sweeping = true;
    let deleted = 0;
    try {
      const batch = this.#options.sweepBatchSize;
      for (const statement of [SQL.sweepSessions, SQL.sweepUsers]) {
        for (let i = 0; i < MAX_SWEEP_BATCHES; i++) {
          const { rowCount } = await this.#query(statement, [batch]);
          if (statement === SQL.sweepSessions) deleted += rowCount ?? 0;
          if ((rowCount ?? 0) < batch) break;
        }
      }
    } catch (error) {
      this.#onError(error as Error);
    } finally {
      this.#sweeping = false;
    }
    return deleted;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.#pool.end().catch((error: unknown) => this.#onError(error as Error));
  }

  #query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: readonly unknown[],
    timeoutMs = this.#options.timeoutMs,
  ): Promise<pg.QueryResult<R>> {
    return this.#call(() => this.#pool.query<R>(text, [...values]), timeoutMs);
  }

  async #call<T>(operation: () => Promise<T>, timeoutMs = this.#options.timeoutMs): Promise<T> {
    try {
      return await withDeadline(operation(), timeoutMs, `postgres ${this.#where}`);
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #unavailable(cause: unknown): StoreUnavailableError {
    if (cause instanceof StoreUnavailableError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new StoreUnavailableError(
      `postgres unreachable at ${this.#where} (${reason}) — is it running? see \`make services\``,
      { cause },
    );
  }
}

function checkInteger(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || (Number.isInteger(value) && value >= min && value <= max)) return;
  throw new InvalidOptionError(
    `invalid ${field} ${value}: expected an integer from ${min} to ${max}`,
  );
}

export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}
