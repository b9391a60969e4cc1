/**
 * Engine options: the interface with defaults, and the check-then-fill step that turns what a
 * caller passed into a complete, validated configuration (or throws naming the bad field).
 */
import { BlockList, isIP } from 'node:net';
import { InvalidOptionError } from '../core/errors.ts';
import type { SessionStore } from '../core/store.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/store.ts';

/** A named secret. The first key of a ring is the primary: it signs or seals; all keys verify. */
export interface RingKey {
  /** Short name written next to each signature or sealed value: `[A-Za-z0-9_-]{1,16}`. */
  id: string;
  /** At least 32 characters of high-entropy secret. */
  secret: string;
}

/**
 * Deliberate flaws, for negative controls only (reference-servers `--flaw`): each breaks one
 * guarantee so the conformance checks can prove they catch it. Never set these in production.
 */
export interface UnsafeFlaws {
  /** Login rotates the id but the old one stays valid. */
  keepOldId?: boolean;
  /** Login keeps the id the session had (fixation). */
  noRotate?: boolean;
  /** A cookie value the engine cannot verify becomes the id of the next session it creates. */
  adoptClientId?: boolean;
  /** Random bytes in an id, below the 32-byte floor (weak ids). */
  weakIdBytes?: number;
  /** Commits rewrite the whole session from this request's snapshot (lost updates). */
  wholeSessionWrites?: boolean;
  /** A commit for a session that is gone creates it again. */
  resurrect?: boolean;
  /** Logout clears the cookie and leaves the session in the store. */
  cookieOnlyLogout?: boolean;
  /** Activity never extends the idle timeout. */
  noTouch?: boolean;
  /** A store failure while opening a session is treated as "no session". */
  failOpen?: boolean;
  noHttpOnly?: boolean;
  noSameSite?: boolean;
  /** Never Secure, never `__Host-`, even over HTTPS. */
  insecureCookie?: boolean;
  /** Logout ends the session in the store but leaves the cookie in the browser. */
  keepCookieOnLogout?: boolean;
  /** The cookie gets a Domain attribute (wider than the host). */
  cookieDomain?: string;
  /** The cookie value is padded past the 4096-byte limit browsers keep. */
  fatCookie?: boolean;
  /** The signature is not checked: any well-formed `<id>.<key>.<anything>` is believed. */
  skipSignature?: boolean;
  /** A verified cookie whose session is gone (logged out) becomes the id of the next session. */
  readoptEndedId?: boolean;
}

export const COOKIE_FORMATS = ['signed', 'envelope'] as const;
/** `signed`: `<id>.<keyId>.<mac>`; `envelope`: that value sealed under a fresh IV (envelope.ts). */
export type CookieFormat = (typeof COOKIE_FORMATS)[number];

export interface SessionOptions {
  /** The shared store every node of the application uses. */
  store: SessionStore;
  /** Cookie signing keyring, primary first. */
  signingKeys: readonly RingKey[];
  /** Cookie name; `__Host-` is prefixed whenever the cookie is Secure. @default 'sid' */
  cookieName?: string;
  /** @default 'Lax' */
  sameSite?: 'Lax' | 'Strict';
  /** How the id travels in the cookie; `envelope` re-issues the cookie on every success. @default 'signed' */
  cookieFormat?: CookieFormat;
  /** Idle timeout: a session unseen for this long is gone. @default 1_800_000 (30 min) */
  idleTimeoutMs?: number;
  /** Absolute lifetime counted from login (or creation); 0 means none. @default 43_200_000 (12 h) */
  absoluteTimeoutMs?: number;
  /**
   * A read refreshes the store TTL only when at least this long has passed since the last
   * refresh, i.e. when the remaining TTL is below idleTimeoutMs − touchAfterMs (near the absolute
   * deadline: below the time left to it − touchAfterMs). A session thus expires between
   * idleTimeoutMs − touchAfterMs and idleTimeoutMs after its last request.
   * @default min(idleTimeoutMs / 10, 60_000)
   */
  touchAfterMs?: number;
  /** Largest stored size of the session data, in bytes; 0 means no limit. @default 65_536 */
  maxSessionBytes?: number;
  /** Deadline of every store call, in milliseconds. @default 1000 */
  storeTimeoutMs?: number;
  /** Encryption at rest: data values sealed with AES-256-GCM under this ring. @default [] (off) */
  encryptionKeys?: readonly RingKey[];
  /**
   * Addresses or CIDR blocks of proxies whose X-Forwarded-Proto is believed (the nginx in front).
   * A request from any other address is HTTPS only if its own socket is TLS. @default []
   */
  trustedProxies?: readonly string[];
  /**
   * Every cookie is Secure (and `__Host-`) whatever the request looks like: for a node behind
   * a TLS terminator whose address is not known, so trustedProxies cannot name it. Only for
   * sites served over HTTPS alone: a browser on plain HTTP never sends the cookie back.
   * @default false
   */
  forceSecureCookie?: boolean;
  /** Random bytes in a session id (256 bits). @default 32 */
  idBytes?: number;
  /**
   * Live sessions one user may hold (ASVS V3/V7 concurrent session limit); a login beyond it
   * ends the user's oldest sessions. 0 means no limit. @default 100
   */
  maxSessionsPerUser?: number;
  /**
   * Secret (>= 32 characters) keying the user-index hash (HMAC-SHA-256), so index keys cannot be
   * matched against a list of user names. Its own secret, not derived from signingKeys: rotating
   * those must not move the index. Unset: the unkeyed SHA-256 of older versions. @default unset
   */
  userIndexSecret?: string;
  /** Negative controls only. @default {} */
  unsafe?: UnsafeFlaws;
}

