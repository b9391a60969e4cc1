/**
 * The memcached store's wire format: what one item holds, as JSON text.
 *
 * A session item is `{"v":1,"exp":<epoch ms when the idle TTL ends>,"f":{...fields}}`. memcached
 * itself expires items by whole seconds, so `exp` is the precise deadline and an item past it
 * reads as absent. `take` leaves a short-lived tombstone `{"v":1,"gone":true}` that also reads as
 * absent. A user index item is `{"v":1,"exp":<epoch ms, 0: none>,"ids":[...session ids]}`.
 */
import { InvalidArgumentError, StoreUnavailableError } from '../core/errors.ts';
import type { Fields } from '../core/store.ts';

/** The JSON a session item holds. */
export type SessionItem = { v: 1; exp: number; f: Fields } | { v: 1; gone: true };

/** A live session decoded from its item. */
export interface LiveSession {
  fields: Fields;
  /** Epoch milliseconds at which the idle TTL ends. */
  expiresAt: number;
}

export const TOMBSTONE = JSON.stringify({ v: 1, gone: true } satisfies SessionItem);

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

/** A user index: session ids, and when the index may go (epoch ms; 0: never). */
export interface UserIndex {
  ids: string[];
  expiresAt: number;
}

/** The JSON a user index item holds. */
interface IndexItem {
  v: 1;
  exp: number;
  ids: string[];
}

export function encodeIndex(index: UserIndex): string {
  return JSON.stringify({ v: 1, exp: index.expiresAt, ids: index.ids } satisfies IndexItem);
}

/** The user index in an item's text; undefined when the item is absent. */
export function decodeIndex(key: string, text: string | undefined): UserIndex | undefined {
  if (text === undefined) return undefined;
  const item = parseJson(key, text);
  if (
    !isObject(item) ||
    item['v'] !== 1 ||
    typeof item['exp'] !== 'number' ||
    !Array.isArray(item['ids']) ||
    !item['ids'].every((id) => typeof id === 'string')
  ) {
    throw foreign(key, 'not a sessionlab user index');
  }
  return { ids: item['ids'] as string[], expiresAt: item['exp'] };
}

/**
 * memcached exptime for an item that must live until `expiresAt` (epoch ms; 0: no expiry): the
 * absolute unix time of the first whole second after it (memcached reads any exptime above 30
 * days as one).
 *
 * Not a relative number of seconds: memcached adds those to its own clock, which a once-a-second
 * timer advances and which stands still while memcached is stalled (SIGSTOP, CPU starvation, a
 * frozen VM). A write it serves as it resumes, before that timer fires, expires early by the
 * whole stall (measured: after a 4 s pause, a `set` queued meanwhile with exptime 5 lived 1 s).
 * An absolute time asks instead that the clocks of the app hosts and memcached hosts agree (NTP);
 * a stale memcached clock then only keeps an item longer, and after a stall its tick can lead the
 * wall clock by under a second (measured: at most 189 ms early over 192 items). Reads check `exp`.
 */
export function exptimeFor(expiresAt: number): number {
  return expiresAt === 0 ? 0 : Math.floor(expiresAt / 1000) + 1;
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
