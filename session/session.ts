/**
 * One request's view of its session. Reads come from the snapshot loaded once; writes are only
 * recorded (set, delete, increment) and `commit()` applies that delta atomically in the store,
 * so concurrent requests touching different keys never overwrite each other. A commit for a
 * session that ended meanwhile changes nothing (SessionGoneError) instead of recreating it.
 */
import type { ServerResponse } from 'node:http';
import {
  InvalidArgumentError,
  NotIntegerError,
  SessionGoneError,
  SessionTooLargeError,
} from '../core/errors.ts';
import { clearCookie, issueCookie } from './cookie.ts';
import type { SessionEngine } from './engine.ts';
import { META, dataField, encodeValue } from './fields.ts';
import {
  metaValue,
  moveData,
  readField,
  resealUser,
  toStoreOps,
  wholeSessionOps,
} from './codec.ts';
import type { PendingOp } from './codec.ts';
import { generateId } from './signing.ts';
import { applyOps } from '../core/store.ts';
import type { CommitResult, DeltaOp, Fields } from '../core/store.ts';

/** Largest step of one increment: 15 digits, like a counter, so their sum stays exact in a double. */
const MAX_INCREMENT = 999_999_999_999_999;

export interface RequestContext {
  res: ServerResponse;
  secure: boolean;
  cookieName: string;
  /** Set only under the `adopt-client-id` negative control. */
  adoptId?: string;
}

/** The data fields a new session starts with, made for its id from what a rotation took. */
type Carry = (id: string, taken: Fields | null) => Fields;

export interface RegenerateOptions {
  /** The authenticated user the new session belongs to (indexed for logout-everywhere). */
  user?: string;
  /** Keep the data of the session being replaced. @default true */
  carryOver?: boolean;
}

export class Session {
  readonly #engine: SessionEngine;
  readonly #context: RequestContext;
  #id: string | null;
  #fields: Fields;
  /** When the idle clock of the loaded session runs out (epoch ms). */
  #idleDeadline: number;
  #pending: PendingOp[] = [];
  /**
   * Values this request wrote, as JSON text (undefined: deleted), shadowing the snapshot.
   * Made on the first write: most requests only read.
   */
  #overlay: Map<string, string | undefined> | undefined;

  constructor(
    engine: SessionEngine,
    context: RequestContext,
    loaded: { id: string; fields: Fields; ttlMs: number } | null,
  ) {
    this.#engine = engine;
    this.#context = context;
    this.#id = loaded?.id ?? null;
    this.#fields = loaded?.fields ?? {};
    this.#idleDeadline = Date.now() + (loaded?.ttlMs ?? 0);
  }

  /** True when the request carries a live session. */
  get exists(): boolean {
    return this.#id !== null;
  }

