/**
 * The memcached store's wire format: what one item holds, as JSON text.
 *
 * A session item is `{"v":1,"exp":<epoch ms when the idle TTL ends>,"f":{...fields}}`. memcached
 * itself expires items by whole seconds, so `exp` is the precise deadline and an item past it
 * reads as absent. `take` leaves a short-lived tombstone `{"v":1,"gone":true}` that also reads as
 * absent. A user index item is a JSON array of session ids.
 */
import { InvalidArgumentError, StoreUnavailableError } from '../session/errors.ts';
import type { Fields } from './types.ts';

/** The JSON a session item holds. */
export type SessionItem = { v: 1; exp: number; f: Fields } | { v: 1; gone: true };

/** A live session decoded from its item. */
export interface LiveSession {
  fields: Fields;
  /** Epoch milliseconds at which the idle TTL ends. */
  expiresAt: number;
}

export const TOMBSTONE = JSON.stringify({ v: 1, gone: true } satisfies SessionItem);

/** memcached reads an exptime above 30 days as an absolute unix time, not a duration. */
const MAX_RELATIVE_EXPIRY_SECONDS = 30 * 24 * 3600;
/** memcached's default largest item (`-I 1m`), key and item header included. */
export const MAX_ITEM_BYTES = 1024 * 1024;

export function encodeSession(fields: Fields, expiresAt: number): string {
  return JSON.stringify({ v: 1, exp: expiresAt, f: fields } satisfies SessionItem);
}

/**
 * The live session in an item's text, or null when the item is missing, a tombstone, or past
 * its `exp` (memcached may keep it up to a second longer). Throws on text that is not ours.
 */
export function decodeSession(
  key: string,
  text: string | undefined,
  now: number,
): LiveSession | null {
  if (text === undefined) return null;
  const item = parseJson(key, text);
  if (isObject(item) && item['v'] === 1 && item['gone'] === true) return null;
  if (
    !isObject(item) ||
    item['v'] !== 1 ||
    typeof item['exp'] !== 'number' ||
    !isFields(item['f'])
  ) {
    throw foreign(key, 'not a sessionlab session item');
  }
  if (item['exp'] <= now) return null;
  return { fields: item['f'], expiresAt: item['exp'] };
}

/** Session ids in a user index item; an absent item is an empty index. */
export function decodeIndex(key: string, text: string | undefined): string[] {
  if (text === undefined) return [];
  const ids = parseJson(key, text);
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
    throw foreign(key, 'not a sessionlab user index (a JSON array of ids)');
  }
  return ids;
}

/**
 * memcached exptime for a TTL: whole seconds, plus one. memcached's clock ticks once a second,
 * so an item stored late in a tick can expire almost a second early; the extra second keeps
 * it until `exp` (which reads check, to the millisecond) has passed. Never 0 ("never expires").
 */
export function expirySeconds(ttlMs: number, now: number): number {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000)) + 1;
  if (seconds <= MAX_RELATIVE_EXPIRY_SECONDS) return seconds;
  return Math.ceil((now + ttlMs) / 1000);
}

/** Key of the item holding session `id`. */
export function sessionKey(prefix: string, id: string): string {
  return itemKey(prefix, `s:${id}`);
}

/** Key of the item holding the ids of `userKey`'s sessions. */
export function userIndexKey(prefix: string, userKey: string): string {
  return itemKey(prefix, `u:${userKey}`);
}

/**
 * The memcached key for `name` under `prefix`. The text protocol forbids whitespace and control
 * characters and caps keys at 250 bytes; the package would otherwise hash long keys (with
 * keyCompression) or fail the call, which would read as an outage.
 */
function itemKey(prefix: string, name: string): string {
  const key = `${prefix}${name}`;
  if (!/^[\x21-\x7e]{1,250}$/.test(key)) {
    throw new InvalidArgumentError(
      `memcached key ${redactKey(key)} (${key.length} characters) is not storable: ` +
        'expected 1 to 250 printable ASCII characters, no spaces',
    );
  }
  return key;
}

/** A key for messages and logs: the session id or user key after the last `:` is a secret. */
export function redactKey(key: string): string {
  return key.replace(/:[^:]*$/, ':…');
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw foreign(key, 'not JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFields(value: unknown): value is Fields {
  return isObject(value) && Object.values(value).every((field) => typeof field === 'string');
}

// Fail closed: an item we cannot read makes the store unusable for that key, never "absent".
function foreign(key: string, what: string): StoreUnavailableError {
  return new StoreUnavailableError(
    `memcached item ${redactKey(key)} is ${what} — does another application write under this keyPrefix?`,
  );
}
