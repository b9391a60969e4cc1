/**
 * The session engine: one per process, shared by every request. `open(req, res)` turns the
 * request's cookie into a Session handle (session.ts); every store call goes through `call`,
 * which enforces the deadline and turns any store failure into StoreUnavailableError — never
 * into "no session" (fail closed, ASVS 5.0 16.5.3).
 */
import { createHash, createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SessionlabError, StoreUnavailableError } from '../core/errors.ts';
import { withDeadline } from '../core/deadline.ts';
import {
  cookieNameFor,
  isSecureRequest,
  issueCookie,
  readSessionCookie,
  reissueOnSuccess,
} from './cookie.ts';
import { CookieEnvelope } from './envelope.ts';
import type { CookieAttributes } from './cookie.ts';
import { resolveSessionOptions } from './options.ts';
import type { ResolvedSessionOptions, SessionOptions } from './options.ts';
import { SealingRing } from './sealing.ts';
import { Session } from './session.ts';
import type { RequestContext } from './session.ts';
import { SigningRing } from './signing.ts';
import type { SessionStore } from '../core/store.ts';
import { META } from './fields.ts';

export type SessionEventType =
  | 'created'
  | 'rotated'
  | 'destroyed'
  | 'expired'
  | 'tamper-rejected'
  | 'unknown-id'
  | 'store-error';

/** What the engine tells logs and metrics. Ids appear only as a short hash. */
export interface SessionEvent {
  type: SessionEventType;
  idHash?: string;
  user?: string;
  code?: string;
  message?: string;
}

export class SessionEngine extends EventEmitter<{ session: [SessionEvent] }> {
  readonly options: ResolvedSessionOptions;
  readonly signing: SigningRing;
  readonly sealing: SealingRing | undefined;
  readonly envelope: CookieEnvelope | undefined;

  constructor(options: SessionOptions) {
    super();
    this.options = resolveSessionOptions(options);
    this.signing = new SigningRing(this.options.signingKeys);
    this.sealing =
      this.options.encryptionKeys.length > 0
        ? new SealingRing(this.options.encryptionKeys)
        : undefined;
    this.envelope =
      this.options.cookieFormat === 'envelope'
        ? new CookieEnvelope(this.options.signingKeys)
        : undefined;
  }

  get store(): SessionStore {
    return this.options.store;
  }

  /**
   * Reads the request's session (or none). Rejects only with StoreUnavailableError, or with
   * CookieHeaderTooLargeError (431) before touching any session.
   */
  async open(req: IncomingMessage, res: ServerResponse): Promise<Session> {
    const { unsafe } = this.options;
    const secure = isSecureRequest(req, this.options) && !unsafe.insecureCookie;
    const context: RequestContext = {
      res,
      secure,
      cookieName: cookieNameFor(secure, this.options),
    };
    const none = (): Session => new Session(this, context, null);
    const raw = readSessionCookie(req, context.cookieName);
    if (raw === undefined) return none();
    const inner = this.envelope === undefined ? raw : this.envelope.open(raw);
    const verified = inner === null ? null : this.signing.verify(inner, unsafe.skipSignature);
    if (verified === null) {
      this.report({ type: 'tamper-rejected', message: 'cookie signature or format invalid' });
      if (unsafe.adoptClientId && /^[A-Za-z0-9_-]{1,128}$/.test(raw)) context.adoptId = raw;
      return none();
    }
    const { id } = verified;
    let loaded;
    try {
      loaded = await this.call('load', () => this.store.load(id));
    } catch (error) {
      if (unsafe.failOpen) return none();
      throw error;
    }
    if (loaded === null) {
      this.report({ type: 'unknown-id', idHash: this.idHash(id) });
      if (unsafe.readoptEndedId) context.adoptId = id;
      return none();
    }
    const now = Date.now();
    const deadline = Number(loaded.fields[META.absoluteDeadline] ?? 0);
    if ((deadline > 0 && now >= deadline) || loaded.ttlMs <= 0) {
      await this.call('destroy', () => this.store.destroy(id));
      this.report({ type: 'expired', idHash: this.idHash(id) });
      return none();
    }
    if (this.envelope !== undefined) {
      reissueOnSuccess(
        res,
        context.cookieName,
        () => this.cookieValue(id),
        this.cookieAttributes(secure),
      );
    } else if (verified.stale) {
      issueCookie(res, context.cookieName, this.cookieValue(id), this.cookieAttributes(secure));
    }
    // Lazy touch: only when a touch would extend the TTL by more than touchAfterMs (near the
    // absolute deadline the TTL already ends there, and a touch would change nothing).
    const ttlMs = this.ttlFor(loaded.fields, now);
    if (loaded.ttlMs < ttlMs - this.options.touchAfterMs && !unsafe.noTouch) {
      if (!(await this.call('touch', () => this.store.touch(id, ttlMs)))) return none();
    }
    return new Session(this, context, { id, fields: loaded.fields, ttlMs: loaded.ttlMs });
  }