export const DEFAULT_SESSION_OPTIONS = {
  cookieName: 'sid',
  sameSite: 'Lax',
  cookieFormat: 'signed',
  idleTimeoutMs: 1_800_000,
  absoluteTimeoutMs: 43_200_000,
  maxSessionBytes: 65_536,
  storeTimeoutMs: DEFAULT_STORE_TIMEOUT_MS,
  encryptionKeys: [],
  trustedProxies: [],
  forceSecureCookie: false,
  idBytes: 32,
  maxSessionsPerUser: 100,
} as const;

export interface ResolvedSessionOptions {
  store: SessionStore;
  signingKeys: readonly RingKey[];
  cookieName: string;
  sameSite: 'Lax' | 'Strict';
  cookieFormat: CookieFormat;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  touchAfterMs: number;
  maxSessionBytes: number;
  storeTimeoutMs: number;
  encryptionKeys: readonly RingKey[];
  trustedProxies: BlockList;
  forceSecureCookie: boolean;
  maxSessionsPerUser: number;
  userIndexSecret: string | undefined;
  idBytes: number;
  unsafe: UnsafeFlaws;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checkRing(field: string, ring: readonly RingKey[] | undefined, required: boolean): void {
  if (ring === undefined || ring.length === 0) {
    if (required) throw new InvalidOptionError(`${field}: expected at least one key`);
    return;
  }
  const seen = new Set<string>();
  for (const key of ring) {
    if (!KEY_ID.test(key.id))
      throw new InvalidOptionError(`invalid ${field} id "${key.id}": expected [A-Za-z0-9_-]{1,16}`);
    if (seen.has(key.id))
      throw new InvalidOptionError(`${field}: key id "${key.id}" appears twice`);
    if (typeof key.secret !== 'string' || key.secret.length < 32) {
      throw new InvalidOptionError(
        `${field} "${key.id}": the secret must have at least 32 characters`,
      );
    }
    seen.add(key.id);
  }
}

function checkInteger(field: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new InvalidOptionError(`invalid ${field} ${value}: expected an integer >= ${min}`);
  }
}

/** The lifetime and size options every session layer declares (engine and reference servers). */
export type LifetimeOptions = Pick<
  SessionOptions,
  'idleTimeoutMs' | 'absoluteTimeoutMs' | 'maxSessionBytes' | 'storeTimeoutMs'
>;

/** Throws InvalidOptionError naming the first lifetime option that is out of range. */
export function checkLifetimeOptions(options: LifetimeOptions): void {
  checkInteger('idleTimeoutMs', options.idleTimeoutMs, 1000);
  checkInteger('absoluteTimeoutMs', options.absoluteTimeoutMs, 0);
  checkInteger('maxSessionBytes', options.maxSessionBytes, 0);
  checkInteger('storeTimeoutMs', options.storeTimeoutMs, 1);
}

function buildBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0)
      throw new InvalidOptionError(
        `invalid trustedProxies entry "${entry}": expected an IP or CIDR`,
      );
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** Checks every option, then fills defaults into a new object. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  if (!options.store) throw new InvalidOptionError('store: expected a SessionStore');
  checkRing('signingKeys', options.signingKeys, true);
  checkRing('encryptionKeys', options.encryptionKeys, false);
  if (options.cookieName !== undefined && !COOKIE_NAME.test(options.cookieName)) {
    throw new InvalidOptionError(
      `invalid cookieName "${options.cookieName}": expected [A-Za-z0-9_-]{1,64}`,
    );
  }
  if (
    options.sameSite !== undefined &&
    options.sameSite !== 'Lax' &&
    options.sameSite !== 'Strict'
  ) {
    throw new InvalidOptionError(
      `invalid sameSite "${String(options.sameSite)}": expected Lax | Strict`,
    );
  }
  if (
    options.cookieFormat !== undefined &&
    !(COOKIE_FORMATS as readonly string[]).includes(options.cookieFormat)
  ) {
    throw new InvalidOptionError(
      `invalid cookieFormat "${String(options.cookieFormat)}": expected ${COOKIE_FORMATS.join(' | ')}`,
    );
  }
  checkLifetimeOptions(options);
  checkInteger('touchAfterMs', options.touchAfterMs, 0);
  checkInteger('idBytes', options.idBytes, 32);
  checkInteger('maxSessionsPerUser', options.maxSessionsPerUser, 0);
  const { userIndexSecret } = options;
  if (
    userIndexSecret !== undefined &&
    (typeof userIndexSecret !== 'string' || userIndexSecret.length < 32)
  ) {
    throw new InvalidOptionError('invalid userIndexSecret: expected a string of >= 32 characters');
  }
  if (options.forceSecureCookie !== undefined && typeof options.forceSecureCookie !== 'boolean') {
    throw new InvalidOptionError(
      `invalid forceSecureCookie ${String(options.forceSecureCookie)}: expected true | false`,
    );
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_SESSION_OPTIONS.idleTimeoutMs;
  const touchAfterMs = options.touchAfterMs ?? Math.min(Math.floor(idleTimeoutMs / 10), 60_000);
  if (touchAfterMs >= idleTimeoutMs) {
    throw new InvalidOptionError(
      `invalid touchAfterMs ${touchAfterMs}: expected less than idleTimeoutMs ${idleTimeoutMs}`,
    );
  }
  return {
    store: options.store,
    signingKeys: [...options.signingKeys],
    cookieName: options.cookieName ?? DEFAULT_SESSION_OPTIONS.cookieName,
    sameSite: options.sameSite ?? DEFAULT_SESSION_OPTIONS.sameSite,
    cookieFormat: options.cookieFormat ?? DEFAULT_SESSION_OPTIONS.cookieFormat,
    idleTimeoutMs,
    absoluteTimeoutMs: options.absoluteTimeoutMs ?? DEFAULT_SESSION_OPTIONS.absoluteTimeoutMs,
    touchAfterMs,
    maxSessionBytes: options.maxSessionBytes ?? DEFAULT_SESSION_OPTIONS.maxSessionBytes,
    storeTimeoutMs: options.storeTimeoutMs ?? DEFAULT_SESSION_OPTIONS.storeTimeoutMs,
    encryptionKeys: [...(options.encryptionKeys ?? DEFAULT_SESSION_OPTIONS.encryptionKeys)],
    trustedProxies: buildBlockList(
      options.trustedProxies ?? DEFAULT_SESSION_OPTIONS.trustedProxies,
    ),
    forceSecureCookie: options.forceSecureCookie ?? DEFAULT_SESSION_OPTIONS.forceSecureCookie,
    maxSessionsPerUser: options.maxSessionsPerUser ?? DEFAULT_SESSION_OPTIONS.maxSessionsPerUser,
    userIndexSecret: options.userIndexSecret,
    idBytes: options.unsafe?.weakIdBytes ?? options.idBytes ?? DEFAULT_SESSION_OPTIONS.idBytes,
    unsafe: { ...options.unsafe },
  };
}
