/**
 * An express-session `Store` over any sessionlab store (redis via ioredis — which
 * connect-redis 9 dropped — redis-cluster, memcached), so an existing express-session app can
 * share sessions through them unchanged.
 *
 * It keeps express-session's semantics: the whole session is one JSON blob written back
 * after each request, so concurrent requests still overwrite each other and `set` after a
 * logout recreates the session. Those are the faults the sessionlab engine exists to avoid;
 * this adapter only gives such apps a well-behaved connection (deadlines, fail-closed errors).
 */
import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SessionStore } from '../core/store.ts';

export interface ExpressSessionStoreOptions {
  /** TTL when the session cookie has no maxAge, in milliseconds. @default 86_400_000 (1 day) */
  ttlMs?: number;
}

export const DEFAULT_EXPRESS_SESSION_STORE_OPTIONS = { ttlMs: 86_400_000 };

const BLOB = 'e:sess';

type Callback<T = void> = (error: unknown, value?: T) => void;

export class ExpressSessionStore extends session.Store {
  readonly #store: SessionStore;
  readonly #ttlMs: number;

  constructor(store: SessionStore, options: ExpressSessionStoreOptions = {}) {
    super();
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_EXPRESS_SESSION_STORE_OPTIONS.ttlMs;
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    settle(
      this.#store.load(sid).then((loaded) => {
        const blob = loaded?.fields[BLOB];
        return blob === undefined ? null : (JSON.parse(blob) as SessionData);
      }),
      callback,
    );
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const blob = JSON.stringify(data);
    const ttlMs = this.#ttlFor(data);
    const write = async (): Promise<void> => {
      const result = await this.#store.commit(sid, [{ op: 'set', field: BLOB, value: blob }], {
        ttlMs,
        maxBytes: 0,
      });
      if (result.status === 'gone' && !(await this.#store.create(sid, { [BLOB]: blob }, ttlMs))) {
        // Created by a concurrent request between the two calls: overwrite, as express-session would.
        await this.#store.commit(sid, [{ op: 'set', field: BLOB, value: blob }], {
          ttlMs,
          maxBytes: 0,
        });
      }
    };
    settle(write(), callback);
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    settle(
      this.#store.touch(sid, this.#ttlFor(data)).then(() => undefined),
      callback,
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(
      this.#store.destroy(sid).then(() => undefined),
      callback,
    );
  }

  #ttlFor(data: SessionData): number {
    const maxAge = data.cookie?.maxAge;
    return typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.#ttlMs;
  }
}

function settle<T>(promise: Promise<T>, callback: Callback<T> | undefined): void {
  promise.then(
    (value) => callback?.(null, value),
    (error: unknown) => callback?.(error),
  );
}
