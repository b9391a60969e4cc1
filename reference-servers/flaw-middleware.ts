/**
 * The engine server's flaw switches that live in the HTTP layer, not in the session engine:
 * each is the realistic mistake of a route or middleware author (flaws.ts says what it breaks).
 * Negative controls only.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ClientError, SessionlabError, httpStatusOf } from '../core/errors.ts';
import type { Flaw } from './flaws.ts';
import { noStore, requireKey } from './http-common.ts';

/** `partial-no-store`: the author marked only the authentication routes. */
export function noStoreWith(flaws: ReadonlySet<Flaw>): RequestHandler {
  if (flaws.has('no-cache-control')) return noStore(false);
  if (!flaws.has('partial-no-store')) return noStore(true);
  const marked = new Set(['/login', '/me', '/logout']);
  return (req, res, next) => {
    if (marked.has(req.path)) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** `text-errors`: error answers go out as plain text. */
export const textErrors: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 400) return json(body);
    return res.type('text/plain').send(String((body as { error?: unknown }).error ?? 'error'));
  };
  next();
};

/** `anon-cookie-attributes`: the data routes' cookie (the anonymous one) is written by hand. */
export const bareDataCookies: RequestHandler = (req, res, next) => {
  if (req.path.startsWith('/session/')) {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name: string, value: number | string | readonly string[]) => {
      if (name.toLowerCase() !== 'set-cookie') return setHeader(name, value);
      const strip = (line: string): string =>
        line.replace(/;\s*HttpOnly/i, '').replace(/;\s*SameSite=[A-Za-z]+/i, '');
      return setHeader(name, Array.isArray(value) ? value.map(strip) : strip(String(value)));
    };
  }
  next();
};

/** `lax-keys`: a bad key is "cleaned" into a valid one instead of refused. */
export function keyOf(flaws: ReadonlySet<Flaw>, key: string | undefined): string {
  if (!flaws.has('lax-keys')) return requireKey(key);
  return (key ?? '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || '_';
}

/** `per-request-size-limit`: each written value is measured alone, the session never. */
export function perWriteLimit(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const value = (req.body as { value?: unknown } | undefined)?.value;
    if (req.method === 'PUT' && Buffer.byteLength(JSON.stringify(value) ?? '') > maxBytes)
      return next(new ClientError(413, 'value too large'));
    next();
  };
}

const isStoreError = (error: unknown): boolean =>
  (error as { code?: unknown }).code === 'SESSIONLAB_ERR_STORE_UNAVAILABLE';

/** `fail-open-reads`: a data read that cannot reach the store answers as if nothing were there. */
export const failOpenReads: ErrorRequestHandler = (error, req, res, next) => {
  if (!isStoreError(error) || req.method !== 'GET' || !req.path.startsWith('/session/data'))
    return next(error);
  if (req.path === '/session/data') res.json({ data: {} });
  else res.status(404).json({ error: 'no such key' });
};

/** `leak-error-detail`: the internal message and the stack go to the client. */
export const leakErrorDetail: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  const status =
    error instanceof SessionlabError
      ? httpStatusOf(error)
      : typeof (error as { status?: unknown }).status === 'number'
        ? (error as { status: number }).status
        : 500;
  const { message, stack } = error as Error;
  res.status(status).json({ error: `${message}\n${stack ?? ''}` });
};