  /** Ends every session of `user`, on every node; returns how many were live. */
  async destroyAllForUser(user: string): Promise<number> {
    const userKey = this.userKey(user);
    const ids = await this.call('userSessions', () => this.store.userSessions(userKey));
    return this.endSessions(user, userKey, ids);
  }

  /** Destroys the sessions `ids` of `user`, then drops them from the index; how many were live. */
  async endSessions(user: string, userKey: string, ids: readonly string[]): Promise<number> {
    const existed = await Promise.all(
      ids.map((id) => this.call('destroy', () => this.store.destroy(id))),
    );
    await this.call('unindexUser', () => this.store.unindexUser(userKey, ids));
    const count = existed.filter(Boolean).length;
    for (const [i, id] of ids.entries()) {
      if (existed[i]) this.report({ type: 'destroyed', idHash: this.idHash(id), user });
    }
    return count;
  }

  /** Remaining lifetime of a session: the idle timeout, capped by its absolute deadline. */
  ttlFor(fields: Readonly<Record<string, string>>, now: number): number {
    const deadline = Number(fields[META.absoluteDeadline] ?? 0);
    return deadline > 0
      ? Math.min(this.options.idleTimeoutMs, deadline - now)
      : this.options.idleTimeoutMs;
  }

  /** The cookie value of a session id: signed, and sealed in the `envelope` format. */
  cookieValue(id: string): string {
    const signed = this.signing.sign(id);
    const value = this.envelope === undefined ? signed : this.envelope.seal(signed);
    return this.options.unsafe.fatCookie ? `${value}.${'A'.repeat(4100)}` : value;
  }

  cookieAttributes(secure: boolean): CookieAttributes {
    const { unsafe } = this.options;
    return {
      secure: secure && !unsafe.insecureCookie,
      sameSite: unsafe.noSameSite ? undefined : this.options.sameSite,
      httpOnly: !unsafe.noHttpOnly,
      ...(unsafe.cookieDomain === undefined ? {} : { domain: unsafe.cookieDomain }),
    };
  }

  /**
   * A store call under the deadline; any failure becomes StoreUnavailableError. Not async, and
   * the deadline's label built only if it fires: this runs on every request.
   */
  call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    let started: Promise<T>;
    try {
      started = operation();
    } catch (error) {
      started = Promise.reject(error);
    }
    return withDeadline(
      started,
      this.options.storeTimeoutMs,
      () => `${this.store.kind} ${what}`,
    ).then(undefined, (error: unknown) => {
      const failure =
        error instanceof SessionlabError
          ? error
          : new StoreUnavailableError(`${this.store.kind} ${what} failed: ${String(error)}`, {
              cause: error,
            });
      this.report({ type: 'store-error', code: failure.code, message: failure.message });
      throw failure;
    });
  }

  report(event: SessionEvent): void {
    this.emit('session', event);
  }

  /** A short, non-reversible tag for logs: never log a session id in clear. */
  idHash(id: string): string {
    return createHash('sha256').update(id).digest('base64url').slice(0, 10);
  }

  /**
   * The user index key: a hash, so user names do not appear in store keys; keyed (HMAC) with
   * `userIndexSecret` when set, so it cannot be reversed from a list of names either.
   */
  userKey(user: string): string {
    const secret = this.options.userIndexSecret;
    const hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
    return hash.update(`user:${user}`).digest('base64url').slice(0, 22);
  }
}

export function createSessionEngine(options: SessionOptions): SessionEngine {
  return new SessionEngine(options);
}
