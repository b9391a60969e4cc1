/**
 * Redis session store over ioredis: standalone, Sentinel or Cluster.
 *
 * A session is one hash `<prefix>s:{<id>}`; the user index is a sorted set `<prefix>u:{<userKey>}`
 * (ids scored by login time; an older plain-set index is still read, and converted on login).
 * The braces are hash tags, and every script touches one key, so nothing is cross-slot.
 * Commits, creation and rotation are Lua scripts (atomic; a commit never recreates a missing
 * session). A read is one read-only script (EVALSHA_RO: HGETALL + PTTL): one command, one reply.
 */
import { createHash } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';
import {
  COMMIT_SCRIPT,
  CREATE_SCRIPT,
  INDEX_SCRIPT,
  LOAD_SCRIPT,
  TAKE_SCRIPT,
} from './redis-scripts.ts';
import { execAcked, replicaAcksPolicy } from './redis-replica-acks.ts';
import type { ReplicaAcks } from './redis-replica-acks.ts';
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
  /**
   * Standalone server, e.g. `redis://127.0.0.1:6379` or `rediss://app:pw@host:6380`.
   * Exactly one of url, clusterNodes, sentinels.
   */
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
  /** ACL user of every data node (redis 6+). @default none (the `default` user) */
  username?: string;
  /** `requirepass`, or the ACL user's password, of every data node. @default none */
  password?: string;
  /** TLS to every server (data nodes and sentinels), e.g. `{ ca }`. @default none (plain TCP) */
  tls?: ConnectionOptions;
  /** Called with connection errors (for logs); the store fails calls closed regardless. */
  onError?: (error: Error) => void;
  /**
   * Replicas that must hold each lifecycle write (create, the take of a rotation, destroy, a
   * login's user-index entry) before the call resolves: WAIT on the key's node. Fewer within
   * `replicaAckTimeoutMs` fail the call closed (503), since a failover to a replica that missed
   * the write would bring a logged-out session back or lose a login. 0: no WAIT, as redis
   * itself (a standalone server has no replica to wait for; Sentinel and Cluster want 1).
   * @default 0
   */
  replicaAcks?: number;
  /** How long WAIT waits for the replicas, in milliseconds (below `timeoutMs`). @default 500 */
  replicaAckTimeoutMs?: number;
}

export const DEFAULT_REDIS_STORE_OPTIONS = {
  sentinelName: 'mymaster',
  keyPrefix: 'sl:',
  timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
  replicaAcks: 0,
  replicaAckTimeoutMs: 500,
};

interface ScriptCommands {
  slCommit(key: string, ...args: (string | number)[]): Promise<string[]>;
  slCreate(key: string, ...args: (string | number)[]): Promise<number>;
  slTake(key: string): Promise<string[]>;
  slIndex(key: string, ...args: (string | number)[]): Promise<string[]>;
}

type Client = Redis | Cluster;

/** The lifecycle writes, as sent on the client or queued on a pipeline. */
interface LifecycleWriter {
  slCreate(key: string, ...args: (string | number)[]): unknown;
  slTake(key: string): unknown;
  slIndex(key: string, ...args: (string | number)[]): unknown;
  del(key: string): unknown;
}

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
  readonly #acks: ReplicaAcks | undefined;
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
    this.#acks = replicaAcksPolicy(
      options.replicaAcks ?? DEFAULT_REDIS_STORE_OPTIONS.replicaAcks,
      options.replicaAckTimeoutMs ?? DEFAULT_REDIS_STORE_OPTIONS.replicaAckTimeoutMs,
      timeoutMs,
    );
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
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
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
        ...(options.tls === undefined
          ? {}
          : { enableTLSForSentinelMode: true, sentinelTLS: options.tls }),
      });
    } else {
      this.kind = 'redis';
      this.#where = redactUrl(String(options.url));
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
    const key = this.#sessionKey(id);
    return (await this.#write<number>((c) => c.slCreate(key, ttlMs, ...args))) === 1;
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
    const key = this.#sessionKey(id);
    const flat = await this.#write<string[]>((c) => c.slTake(key));
    if (flat.length === 0) return null;
    const fields: Fields = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return fields;
  }

  async destroy(id: string): Promise<boolean> {
    const key = this.#sessionKey(id);
    return (await this.#write<number>((c) => c.del(key))) === 1;
  }

  async indexUser(userKey: string, id: string, ttlMs: number, maxSessions = 0): Promise<string[]> {
    const key = this.#userKey(userKey);
    const args = [id, ttlMs, Date.now(), maxSessions];
    const ids = await this.#write<string[]>((c) => c.slIndex(key, ...args));
    if (ids.length === 0) return [];
    // No limit, or over it: which sessions are live (one EXISTS each, auto-pipelined per node;
    // with a limit, at most maxSessions + 1 once the index is within its bound).
    const others = ids.filter((other) => other !== id);
    const alive = await this.#call(() =>
      Promise.all(others.map((other) => this.#client.exists(this.#sessionKey(other)))),
    );
    const stale = others.filter((_, i) => alive[i] === 0);
    if (stale.length > 0) await this.#call(() => this.#client.zrem(key, ...stale));
    if (maxSessions <= 0) return [];
    const live = others.filter((_, i) => alive[i] !== 0);
    return live.slice(0, Math.max(0, live.length + 1 - maxSessions));
  }

  async userSessions(userKey: string): Promise<string[]> {
    const key = this.#userKey(userKey);
    return this.#either(
      () => this.#client.zrange(key, 0, -1),
      () => this.#client.smembers(key),
    );
  }

  async unindexUser(userKey: string, ids?: readonly string[]): Promise<void> {
    const key = this.#userKey(userKey);
    if (ids === undefined) await this.#call(() => this.#client.del(key));
    else if (ids.length > 0) {
      await this.#either(
        () => this.#client.zrem(key, ...ids),
        () => this.#client.srem(key, ...ids),
      );
    }
  }

  /** Runs the sorted-set form; on a user index still in the older plain-set form, the set form. */
  async #either<T>(sorted: () => Promise<T>, plain: () => Promise<T>): Promise<T> {
    try {
      return await sorted();
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('WRONGTYPE'))) {
        throw this.#unavailable(error);
      }
    }
    return this.#call(plain);
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

  /** A lifecycle write, followed by WAIT for the replicas when `replicaAcks` asks for it. */
  async #write<T>(write: (writer: LifecycleWriter) => unknown): Promise<T> {
    const acks = this.#acks;
    if (acks === undefined) return this.#call(() => write(this.#client) as Promise<T>);
    const pipeline = this.#client.pipeline();
    write(pipeline as unknown as LifecycleWriter);
    return this.#call(() => execAcked<T>(pipeline, acks));
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
