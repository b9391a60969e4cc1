/**
 * The `envelope` cookie format: the signed value (`<id>.<keyId>.<mac>`, signing.ts) sealed with
 * AES-256-GCM under a fresh IV, as `base64url(iv | ciphertext | tag)` — the shape of
 * gorilla/securecookie, Rails' encrypted cookies and itsdangerous. The same session thus shows a
 * different cookie string on every response: only behaviour says whether two cookies are one
 * session. Every key of the signing ring opens; the primary seals.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { RingKey } from './options.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CookieEnvelope {
  readonly #keys: readonly Buffer[];

  constructor(keys: readonly RingKey[]) {
    if (keys.length === 0) throw new Error('a cookie envelope needs at least one key');
    // A separate HKDF label: the envelope key never equals the MAC key or a sealing key.
    this.#keys = keys.map((k) =>
      Buffer.from(hkdfSync('sha256', k.secret, 'sessionlab', `envelope:${k.id}`, 32)),
    );
  }

  seal(inner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0] as Buffer, iv);
    const body = Buffer.concat([iv, cipher.update(inner, 'utf8'), cipher.final()]);
    return Buffer.concat([body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The inner signed value, or null for anything that is not an envelope one of our keys sealed. */
  open(value: string): string | null {
    const body = Buffer.from(value, 'base64url');
    // base64url decoding skips stray characters: only the canonical form is an envelope.
    if (body.length <= IV_BYTES + TAG_BYTES || body.toString('base64url') !== value) return null;
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const inner = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
        return Buffer.concat([inner, decipher.final()]).toString('utf8');
      } catch {
        // not sealed under this key: try the next one
      }
    }
    return null;
  }
}
