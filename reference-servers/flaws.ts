/**
 * Flaw switches (`--flaw NAME`, repeatable) on the engine reference server. Each breaks exactly
 * one guarantee: they are the negative controls that prove each conformance check can fail.
 */
import type { UnsafeFlaws } from '../session/options.ts';

export const FLAWS = {
  'memory-store': 'each node keeps sessions in its own memory, so nodes do not share them',
  'no-rotate': 'login keeps the pre-login session id (session fixation)',
  'keep-old-id': 'login issues a new id but the old one stays valid',
  'adopt-client-id': 'a session id chosen by the client is adopted when a session is created',
  'weak-id': 'session ids carry 32 random bits instead of 256',
  'no-httponly': 'the session cookie lacks HttpOnly',
  'no-samesite': 'the session cookie lacks SameSite',
  'insecure-cookie': 'the session cookie is never Secure (nor __Host-), even over HTTPS',
  'no-idle-timeout': 'sessions live for a day of inactivity whatever the declared idle timeout',
  'no-absolute-timeout': 'sessions have no absolute lifetime whatever the declared one',
  'no-touch': 'activity does not extend the idle timeout',
  'whole-session-writes': 'each request writes back its whole session snapshot (lost updates)',
  resurrect: 'a write to a session that ended meanwhile creates it again',
  'cookie-only-logout': 'logout clears the cookie but leaves the session in the store',
  'fail-open': 'a store failure is treated as "no session" (401) instead of 503',
  'no-size-limit': 'session writes of any size are accepted whatever the declared limit',
  'no-cache-control': 'session responses lack Cache-Control: no-store',
  'leak-id': 'the login response body echoes the session cookie',
  'failed-login-destroys': 'a failed login ends the session it came with, losing its data',
  'logout-keeps-cookie': 'logout ends the session in the store but does not clear the cookie',
  'logout-all-local': 'logout-all ends only the current session',
  'wide-cookie-scope': 'the session cookie carries a Domain attribute',
  'fat-cookie': 'the session cookie is padded past 4096 bytes',
  'skip-signature': 'the cookie signature is not checked',
  'bad-input-500': 'malformed requests are answered 500',
  'logout-on-store-error': 'a store failure clears the client cookie, logging the user out',
  'single-key': 'only the primary signing key verifies: a key rotation logs everybody out',
  'plaintext-at-rest': 'claims encryption at rest but stores values in clear',
  'touch-every-read': 'every session read rewrites the session TTL in the store',
  'text-errors': 'error answers are plain text, not {"error": ...} JSON',
  'contract-creates-session': 'GET /contract opens a session and sets a cookie',
  'cookie-on-401': 'GET /me without a session creates one and sets its cookie with the 401',
  'delete-ignored': 'DELETE /session/data/:key answers 204 but removes nothing',
  'lax-keys':
    'a bad data key is rewritten into a valid one (truncated, other characters as _), not 400',
  'per-request-size-limit': 'the size limit applies to each write, not to the stored session',
  'no-carry-over': 'claims carry-over but login starts an empty session',
  'anon-cookie-attributes': 'the cookie of an anonymous session lacks HttpOnly and SameSite',
  'partial-no-store': 'Cache-Control: no-store only on login, /me and logout',
  'fail-open-reads': 'a store failure on the data routes reads as an empty session',
  'short-idle-timeout': 'sessions idle out after half the declared idle timeout',
  'long-idle-timeout': 'sessions idle out after three times the declared idle timeout',
  'leak-error-detail': 'error bodies carry the internal message and stack trace',
  'envelope-no-rotate': 'envelope cookies (new string per response), but login keeps the id',
  'envelope-readopt': 'envelope cookies; a write through a logged-out cookie brings its id back',
  'no-replica-acks':
    'claims failover but acknowledges logins and logouts before any redis replica holds them',
  // A flaw of the local cluster, not of the node: the orchestrator starts redis without it.
  'volatile-store': 'redis runs without persistence while the nodes claim durable-store',
} as const;

export type Flaw = keyof typeof FLAWS;

/** Flaws that only make sense with the `envelope` cookie format: they switch it on. */
export const ENVELOPE_FLAWS: readonly Flaw[] = ['envelope-no-rotate', 'envelope-readopt'];
/** Flaws that only a redis store can have: their controls run on redis only. */
export const REDIS_ONLY_FLAWS: readonly Flaw[] = ['volatile-store'];
/** Flaws that only a store with replicas can have (redis-sentinel, redis-cluster). */
export const REPLICATED_ONLY_FLAWS: readonly Flaw[] = ['no-replica-acks'];

export function isFlaw(name: string): name is Flaw {
  return Object.hasOwn(FLAWS, name);
}

/** The engine's unsafe switches for a set of flaws (flaws handled by the server itself map to nothing). */
export function unsafeFlawsFor(flaws: ReadonlySet<Flaw>): UnsafeFlaws {
  const unsafe: UnsafeFlaws = {};
  if (flaws.has('no-rotate') || flaws.has('envelope-no-rotate')) unsafe.noRotate = true;
  if (flaws.has('envelope-readopt')) unsafe.readoptEndedId = true;
  if (flaws.has('keep-old-id')) unsafe.keepOldId = true;
  if (flaws.has('adopt-client-id')) unsafe.adoptClientId = true;
  if (flaws.has('weak-id')) unsafe.weakIdBytes = 4;
  if (flaws.has('no-httponly')) unsafe.noHttpOnly = true;
  if (flaws.has('no-samesite')) unsafe.noSameSite = true;
  if (flaws.has('insecure-cookie')) unsafe.insecureCookie = true;
  if (flaws.has('no-touch')) unsafe.noTouch = true;
  if (flaws.has('whole-session-writes')) unsafe.wholeSessionWrites = true;
  if (flaws.has('resurrect')) unsafe.resurrect = true;
  if (flaws.has('cookie-only-logout')) unsafe.cookieOnlyLogout = true;
  if (flaws.has('fail-open')) unsafe.failOpen = true;
  if (flaws.has('logout-keeps-cookie')) unsafe.keepCookieOnLogout = true;
  if (flaws.has('wide-cookie-scope')) unsafe.cookieDomain = 'localhost';
  if (flaws.has('fat-cookie')) unsafe.fatCookie = true;
  if (flaws.has('skip-signature')) unsafe.skipSignature = true;
  return unsafe;
}
