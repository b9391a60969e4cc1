/**
 * Redis session store over ioredis: standalone, Sentinel or Cluster.
 *
 * A session is one hash `<prefix>s:{<id>}`; the user index is a set `<prefix>u:{<userKey>}`.
 * The braces are hash tags, and every script touches one key, so nothing is cross-slot.
 * Commits, creation and rotation are Lua scripts (atomic; a commit never recreates a missing
 * session). A read is one read-only script (EVALSHA_RO: HGETALL + PTTL): one command, one reply.
 */
import { createHash } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, RedisOptions } from 'ioredis';
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';
import {
  COMMIT_SCRIPT,
  CREATE_SCRIPT,
  INDEX_SCRIPT,
  LOAD_SCRIPT,
  TAKE_SCRIPT,
} from './redis-scripts.ts';
import type {
  CommitOptions,
  CommitResult,
  DeltaOp,
  Fields,
  LoadedSession,
  SessionStore,
} from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

export interface RedisStoreOptions {
  /** Standalone server, e.g. `redis://127.0.0.1:6379`. Exactly one of url, clusterNodes, sentinels. */
  url?: string;
  /** Cluster seed nodes. */
  clusterNodes?: ClusterNode[];
  /** Sentinels watching the master named `sentinelName`. */
  sentinels?: { host: string; port: number }[];
  /** @default 'mymaster' */
  sentinelName?: string;
  /** Prefix of every key. @default 'sl:' */
  keyPrefix?: string;
  /** Deadline of every command, in milliseconds. @default 1000 */
  timeoutMs?: number;
  /** Called with connection errors (for logs); the store fails calls closed regardless. */
  onError?: (error: Error) => void;
}

export const DEFAULT_REDIS_STORE_OPTIONS = {
  sentinelName: 'mymaster',
  keyPrefix: 'sl:',
  timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
};

interface ScriptCommands {
  slCommit(key: string, ...args: (string | number)[]): Promise<string[]>;
  slCreate(key: string, ...args: (string | number)[]): Promise<number>;
  slTake(key: string): Promise<string[]>;
  slIndex(key: string, id: string, ttlMs: number): Promise<number>;
}

type Client = Redis | Cluster;

const LOAD_SHA = createHash('sha1').update(LOAD_SCRIPT).digest('hex');

