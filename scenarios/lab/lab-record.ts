/**
 * The lab page's view into the store: the records that hold the page's own session, as the
 * store keeps them, with the session id replaced by a short hash wherever it appears.
 */
import { createHash } from 'node:crypto';
import { withDeadline } from '../../core/deadline.ts';
import type { StoreInspector } from '../conformance/types.ts';

export interface SessionRecord {
  key: string;
  /** Remaining time to live; -1: none. */
  ttlMs: number;
  values: string[];
}

/** How long a look into the store may take: a paused store must not hang the page. */
const RECORD_DEADLINE_MS = 500;

export function hashId(id: string): string {
  return `#${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/**
 * The session id inside a cookie value: the engine's `<id>.<keyId>.<mac>` or express-session's
 * `s:<id>.<signature>` (URL-encoded).
 */
export function sessionIdOf(cookieValue: string): string {
  let value = cookieValue;
  try {
    value = decodeURIComponent(cookieValue);
  } catch {
    // Not URL-encoded: the engine's base64url value is used as is.
  }
  return value.replace(/^s:/, '').split('.')[0] ?? '';
}

/** The session cookie's value from a Cookie header (`__Host-sid` or `sid`), if any. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name = '', ...rest] = part.trim().split('=');
    if (name === 'sid' || name === '__Host-sid') return rest.join('=');
  }
  return undefined;
}

export async function readSessionRecords(
  inspector: StoreInspector,
  id: string,
): Promise<SessionRecord[]> {
  // Ids are base64url: only such a token is ever used as a key pattern.
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(id)) return [];
  const hidden = (text: string): string => text.split(id).join(hashId(id));
  const look = async (): Promise<SessionRecord[]> => {
    const keys = await inspector.findKeys(id);
    return Promise.all(
      keys.map(async ({ key, ttlMs }) => ({
        key: hidden(key),
        ttlMs,
        values: (await inspector.values(key)).map(hidden),
      })),
    );
  };
  return withDeadline(look(), RECORD_DEADLINE_MS, 'the store inspector');
}
