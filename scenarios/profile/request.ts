/**
 * Sends a profile's requests and judges its matchers. Placeholders `{user}`, `{password}`,
 * `{csrf}`, `{value}` are replaced in the path, header values and body values; redirects are
 * never followed (undici's `request` does not follow them).
 */
import type { SessionClient } from '../conformance/client.ts';
import type { Reply } from '../conformance/client.ts';
import type {
  Profile,
  ProfileCsrf,
  ProfileMatcher,
  ProfileReader,
  ProfileRequest,
} from './types.ts';

export interface Placeholders {
  user?: string;
  password?: string;
  csrf?: string;
  value?: string;
}

export function fill(text: string, vars: Placeholders, encode = (s: string) => s): string {
  return text.replace(/\{(user|password|csrf|value)\}/g, (whole, name: keyof Placeholders) => {
    const v = vars[name];
    return v === undefined ? whole : encode(v);
  });
}

function fillDeep(value: unknown, vars: Placeholders): unknown {
  if (typeof value === 'string') return fill(value, vars);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, vars));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, vars)]));
  return value;
}

/** One profile request with the client's cookies; `cookie` replaces the jar's. */
export async function sendProfileRequest(
  profile: Profile,
  client: SessionClient,
  baseUrl: string,
  request: ProfileRequest,
  vars: Placeholders,
  cookie?: string,
): Promise<Reply> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...profile.headers, ...request.headers }))
    headers[name.toLowerCase()] = fill(value, vars);
  const path = fill(request.path, vars, encodeURIComponent);
  const body: { body?: unknown; rawBody?: string } = {};
  if (request.json !== undefined) body.body = fillDeep(request.json, vars);
  if (request.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body.rawBody = new URLSearchParams(
      Object.entries(request.form).map(([k, v]): [string, string] => [k, fill(v, vars)]),
    ).toString();
  }
  return client.request(baseUrl, request.method, path, {
    headers,
    ...body,
    ...(cookie === undefined ? {} : { cookie }),
  });
}

/** RFC 6901: the value at `pointer` in `doc`, undefined when absent. */
export function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Why `reply` does not satisfy `matcher`, or undefined when every given property holds. */
export function mismatch(
  matcher: ProfileMatcher,
  reply: Reply,
  vars: Placeholders,
): string | undefined {
  if (matcher.status && !matcher.status.includes(reply.status))
    return `status ${reply.status}, expected ${matcher.status.join(' or ')}`;
  for (const [name, regex] of Object.entries(matcher.headers ?? {})) {
    const raw = reply.headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(', ') : (raw ?? '');
    if (!new RegExp(fill(regex, vars, escapeRegex)).test(value))
      return `header ${name} is "${value.slice(0, 120)}", expected /${regex}/`;
  }
  if (
    matcher.bodyRegex !== undefined &&
    !new RegExp(fill(matcher.bodyRegex, vars, escapeRegex)).test(reply.text)
  )
    return `body does not match /${matcher.bodyRegex}/: ${JSON.stringify(reply.text.slice(0, 160))}`;
  if (matcher.jsonPointer !== undefined) {
    const found = atPointer(reply.body, matcher.jsonPointer);
    if (JSON.stringify(found) !== JSON.stringify(fillDeep(matcher.equals, vars)))
      return `${matcher.jsonPointer} is ${JSON.stringify(found)}, expected ${JSON.stringify(matcher.equals)}`;
  }
  return undefined;
}

/** The value a reader extracts (a string; numbers as their decimal text), or undefined. */
export function readValue(reader: ProfileReader, reply: Reply): string | undefined {
  if (reader.jsonPointer !== undefined) {
    const v = atPointer(reply.body, reader.jsonPointer);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  }
  return new RegExp(reader.regex ?? '').exec(reply.text)?.[1];
}

/** The CSRF token from a fresh request with the client's cookies, or a message why not. */
export async function fetchCsrf(
  profile: Profile,
  client: SessionClient,
  baseUrl: string,
  csrf: ProfileCsrf,
  vars: Placeholders,
): Promise<{ token: string } | { error: string }> {
  const reply = await sendProfileRequest(profile, client, baseUrl, csrf.request, vars);
  const token = new RegExp(csrf.regex).exec(reply.text)?.[1];
  return token === undefined
    ? {
        error: `${csrf.request.method} ${csrf.request.path} answered ${reply.status} without a token matching /${csrf.regex}/`,
      }
    : { token };
}
