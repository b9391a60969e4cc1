/**
 * Sessions made up front, one per bench connection: each logs in as its own user and stores
 * the bench key, so a read finds a realistic session. Targets without sessions get cookies of
 * the same shape, so every request still carries (and every server still parses) one.
 */
import { randomBytes } from 'node:crypto';
import { BENCH_KEY, BENCH_VALUE } from '../../reference-servers/bench/nosession-app.ts';
import { SessionClient } from '../conformance/client.ts';

/** Logins in flight at once while sessions are made. */
const PARALLEL_LOGINS = 10;

/** A logged-in client holding the bench key; throws (a set-up error) when the target refuses. */
export async function loginWithData(
  baseUrl: string,
  user: string,
  password: string,
): Promise<SessionClient> {
  const client = new SessionClient();
  const login = await client.request(baseUrl, 'POST', '/login', { body: { user, password } });
  if (login.status !== 200)
    throw new Error(`login at ${baseUrl} answered ${login.status} ${login.text}`);
  const path = `/session/data/${BENCH_KEY}`;
  const put = await client.request(baseUrl, 'PUT', path, { body: { value: BENCH_VALUE } });
  if (put.status !== 204)
    throw new Error(`PUT ${path} at ${baseUrl} answered ${put.status} ${put.text}`);
  if (client.cookie === '') throw new Error(`login at ${baseUrl} set no cookie`);
  return client;
}

/** `count` live sessions on the target at `baseUrl`: their Cookie header values. */
export async function createSessions(
  baseUrl: string,
  count: number,
  password: string,
): Promise<string[]> {
  const cookies: string[] = [];
  for (let first = 0; first < count; first += PARALLEL_LOGINS) {
    const batch = Array.from({ length: Math.min(PARALLEL_LOGINS, count - first) }, (_, i) =>
      loginWithData(baseUrl, `bench${first + i}`, password),
    );
    for (const client of await Promise.all(batch)) cookies.push(client.cookie);
  }
  return cookies;
}

/** Cookies shaped like the engine's signed `sid=<id>.<keyId>.<mac>`, for targets without sessions. */
export function syntheticCookies(count: number): string[] {
  const part = (): string => randomBytes(32).toString('base64url');
  return Array.from({ length: count }, () => `sid=${part()}.k1.${part()}`);
}
