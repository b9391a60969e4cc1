/**
 * Encryption at rest: each data value is sealed with AES-256-GCM under the primary key of a
 * ring, as `$s1.<keyId>.<base64url(iv | ciphertext | tag)>`. The session id and field name are
 * the additional data, so a sealed value cannot be moved to another session or key unnoticed.
 * Values sealed under an older key stay readable; they are re-sealed when next written.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { RingKey } from './options.ts';

const PREFIX = '$s1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealingRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #primaryId: string;

  constructor(keys: readonly RingKey[]) {
    const [primary] = keys;
    if (!primary) throw new Error('a sealing ring needs at least one key');
    this.#primaryId = primary.id;
    // HKDF turns a secret string of any shape into a uniform 256-bit key.
    this.#keys = new Map(
      keys.map((k) => [
        k.id,
        Buffer.from(hkdfSync('sha256', k.secret, 'sessionlab', `seal:${k.id}`, 32)),
      ]),
    );
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** True when `stored` is sealed under the primary key (nothing to re-seal). */
  isSealedUnderPrimary(stored: string): boolean {
    return stored.startsWith(`${PREFIX}${this.#primaryId}.`);
  }

  seal(plaintext: string, sessionId: string, field: string): string {
    const key = this.#keys.get(this.#primaryId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${sessionId}\0${field}`));
    const body = Buffer.concat([
      iv,
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${PREFIX}${this.#primaryId}.${body.toString('base64url')}`;
  }

  /** The plaintext, or null when the key is unknown or the value was altered. */
  open(stored: string, sessionId: string, field: string): string | null {
    const rest = stored.slice(PREFIX.length);
    const dot = rest.indexOf('.');
    const key = this.#keys.get(rest.slice(0, dot));
    if (dot < 0 || key === undefined) return null;
    const body = Buffer.from(rest.slice(dot + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(`${sessionId}\0${field}`));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }
}
