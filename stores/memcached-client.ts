/**
 * Promise wrapper over the `memcached` package (2.2.2) that fails closed: every command has a
 * deadline, and every way the package reports trouble becomes a StoreUnavailableError.
 *
 * What the package does on its own, and why this file overrides it:
 * - Its IssueLog marks a failing server dead for `retry` ms, and once two failures overlap it
 *   schedules a "reconnect" after `reconnect` ms (default 5 h) that spawns the `ping` binary —
 *   an unhandled ENOENT crash where ping is not installed — and its timers (`failuresTimeout`
 *   300 s, `reconnect`) keep the process alive. With `remove: true` it drops the server from the
 *   hash ring, so its keys silently move to another node and read as misses. The subclass below
 *   replaces that bookkeeping: a failing server is simply tried again by the next command.
 * - A command whose socket dies or whose server stops answering never gets its callback; the
 *   deadline here is what ends it.
 * - SERVER_ERROR replies call back `(undefined, false)`, the same as a miss or a refused write;
 *   the override flags the command so its callback reports an error instead.
 * - `cas` calls back `false` both for EXISTS and NOT_FOUND; callers re-read to tell them apart.
 */
import Memcached from 'memcached';
import { StoreUnavailableError } from '../core/errors.ts';
import { MAX_ITEM_BYTES, redactKey } from './memcached-item.ts';

/** Fields the package sets on the command object that is `this` in a command callback. */
interface CommandContext extends Partial<Memcached.CommandData> {
  /** Set by `connectionIssue` when the server answered this command with SERVER_ERROR. */
  failure?: string;
}

/** The socket (or stand-in) the package hands to `connectionIssue`. */
interface IssueSocket {
  end?: () => void;
  metaData?: CommandContext[];
}

type Callback<T> = (this: CommandContext | undefined, error: unknown, value: T) => void;

class FailFastMemcached extends Memcached {
  declare readonly HashRing: { get(key: string): string | undefined };

  connectionIssue(message: string, socket: IssueSocket | undefined): void {
    // metaData[0] is the command being answered when the parser meets SERVER_ERROR.
    const current = socket?.metaData?.[0];
    if (current !== undefined) current.failure = message;
    socket?.end?.();
  }
}

export interface CasItem {
  value: string;
  cas: string;
}

export class MemcachedClient {
  readonly #locations: readonly string[];
  readonly #memcached: FailFastMemcached;
  #closed = false;

