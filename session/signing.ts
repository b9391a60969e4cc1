/**
 * Signed cookie values: `<id>.<keyId>.<mac>`, mac = HMAC-SHA256(secret, "<keyId>.<id>") in
 * base64url. The primary key signs; every key of the ring verifies, and the result says
 * whether the value should be re-issued under the primary.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RingKey } from './options.ts';

// Length is the generator's business (idBytes); the MAC is what makes an id trustworthy.
/** Verified cookie values kept, per ring. */
const VERIFIED_CACHE_SIZE = 10_000;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** A new session id: `bytes` random bytes from the CSPRNG, base64url (no padding). */
export function generateId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export interface VerifiedCookie {
  id: string;
  /** True when signed by an older key of the ring: re-issue under the primary. */
  stale: boolean;
}

export class SigningRing {
  readonly #keys: ReadonlyMap<string, string>;
  readonly #primary: RingKey;
  readonly #verified = new Map<string, VerifiedCookie>();

  constructor(keys: readonly RingKey[]) {
    const [primary] = keys;
    if (!primary) throw new Error('a signing ring needs at least one key');
    this.#primary = primary;
    this.#keys = new Map(keys.map((k) => [k.id, k.secret]));
  }

  sign(id: string): string {
    return `${id}.${this.#primary.id}.${mac(this.#primary.secret, this.#primary.id, id)}`;
  }

  /**
   * The id inside a cookie value, or null when it is malformed, unknown-keyed or tampered.
   * `skipSignature`: the `skip-signature` negative control — never in production.
   */
  verify(value: string, skipSignature = false): VerifiedCookie | null {
    if (skipSignature) return this.#check(value, true);
    // Verification is a pure function of the value: remember recent good ones, so a session's
    // every request does not pay an HMAC. Bounded; tampered values are never cached.
    const known = this.#verified.get(value);
    if (known !== undefined) return known;
    const result = this.#check(value, false);
    if (result !== null) {
      if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
      this.#verified.set(value, result);
    }
    return result;
  }

  #check(value: string, skipSignature: boolean): VerifiedCookie | null {
    const parts = value.split('.');
    if (parts.length !== 3) return null;
    const [id = '', keyId = '', given = ''] = parts;
    const secret = this.#keys.get(keyId);
    if (secret === undefined || !ID_PATTERN.test(id)) return null;
    if (skipSignature) return { id, stale: keyId !== this.#primary.id };
    const expected = Buffer.from(mac(secret, keyId, id), 'base64url');
    const actual = Buffer.from(given, 'base64url');
    // base64url decoding ignores stray characters: compare the canonical form too.
    if (actual.length !== expected.length || actual.toString('base64url') !== given) return null;
    if (!timingSafeEqual(actual, expected)) return null;
    return { id, stale: keyId !== this.#primary.id };
  }
}

function mac(secret: string, keyId: string, id: string): string {
  return createHmac('sha256', secret).update(`${keyId}.${id}`).digest('base64url');
}