  get user(): string | undefined {
    return readField(this.#fields, META.user, this.#id, this.#engine.sealing);
  }

  get createdAt(): number | undefined {
    const created = this.#fields[META.createdAt];
    return created === undefined ? undefined : Number(created);
  }

  get(key: string): unknown {
    const field = dataField(key);
    const text = this.#overlay?.has(key)
      ? this.#overlay.get(key)
      : readField(this.#fields, field, this.#id, this.#engine.sealing);
    return text === undefined ? undefined : JSON.parse(text);
  }

  /** Every data key with its value. */
  entries(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(this.#fields)) {
      if (field.startsWith('d:')) out[field.slice(2)] = undefined;
    }
    for (const key of this.#overlay?.keys() ?? []) out[key] = undefined;
    for (const key of Object.keys(out)) {
      const value = this.get(key);
      if (value === undefined) delete out[key];
      else out[key] = value;
    }
    return out;
  }

  set(key: string, value: unknown): void {
    dataField(key);
    const json = encodeValue(value);
    this.#pending.push({ op: 'set', key, json });
    (this.#overlay ??= new Map()).set(key, json);
  }

  delete(key: string): void {
    dataField(key);
    this.#pending.push({ op: 'del', key });
    (this.#overlay ??= new Map()).set(key, undefined);
  }

  increment(key: string, by = 1): void {
    dataField(key);
    // Stores add in doubles (Lua, JS): keep every sum of a 15-digit counter exact.
    if (!Number.isSafeInteger(by) || Math.abs(by) > MAX_INCREMENT) {
      throw new InvalidArgumentError(
        `invalid increment ${String(by)}: expected an integer from -${MAX_INCREMENT} to ${MAX_INCREMENT}`,
      );
    }
    this.#pending.push({ op: 'incr', key, by });
  }

  /** Applies the recorded delta; returns the value after each increment, in order. */
  async commit(): Promise<{ counters: number[] }> {
    if (this.#pending.length === 0) return { counters: [] };
    const engine = this.#engine;
    const { maxSessionBytes, unsafe } = engine.options;
    if (this.#id === null) {
      const meta = { [META.absoluteDeadline]: this.#deadlineFrom(Date.now()) };
      return { counters: (await this.#createWith(() => ({}), meta)).counters };
    }
    const id = this.#id;
    const now = Date.now();
    let ttlMs = engine.ttlFor(this.#fields, now);
    if (unsafe.noTouch) ttlMs = Math.min(ttlMs, this.#idleDeadline - now);
    if (ttlMs <= 0) throw this.#gone();
    const pending = [...resealUser(this.#fields, id, engine.sealing), ...this.#pending];
    let ops = toStoreOps(pending, id, engine.sealing);
    let localCounters: number[] | undefined;
    if (unsafe.wholeSessionWrites)
      ({ ops, counters: localCounters } = wholeSessionOps(this.#fields, ops));
    const commitOptions = { ttlMs, maxBytes: maxSessionBytes };
    let result: CommitResult = await engine.call('commit', () =>
      engine.store.commit(id, ops, commitOptions),
    );
    if (result.status === 'gone' && unsafe.resurrect) {
      const revived = applyOps(this.#fields, ops, 0);
      await engine.call('create', () => engine.store.create(id, revived.fields, ttlMs));
      result = revived.result;
    }
    if (result.status === 'gone') throw this.#gone();
    throwIfRefused(result, maxSessionBytes);
    const counters = localCounters ?? result.counters;
    this.#settle(ops, counters);
    return { counters };
  }

  /**
   * Login: a new id; the old one is dead in the store at once (read-and-delete, so a write
   * racing the login lands either in the carried data or nowhere). ASVS 5.0 7.2.4.
   */
  async regenerate(options: RegenerateOptions = {}): Promise<void> {
    const engine = this.#engine;
    const { unsafe } = engine.options;
    const oldId = this.#id;
    const now = Date.now();
    const meta: Fields = {
      [META.authenticatedAt]: String(now),
      [META.absoluteDeadline]: this.#deadlineFrom(now),
    };
    if (options.user !== undefined) meta[META.user] = options.user;
    let newId: string;
    if (oldId !== null && unsafe.noRotate) {
      for (const [field, value] of Object.entries(meta))
        this.#pending.push({ op: 'meta', field, value });
      await this.commit();
      newId = oldId;
      await this.#index(newId, options.user);
    } else {
      const carryOver = options.carryOver !== false;
      let carried: Carry = () => ({});
      let rotateFrom: string | undefined;
      if (oldId !== null) {
        // A request whose own writes cannot be stored fails before the old session is taken:
        // a refused write changes nothing, so it must not log the user out either.
        if (this.#pending.length > 0) {
          const base = carryOver ? this.#fields : {};
          const ops = toStoreOps(this.#pending, oldId, engine.sealing);
          const { maxSessionBytes } = engine.options;
          throwIfRefused(applyOps(base, ops, maxSessionBytes).result, maxSessionBytes);
        }
        const carry = (taken: Fields | null, id: string): Fields =>
          taken !== null && carryOver ? moveData(taken, oldId, id, engine.sealing) : {};
        if (unsafe.keepOldId) carried = (id) => carry(this.#fields, id);
        else if (engine.store.rotate !== undefined) {
          // Take and create in one store transaction: the old id is never dead without the new.
          rotateFrom = oldId;
          carried = (id, taken) => carry(taken, id);
        } else {
          const taken = await engine.call('take', () => engine.store.take(oldId));
          await this.#unindexOld(oldId, taken);
          carried = (id) => carry(taken, id);
        }
      }
      const index = (id: string): Promise<void> => this.#index(id, options.user);
      const created = await this.#createWith(carried, meta, index, rotateFrom);
      if (rotateFrom !== undefined) await this.#unindexOld(rotateFrom, created.taken);
      newId = created.id;
    }
    const user = options.user === undefined ? {} : { user: options.user };
    engine.report({ type: 'rotated', idHash: engine.idHash(newId), ...user });
  }

  /** Logout: the session is removed from the store and the cookie cleared. ASVS 5.0 7.4.1. */
  async destroy(): Promise<void> {
    const engine = this.#engine;
    const id = this.#id;
    if (id !== null && !engine.options.unsafe.cookieOnlyLogout) {
      await engine.call('destroy', () => engine.store.destroy(id));
      const user = this.user;
      if (user !== undefined) {
        await engine.call('unindexUser', () =>
          engine.store.unindexUser(engine.userKey(user), [id]),
        );
      }
      engine.report({
        type: 'destroyed',
        idHash: engine.idHash(id),
        ...(user === undefined ? {} : { user }),
      });
    }
    if (!engine.options.unsafe.keepCookieOnLogout) this.#clearCookie();
    this.#reset();
  }

  /** Removes a session taken by a rotation from its user's index. */
  async #unindexOld(oldId: string, taken: Fields | null): Promise<void> {
    const oldUser =
      taken === null ? undefined : readField(taken, META.user, oldId, this.#engine.sealing);
    if (oldUser === undefined) return;
    const engine = this.#engine;
    await engine.call('unindexUser', () =>
      engine.store.unindexUser(engine.userKey(oldUser), [oldId]),
    );
  }

  /** Records `id` in `user`'s index (for logout-everywhere); nothing without a user. */
  async #index(id: string, user: string | undefined): Promise<void> {
    if (user === undefined) return;
    const engine = this.#engine;
    const userKey = engine.userKey(user);
    const { absoluteTimeoutMs: ttlMs, maxSessionsPerUser } = engine.options;
    const overflow = await engine.call('indexUser', () =>
      engine.store.indexUser(userKey, id, ttlMs, maxSessionsPerUser),
    );
    if (overflow.length > 0) await engine.endSessions(user, userKey, overflow);
  }

  /**
   * Creates a session under a fresh id from data fields (made for that id from the fields a
   * rotation took), pending ops and metadata; with `rotateFrom`, through the store's `rotate`.
   * `afterCreate` runs once the store holds it, before its cookie is issued; when it fails the
   * session is destroyed again (a login that could not be indexed must not leave a session that
   * logout-everywhere cannot end).
   */
  async #createWith(
    base: Carry,
    meta: Fields,
    afterCreate?: (id: string) => Promise<void>,
    rotateFrom?: string,
  ): Promise<{ id: string; counters: number[]; taken: Fields | null }> {
    const engine = this.#engine;
    const { store } = engine;
    const { maxSessionBytes, idBytes } = engine.options;
    const now = Date.now();
    for (let attempt = 0; ; attempt++) {
      const id = (attempt === 0 ? this.#context.adoptId : undefined) ?? generateId(idBytes);
      let made: { fields: Fields; counters: number[] } | undefined;
      const build = (taken: Fields | null): { fields: Fields; ttlMs: number } => {
        const initial: Fields = { ...base(id, taken), [META.createdAt]: String(now) };
        for (const [field, value] of Object.entries(meta))
          initial[field] = metaValue(field, value, id, engine.sealing);
        const ops = toStoreOps(this.#pending, id, engine.sealing);
        const { result, fields } = applyOps(initial, ops, maxSessionBytes);
        throwIfRefused(result, maxSessionBytes);
        made = { fields, counters: result.status === 'ok' ? result.counters : [] };
        return { fields, ttlMs: engine.ttlFor(fields, now) };
      };
      let taken: Fields | null = null;
      let created: boolean;
      if (rotateFrom === undefined || store.rotate === undefined) {
        const { fields, ttlMs } = build(null);
        created = await engine.call('create', () => store.create(id, fields, ttlMs));
      } else {
        const rotate = store.rotate.bind(store);
        ({ taken, created } = await engine.call('rotate', () => rotate(rotateFrom, id, build)));
      }
      if (created && made !== undefined) {
        try {
          await afterCreate?.(id);
        } catch (error) {
          await engine.call('destroy', () => store.destroy(id)).catch(() => false);
          throw error;
        }
        this.#id = id;
        this.#fields = made.fields;
        this.#pending = [];
        const attrs = engine.cookieAttributes(this.#context.secure);
        issueCookie(this.#context.res, this.#context.cookieName, engine.cookieValue(id), attrs);
        engine.report({ type: 'created', idHash: engine.idHash(id) });
        return { id, counters: made.counters, taken };
      }
      // A 256-bit collision is not going to happen; a store that keeps saying "taken" is broken.
      if (attempt >= 2) throw new SessionGoneError();
    }
  }

  #deadlineFrom(now: number): string {
    const { absoluteTimeoutMs } = this.#engine.options;
    return String(absoluteTimeoutMs > 0 ? now + absoluteTimeoutMs : 0);
  }

  #clearCookie(): void {
    const attrs = this.#engine.cookieAttributes(this.#context.secure);
    clearCookie(this.#context.res, this.#context.cookieName, attrs);
  }

  #settle(ops: readonly DeltaOp[], counters: readonly number[]): void {
    const next = applyOps(this.#fields, ops, 0).fields;
    let i = 0;
    for (const op of ops) if (op.op === 'incr') next[op.field] = String(counters[i++]);
    this.#fields = next;
    this.#pending = [];
    this.#overlay = undefined;
  }

  #gone(): SessionGoneError {
    this.#reset();
    this.#clearCookie();
    return new SessionGoneError();
  }

  #reset(): void {
    this.#id = null;
    this.#fields = {};
    this.#pending = [];
    this.#overlay = undefined;
  }
}

/** Throws the typed error of a commit refused for its size or a non-integer counter. */
function throwIfRefused(
  result: CommitResult,
  maxSessionBytes: number,
): asserts result is Extract<CommitResult, { status: 'ok' | 'gone' }> {
  if (result.status === 'too-large') throw new SessionTooLargeError(result.bytes, maxSessionBytes);
  if (result.status === 'not-integer') throw new NotIntegerError(result.field.slice(2));
}
