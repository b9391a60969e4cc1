/**
 * What mutants are made of: the mutant type, and small pieces to read and rewrite the session
 * cookie, routes and replies inside a proxy handler.
 */
import type { Contract } from '../conformance/types.ts';
import type { Handler, ProxyContext, ProxyReply, ProxyRequest } from './proxy.ts';

export interface Mutant {
  /** Stable kebab-case name (`--mutants`). */
  name: string;
  /** The one behaviour change, in words. */
  description: string;
  /** The checks (id globs) meant to kill it: the quick run (`--quick`, the tests) runs only these. */
  checks: string[];
  handle: Handler;
}

/** Forwards every exchange unchanged: a correct target behind it must pass every check. */
export const IDENTITY: Mutant = {
  name: 'identity',
  description: 'changes nothing (the control: no check may fail it)',
  checks: ['*'],
  handle: (request, ctx) => ctx.forward(request),
};

/** The path without its query. */
export const routeOf = (request: ProxyRequest): string => request.path.split('?')[0] ?? '/';

const cookieNames = (contract: Contract): string[] => [
  contract.cookieName,
  `__Host-${contract.cookieName}`,
];

/** The session cookie's value in the request's Cookie header (the first one). */
export function sessionCookie(request: ProxyRequest, contract: Contract): string | undefined {
  const names = cookieNames(contract);
  return (request.headers.cookie ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => names.includes(pair.slice(0, pair.indexOf('='))))
    .map((pair) => pair.slice(pair.indexOf('=') + 1))[0];
}

/** The request with its session cookie(s) replaced by `value` (removed when undefined). */
export function withSessionCookie(
  request: ProxyRequest,
  contract: Contract,
  value: string | undefined,
): ProxyRequest {
  const names = cookieNames(contract);
  const pairs = (request.headers.cookie ?? '').split(';').map((pair) => pair.trim());
  const name = pairs.map((p) => p.slice(0, p.indexOf('='))).find((n) => names.includes(n));
  const others = pairs.filter((p) => p !== '' && !names.includes(p.slice(0, p.indexOf('='))));
  const kept = value === undefined || name === undefined ? others : [...others, `${name}=${value}`];
  const headers = { ...request.headers };
  if (kept.length === 0) delete headers.cookie;
  else headers.cookie = kept.join('; ');
  return { ...request, headers };
}

/** A Set-Cookie line that clears the session cookie the request carries, if it carries one. */
export function clearingLineFor(request: ProxyRequest, contract: Contract): string | undefined {
  const names = cookieNames(contract);
  const name = (request.headers.cookie ?? '')
    .split(';')
    .map((pair) => pair.trim().slice(0, pair.trim().indexOf('=')))
    .find((n) => names.includes(n));
  if (name === undefined) return undefined;
  const secure = name.startsWith('__Host-') ? '; Secure' : '';
  return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`;
}

/** The session cookie's Set-Cookie lines of a reply. */
export function isSessionLine(line: string, contract: Contract): boolean {
  return cookieNames(contract).includes(line.split('=')[0]?.trim() ?? '');
}

export const lineValue = (line: string): string => {
  const pair = line.split(';')[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1).trim();
};

export const isClearingLine = (line: string): boolean =>
  /;\s*max-age\s*=\s*0\b/i.test(line) || /;\s*expires\s*=[^;]*19[0-9]{2}/i.test(line);

/** The value the reply gives the session cookie, when it sets one (not a clearing line). */
export function issuedCookie(reply: ProxyReply, contract: Contract): string | undefined {
  const line = reply.setCookie.find((l) => isSessionLine(l, contract) && !isClearingLine(l));
  return line === undefined ? undefined : lineValue(line);
}

export const isLogin = (r: ProxyRequest): boolean => r.method === 'POST' && routeOf(r) === '/login';
export const isLogout = (r: ProxyRequest): boolean =>
  r.method === 'POST' && routeOf(r) === '/logout';
export const isDataKey = (r: ProxyRequest): boolean => /^\/session\/data\/[^/]+$/.test(routeOf(r));
export const isCounter = (r: ProxyRequest): boolean =>
  r.method === 'POST' && /^\/session\/counter\/[^/]+$/.test(routeOf(r));
/** Routes that read or write a session (CONTRACT.md: no-store, 503 during an outage). */
export const isSessionRoute = (r: ProxyRequest): boolean =>
  ['/login', '/logout', '/logout-all', '/me'].includes(routeOf(r)) ||
  routeOf(r).startsWith('/session/');

/** A handler that forwards, then lets `edit` change the reply (in place or by returning one). */
export function afterForward(
  edit: (reply: ProxyReply, request: ProxyRequest, ctx: ProxyContext) => ProxyReply | void,
): Handler {
  return async (request, ctx) => {
    const reply = await ctx.forward(request);
    return edit(reply, request, ctx) ?? reply;
  };
}

/** A handler that rewrites the session cookie lines `match` selects with `rewrite`. */
export function rewriteCookieLines(
  match: (request: ProxyRequest, reply: ProxyReply) => boolean,
  rewrite: (line: string) => string,
): Handler {
  return afterForward((reply, request, ctx) => {
    if (!match(request, reply)) return;
    reply.setCookie = reply.setCookie.map((line) =>
      isSessionLine(line, ctx.contract) && !isClearingLine(line) ? rewrite(line) : line,
    );
  });
}

/** Removes one attribute (`HttpOnly`, `SameSite`, `Path`, …) from a Set-Cookie line. */
export const dropAttribute = (line: string, name: string): string =>
  line
    .split(';')
    .filter((part) => part.trim().split('=')[0]?.toLowerCase() !== name.toLowerCase())
    .join(';');

/** A per-map entry of type T, created on first use. */
export function entry<T>(map: Map<string, unknown>, key: string, make: () => T): T {
  if (!map.has(key)) map.set(key, make());
  return map.get(key) as T;
}

export const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/** A copy of a reply (for caches: the original goes on to be sent). */
export const copyReply = (reply: ProxyReply): ProxyReply => ({
  ...reply,
  headers: { ...reply.headers },
  setCookie: [...reply.setCookie],
});
