/**
 * How a session is laid out in the store's flat field map: `m:` metadata the engine owns,
 * `d:<key>` user data (JSON text, or sealed JSON text; counters are plain integers so the
 * store can add to them atomically).
 */
import { InvalidArgumentError } from '../core/errors.ts';

export const META = {
  createdAt: 'm:c',
  authenticatedAt: 'm:l',
  /** Epoch ms at which the session ends whatever its activity; 0: never. */
  absoluteDeadline: 'm:x',
  /** The user name: sealed with encryption at rest, like the data (codec.ts). */
  user: 'm:u',
} as const;

const DATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** The store field of a data key; rejects keys outside the contract's alphabet. */
export function dataField(key: string): string {
  if (!DATA_KEY.test(key)) {
    throw new InvalidArgumentError(
      `invalid session key "${key.slice(0, 80)}": expected [A-Za-z0-9_.-]{1,64}`,
    );
  }
  return `d:${key}`;
}

/** JSON text of a value the session can hold; rejects what JSON cannot represent. */
export function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    throw new InvalidArgumentError('session values must be JSON-serialisable');
  return text;
}