/** The load script's reply: fields (flat) then the PTTL; empty when the session is missing. */
function loadedFrom(reply: unknown): LoadedSession | null {
  const flat = reply as (string | number)[];
  if (flat.length === 0) return null;
  const last = flat.length - 1;
  const ttlMs = Number(flat[last]);
  if (ttlMs === -2) return null;
  const fields: Fields = {};
  for (let i = 0; i < last; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return { fields, ttlMs: ttlMs < 0 ? Number.MAX_SAFE_INTEGER : ttlMs };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : '');

export class RedisStore implements SessionStore {
  readonly kind: string;
  readonly #client: Client & ScriptCommands;
  readonly #prefix: string;
  readonly #where: string;
  /** Set when the server predates EVALSHA_RO (Redis < 7): reads use HGETALL + PTTL instead. */
  #pipelinedReads = false;

  constructor(options: RedisStoreOptions) {
    const sources = [options.url, options.clusterNodes, options.sentinels].filter(
      (s) => s !== undefined,
    );
    if (sources.length !== 1) {
      throw new InvalidOptionError('redis store: give exactly one of url, clusterNodes, sentinels');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_STORE_OPTIONS.timeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError(`invalid timeoutMs ${timeoutMs}: expected a positive integer`);
    }
    this.#prefix = options.keyPrefix ?? DEFAULT_REDIS_STORE_OPTIONS.keyPrefix;
    // Fail fast: no offline queue (a command sent while disconnected errors at once, it is never
    // replayed later), and a per-command timeout for a server that accepts but does not answer.
    const base: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      commandTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(50 * times, 500),
    };
    let client: Client;
    if (options.clusterNodes) {
      this.kind = 'redis-cluster';
      this.#where = options.clusterNodes
        .map((n) => (typeof n === 'object' ? `${n.host}:${n.port}` : String(n)))
        .join(',');
      client = new Cluster(options.clusterNodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        slotsRefreshTimeout: timeoutMs,
        clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
        redisOptions: base,
      });
    } else if (options.sentinels) {
      this.kind = 'redis-sentinel';
      this.#where = options.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
      client = new Redis({
        ...base,
        sentinels: options.sentinels,
        name: options.sentinelName ?? DEFAULT_REDIS_STORE_OPTIONS.sentinelName,
      });
    } else {
      this.kind = 'redis';
      this.#where = String(options.url);
      client = new Redis(String(options.url), base);
    }
    client.on('error', (error: Error) => options.onError?.(error));
    client.defineCommand('slCommit', { numberOfKeys: 1, lua: COMMIT_SCRIPT });
    client.defineCommand('slCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
    client.defineCommand('slTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    client.defineCommand('slIndex', { numberOfKeys: 1, lua: INDEX_SCRIPT });
    this.#client = client as Client & ScriptCommands;
  }

  async connect(): Promise<void> {
    await this.#call(async () => {
      await this.#client.connect();
      await this.#client.ping();
    });
  }

  load(id: string): Promise<LoadedSession | null> {
    const key = this.#sessionKey(id);
    if (this.#pipelinedReads) return this.#pipelinedLoad(key);
    // Not ioredis' defineCommand: it sends EVALSHA, which is a write to Redis (and to SL-ST-04).
    // NOSCRIPT (a restarted server, a new cluster node): EVAL_RO once, which caches it again.
    return this.#client.evalsha_ro(LOAD_SHA, 1, key).then(loadedFrom, (error: unknown) => {
      const message = messageOf(error);
      if (message.includes('NOSCRIPT'))
        return this.#client.eval_ro(LOAD_SCRIPT, 1, key).then(loadedFrom, (e: unknown) => {
          throw this.#unavailable(e);
        });
      if (/unknown command/i.test(message)) {
        this.#pipelinedReads = true;
        return this.#pipelinedLoad(key);
      }
      throw this.#unavailable(error);
    });
  }

  async #pipelinedLoad(key: string): Promise<LoadedSession | null> {
    // Issued in the same tick, auto-pipelining sends both in one write: one round trip.
    const [fields, ttlMs] = await this.#call(() =>
      Promise.all([this.#client.hgetall(key), this.#client.pttl(key)]),
    );
    if (Object.keys(fields).length === 0 || ttlMs === -2) return null;
    return { fields, ttlMs: ttlMs < 0 ? Number.MAX_SAFE_INTEGER : ttlMs };
  }

  async create(id: string, fields: Fields, ttlMs: number): Promise<boolean> {
    const args = Object.entries(fields).flat();
    return (
      (await this.#call(() => this.#client.slCreate(this.#sessionKey(id), ttlMs, ...args))) === 1
    );
  }

  async commit(id: string, ops: readonly DeltaOp[], options: CommitOptions): Promise<CommitResult> {
    const args: (string | number)[] = [options.ttlMs, options.maxBytes];
    for (const op of ops) {
      if (op.op === 'set') args.push('s', op.field, op.value);
      else if (op.op === 'del') args.push('d', op.field, '');
      else if (op.op === 'clear') args.push('c', '', '');
      else args.push('i', op.field, op.by);
    }
    const [status, ...rest] = await this.#call(() =>
      this.#client.slCommit(this.#sessionKey(id), ...args),
    );
    if (status === 'ok') return { status, counters: rest.map(Number) };
    if (status === 'too-large') return { status, bytes: Number(rest[0]) };
    if (status === 'not-integer') return { status, field: String(rest[0]) };
    return { status: 'gone' };
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    return (await this.#call(() => this.#client.pexpire(this.#sessionKey(id), ttlMs))) === 1;
  }

  async take(id: string): Promise<Fields | null> {
    const flat = await this.#call(() => this.#client.slTake(this.#sessionKey(id)));
    if (flat.length === 0) return null;
    const fields: Fields = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return fields;
  }

  async destroy(id: string): Promise<boolean> {
    return (await this.#call(() => this.#client.del(this.#sessionKey(id)))) === 1;
  }

  async indexUser(userKey: string, id: string, ttlMs: number): Promise<void> {
    const key = this.#userKey(userKey);
    await this.#call(() => this.#client.slIndex(key, id, ttlMs));
    const ids = await this.userSessions(userKey);
    // Sessions live in other slots: one EXISTS each, auto-pipelined per node.
    const alive = await this.#call(() =>
      Promise.all(ids.map((other) => this.#client.exists(this.#sessionKey(other)))),
    );
    const stale = ids.filter((other, i) => other !== id && alive[i] === 0);
    if (stale.length > 0) await this.#call(() => this.#client.srem(key, ...stale));
  }

  async userSessions(userKey: string): Promise<string[]> {
    return this.#call(() => this.#client.smembers(this.#userKey(userKey)));
  }

  async unindexUser(userKey: string, ids?: readonly string[]): Promise<void> {
    const key = this.#userKey(userKey);
    if (ids === undefined) await this.#call(() => this.#client.del(key));
    else if (ids.length > 0) await this.#call(() => this.#client.srem(key, ...ids));
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }

  #sessionKey(id: string): string {
    return `${this.#prefix}s:{${id}}`;
  }

  #userKey(userKey: string): string {
    return `${this.#prefix}u:{${userKey}}`;
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #unavailable(cause: unknown): StoreUnavailableError {
    if (cause instanceof StoreUnavailableError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new StoreUnavailableError(
      `${this.kind} unreachable at ${this.#where} (${reason}) — is it running? see \`make services\``,
      { cause },
    );
  }
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
