/**
 * The session cookie on the wire: which cookie to read, whether the request is HTTPS, and the
 * Set-Cookie lines that issue or clear it. ASVS 5.0 3.3.1 (Secure, __Host-), 3.3.2 (SameSite),
 * 3.3.4 (HttpOnly).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parse, serialize } from 'cookie';
import { CookieHeaderTooLargeError } from '../core/errors.ts';
import type { ResolvedSessionOptions } from './options.ts';

/**
 * HTTPS directly, or through a trusted proxy's X-Forwarded-Proto (anyone else's is ignored);
 * every request with forceSecureCookie.
 */
export function isSecureRequest(req: IncomingMessage, options: ResolvedSessionOptions): boolean {
  if (options.forceSecureCookie || (req.socket as TLSSocket).encrypted) return true;
  // The header first: most requests lack it, and the address check costs more.
  const proto = req.headers['x-forwarded-proto'];
  if (proto === undefined) return false;
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  if (first !== 'https') return false;
  const address = req.socket.remoteAddress;
  if (address === undefined) return false;
  return options.trustedProxies.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

/** `__Host-` guarantees Secure, Path=/ and no Domain, so it is used whenever Secure is. */
export function cookieNameFor(secure: boolean, options: ResolvedSessionOptions): string {
  return secure ? `__Host-${options.cookieName}` : options.cookieName;
}

/** Largest Cookie header read, in bytes (RFC 6265 6.1 asks at least 4096 per cookie). */
export const MAX_COOKIE_HEADER_BYTES = 8192;

/**
 * The raw session cookie value of the request, if any. Throws CookieHeaderTooLargeError over
 * MAX_COOKIE_HEADER_BYTES: reading it as "no session" would let the next write replace the
 * user's cookie.
 */
export function readSessionCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  // Header values are latin1 strings: one character per byte.
  if (header.length > MAX_COOKIE_HEADER_BYTES)
    throw new CookieHeaderTooLargeError(header.length, MAX_COOKIE_HEADER_BYTES);
  return parse(header)[name];
}

export interface CookieAttributes {
  secure: boolean;
  /** undefined only for the `no-samesite` negative control. */
  sameSite: 'Lax' | 'Strict' | undefined;
  httpOnly: boolean;
  /** Only the `wide-cookie-scope` negative control sets it. */
  domain?: string;
}

function sameSiteOf(attrs: CookieAttributes): { sameSite?: 'lax' | 'strict' } {
  if (attrs.sameSite === undefined) return {};
  return { sameSite: attrs.sameSite === 'Strict' ? 'strict' : 'lax' };
}

function setCookieLine(res: ServerResponse, name: string, line: string): void {
  const existing = res.getHeader('set-cookie');
  const lines = (
    Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]
  ).filter((l) => !l.startsWith(`${name}=`));
  res.setHeader('set-cookie', [...lines, line]);
}

/** A session cookie without Max-Age: it ends with the browser, the store enforces lifetime. */
export function issueCookie(
  res: ServerResponse,
  name: string,
  value: string,
  attrs: CookieAttributes,
): void {
  setCookieLine(
    res,
    name,
    serialize(name, value, {
      path: '/',
      httpOnly: attrs.httpOnly,
      secure: attrs.secure,
      ...sameSiteOf(attrs),
      ...(attrs.domain === undefined ? {} : { domain: attrs.domain }),
    }),
  );
}

/**
 * Issues the cookie as the headers go out, when the answer is a success that sets no session
 * cookie of its own (the `envelope` format re-seals on every response; a 401 sets none).
 */
export function reissueOnSuccess(
  res: ServerResponse,
  name: string,
  value: () => string,
  attrs: CookieAttributes,
): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
    const existing = res.getHeader('set-cookie');
    const lines = Array.isArray(existing)
      ? existing
      : existing === undefined
        ? []
        : [`${existing}`];
    if (status < 300 && !lines.some((l) => l.startsWith(`${name}=`)))
      issueCookie(res, name, value(), attrs);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

export function clearCookie(res: ServerResponse, name: string, attrs: CookieAttributes): void {
  setCookieLine(
    res,
    name,
    serialize(name, '', {
      path: '/',
      httpOnly: attrs.httpOnly,
      secure: attrs.secure,
      ...sameSiteOf(attrs),
      ...(attrs.domain === undefined ? {} : { domain: attrs.domain }),
      maxAge: 0,
      expires: new Date(0),
    }),
  );
}
