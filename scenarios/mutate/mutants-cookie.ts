/**
 * Mutants of what a response says about caching and the cookie: attributes right on one kind
 * of Set-Cookie but not another, no-store missing on one route, cookies set on 401 answers.
 */
import {
  afterForward,
  clearingLineFor,
  dropAttribute,
  isClearingLine,
  isLogin,
  rewriteCookieLines,
  routeOf,
  sessionCookie,
} from './kit.ts';
import type { Mutant } from './kit.ts';
import type { ProxyReply, ProxyRequest } from './proxy.ts';

const notLogin = (request: ProxyRequest): boolean => !isLogin(request);

/** Rewrites Cache-Control on the replies `match` selects. */
const cacheControl = (
  value: string | undefined,
  match: (request: ProxyRequest, reply: ProxyReply) => boolean,
) =>
  afterForward((reply, request) => {
    if (!match(request, reply)) return;
    if (value === undefined) delete reply.headers['cache-control'];
    else reply.headers['cache-control'] = value;
  });

/** Re-sends the session cookie the request carried, on the replies `match` selects. */
const echoCookie = (match: (request: ProxyRequest, reply: ProxyReply) => boolean) =>
  afterForward((reply, request, ctx) => {
    const value = sessionCookie(request, ctx.contract);
    if (value !== undefined && match(request, reply))
      reply.setCookie.push(`${ctx.contract.cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax`);
  });

export const COOKIE_MUTANTS: Mutant[] = [
  {
    name: 'reissue-drops-httponly',
    description: 'HttpOnly on the login cookie, not on the cookie of an anonymous first write',
    checks: ['SL-CK-01'],
    handle: rewriteCookieLines(notLogin, (line) => dropAttribute(line, 'HttpOnly')),
  },
  {
    name: 'reissue-samesite-none',
    description: 'SameSite=None on every session cookie but the login one',
    checks: ['SL-CK-03'],
    handle: rewriteCookieLines(
      notLogin,
      (line) => `${dropAttribute(line, 'SameSite')}; SameSite=None`,
    ),
  },
  {
    name: 'login-samesite-none',
    description: 'SameSite=None on the login cookie only',
    checks: ['SL-CK-03'],
    handle: rewriteCookieLines(
      isLogin,
      (line) => `${dropAttribute(line, 'SameSite')}; SameSite=None`,
    ),
  },
  {
    name: 'reissue-path-session',
    description: 'Path=/session on every session cookie but the login one',
    checks: ['SL-CK-05'],
    handle: rewriteCookieLines(notLogin, (line) => `${dropAttribute(line, 'Path')}; Path=/session`),
  },
  {
    name: 'reissue-drops-secure',
    description: 'Secure on the login cookie, not on the others (also over HTTPS)',
    checks: ['SL-CK-02'],
    handle: rewriteCookieLines(notLogin, (line) => dropAttribute(line, 'Secure')),
  },
  {
    name: 'no-store-missing-data-get',
    description: 'no Cache-Control on GET /session/data/:key',
    checks: ['SL-CK-07'],
    handle: cacheControl(
      undefined,
      (r) => r.method === 'GET' && routeOf(r).startsWith('/session/data/'),
    ),
  },
  {
    name: 'no-store-missing-counter',
    description: 'no Cache-Control on POST /session/counter/:key',
    checks: ['SL-CK-07'],
    handle: cacheControl(undefined, (r) => routeOf(r).startsWith('/session/counter/')),
  },
  {
    name: 'me-cache-private',
    description: 'GET /me says Cache-Control: private, max-age=60 instead of no-store',
    checks: ['SL-CK-07'],
    handle: cacheControl('private, max-age=60', (r) => routeOf(r) === '/me'),
  },
  {
    name: 'no-store-missing-on-401',
    description: 'no Cache-Control on 401 answers',
    checks: ['SL-CK-07'],
    handle: cacheControl(undefined, (_r, reply) => reply.status === 401),
  },
  {
    name: 'no-store-missing-logout',
    description: 'no Cache-Control on POST /logout',
    checks: ['SL-CK-07'],
    handle: cacheControl(undefined, (r) => routeOf(r) === '/logout'),
  },
  {
    name: 'resend-cookie-on-401',
    description:
      'GET /me answering 401 re-sends the cookie it was sent (a save-every-response hook)',
    checks: ['SL-CT-02'],
    handle: echoCookie((request, reply) => routeOf(request) === '/me' && reply.status === 401),
  },
  {
    name: 'failed-login-clears-cookie',
    description: 'a wrong password clears the cookie the client held (its session is lost to it)',
    checks: ['SL-FX-04'],
    handle: afterForward((reply, request, ctx) => {
      const line = clearingLineFor(request, ctx.contract);
      if (isLogin(request) && reply.status === 401 && line && !reply.setCookie.some(isClearingLine))
        reply.setCookie.push(line);
    }),
  },
];