  constructor(locations: readonly string[], connectTimeoutMs: number) {
    this.#locations = locations;
    this.#memcached = new FailFastMemcached(
      [...locations],
      memcachedClientOptions(connectTimeoutMs),
    );
  }

  /** Resolves once every location answers `version`, each probed on its own connection. */
  static async probe(locations: readonly string[], deadline: number): Promise<void> {
    await Promise.all(
      locations.map(async (location) => {
        const client = new MemcachedClient([location], deadline - Date.now());
        try {
          await client.#call('version', location, deadline, (done) =>
            client.#memcached.version(done),
          );
        } finally {
          client.close();
        }
      }),
    );
  }

  async get(key: string, deadline: number): Promise<string | undefined> {
    const value = await this.#call<unknown>('get', this.#where(key), deadline, (done) =>
      this.#memcached.get(key, done),
    );
    return this.#text(key, value);
  }

  async gets(key: string, deadline: number): Promise<CasItem | undefined> {
    const reply = await this.#call<unknown>('gets', this.#where(key), deadline, (done) =>
      this.#memcached.gets(key, done),
    );
    if (reply === undefined) return undefined;
    const record = reply as Record<string, unknown>;
    const value = this.#text(key, record[key]);
    if (value === undefined || typeof record['cas'] !== 'string') {
      throw this.#unexpected(key, reply);
    }
    return { value, cas: record['cas'] };
  }

  /** Items present among `keys`, fetched with one `get` per node. */
  async getMulti(keys: readonly string[], deadline: number): Promise<Map<string, string>> {
    // The package never calls back for an empty key list.
    if (keys.length === 0) return new Map();
    const where = [...new Set(keys.map((key) => this.#where(key)))].join(', ');
    const reply = await this.#call<Record<string, unknown>>('get', where, deadline, (done) =>
      this.#memcached.getMulti([...keys], done),
    );
    const found = new Map<string, string>();
    for (const key of keys) {
      const value = this.#text(key, reply[key]);
      if (value !== undefined) found.set(key, value);
    }
    return found;
  }

  /** Stores only when the key is free; false when it exists. */
  async add(key: string, value: string, exptime: number, deadline: number): Promise<boolean> {
    this.#checkSize(key, value);
    return this.#call('add', this.#where(key), deadline, (done) =>
      this.#memcached.add(key, value, exptime, done),
    );
  }

  /** Stores only when the item is unchanged since `gets`; false when changed OR gone. */
  async cas(
    key: string,
    value: string,
    cas: string,
    exptime: number,
    deadline: number,
  ): Promise<boolean> {
    this.#checkSize(key, value);
    return this.#call('cas', this.#where(key), deadline, (done) =>
      this.#memcached.cas(key, value, cas, exptime, done),
    );
  }

  /** True when the key existed. */
  async del(key: string, deadline: number): Promise<boolean> {
    return this.#call('delete', this.#where(key), deadline, (done) =>
      this.#memcached.del(key, done),
    );
  }

  close(): void {
    this.#closed = true;
    this.#memcached.end();
  }

  #call<T>(
    command: string,
    where: string,
    deadline: number,
    send: (done: Callback<T>) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const unreachable = (detail: string, cause?: unknown): void =>
        reject(
          new StoreUnavailableError(
            `memcached unreachable at ${where} — is it running? see \`make services\` (${command}: ${detail})`,
            cause === undefined ? undefined : { cause },
          ),
        );
      if (this.#closed) return reject(new StoreUnavailableError('memcached store is closed'));
      const waitMs = deadline - Date.now();
      if (waitMs <= 0) return unreachable('deadline passed before the command was sent');
      const timer = setTimeout(() => unreachable(`no answer within ${waitMs} ms`), waitMs);
      send(function (this: CommandContext | undefined, error: unknown, value: T): void {
        clearTimeout(timer);
        const failure = this?.failure;
        if (failure !== undefined) {
          reject(
            new StoreUnavailableError(
              `memcached at ${where} failed ${command}: ${failure} — check its log, memory (-m) and item size (-I)`,
            ),
          );
        } else if (error === undefined || error === null || isNotStored(error)) {
          resolve(value);
        } else {
          unreachable(describe(error), error);
        }
      });
    });
  }

  /** The node consistent hashing picks for `key`, for error messages. */
  #where(key: string): string {
    if (this.#locations.length === 1) return this.#locations[0] ?? '';
    return this.#memcached.HashRing.get(key) ?? this.#locations.join(', ');
  }

  /** Our items are stored as strings (flag 0), so anything else is a reply we cannot trust. */
  #text(key: string, value: unknown): string | undefined {
    if (value === undefined || typeof value === 'string') return value;
    throw this.#unexpected(key, value);
  }

  #unexpected(key: string, reply: unknown): StoreUnavailableError {
    // The reply itself may hold session data: name only its type.
    const kind = reply === null ? 'null' : typeof reply;
    return new StoreUnavailableError(
      `memcached at ${this.#where(key)} answered ${redactKey(key)} with an unexpected ${kind}`,
    );
  }

  #checkSize(key: string, value: string): void {
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_ITEM_BYTES) {
      throw new StoreUnavailableError(
        `memcached item ${redactKey(key)} would hold ${bytes} bytes, over memcached's 1 MB item limit; ` +
          'lower maxSessionBytes (or start memcached with a larger -I)',
      );
    }
  }
}

/**
 * Options of the package: fail fast, and leave deadlines to `#call`. Its failure options
 * (failures, retry, reconnect, remove, failuresTimeout) only drive the bypassed IssueLog.
 * Exported for the bench's raw-GET baseline, so both sides use the package alike.
 */
export function memcachedClientOptions(
  connectTimeoutMs: number,
): Memcached.options & PoolRetryOptions {
  return {
    timeout: Math.max(1, connectTimeoutMs),
    // A burst larger than the pool finds every connection still connecting and the pool "full";
    // retry that within milliseconds (the package default waits 1 s, 3 s, 9 s ...).
    retries: 5,
    minTimeout: 5,
    maxTimeout: 100,
    factor: 2,
    // Long keys are refused by itemKey(); hashing them would make `gets` replies unreadable.
    keyCompression: false,
  };
}

/** Connection-pool retry settings the package reads but @types/memcached does not declare. */
interface PoolRetryOptions {
  minTimeout: number;
  maxTimeout: number;
  factor: number;
}

function isNotStored(error: unknown): boolean {
  return error instanceof Error && 'notStored' in error;
}

function describe(error: unknown): string {
  if (Array.isArray(error)) return error.map(describe).join('; ');
  return error instanceof Error ? error.message : String(error);
}
