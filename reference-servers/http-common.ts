/**
 * What both reference servers share on the wire (../shared/CONTRACT.md): X-Node-Id on every
 * response, JSON errors that never leak a stack, no-store on session responses, input checks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ClientError, SessionlabError, httpStatusOf } from '../core/errors.ts';

import type { NodeConfig } from './config.ts';
import { CONTRACT_VERSION, KEY_PATTERN, USER_PATTERN } from '../core/contract.ts';
import type { ContractDocument } from '../core/contract.ts';

export { KEY_PATTERN, USER_PATTERN };

/** The reference servers' `GET /contract`, with two extensions: which implementation and store. */
export interface ReferenceContractDocument extends ContractDocument {
  impl: string;
  store: string;
}

export function nodeHeader(nodeId: string): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Node-Id', nodeId);
    next();
  };
}

export function noStore(enabled = true): RequestHandler {
  return (_req, res, next) => {
    if (enabled) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** JSON bodies up to 1 MB: well above any session limit, so the session layer decides on size. */
export function jsonBody(): RequestHandler {
  return express.json({ limit: '1mb' });
}

export function requireKey(key: string | undefined): string {
  if (key === undefined || !KEY_PATTERN.test(key))
    throw new ClientError(400, 'invalid key: expected [A-Za-z0-9_.-]{1,64}');
  return key;
}

export function requireValue(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('value' in body)) {
    throw new ClientError(400, 'expected a JSON body {"value": <any JSON>}');
  }
  return (body as { value: unknown }).value;
}

export function requireCredentials(body: unknown): { user: string; password: string } {
  const { user, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  if (typeof user !== 'string' || !USER_PATTERN.test(user))
    throw new ClientError(400, 'invalid user: expected ^[a-z0-9_-]{1,32}$');
  if (typeof password !== 'string')
    throw new ClientError(400, 'invalid password: expected a string');
  return { user, password };
}

/** Constant-time comparison (hashes first, so lengths do not leak either). */
export function passwordMatches(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The reference servers claim `durable-store` on redis: the orchestrator runs it with an
 * append-only file, and a production redis holding sessions should too. On postgres too: a
 * committed row survives a restart (the harness keeps synchronous_commit on, so even a
 * kill and restart of the server loses none). memcached cannot.
 */
export function storeCapabilities(storeKind: string): string[] {
  return storeKind.startsWith('redis') || storeKind === 'postgres' ? ['durable-store'] : [];
}

export function contractDocument(
  config: NodeConfig,
  capabilities: string[],
  storeKind: string,
): ReferenceContractDocument {
  return {
    contract: CONTRACT_VERSION,
    node: config.nodeId,
    cookieName: 'sid',
    idleTimeoutMs: config.idleTimeoutMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
    maxSessionBytes: config.maxSessionBytes,
    capabilities,
    impl: config.impl,
    store: storeKind,
  };
}

/** The session cookie the libraries' READMEs recommend, the idle timeout as its lifetime. */
export function libraryCookieOptions(idleTimeoutMs: number) {
  return {
    httpOnly: true,
    sameSite: 'lax',
    secure: 'auto',
    path: '/',
    maxAge: idleTimeoutMs,
  } as const;
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route ${req.method} ${req.path}` });
};

/** Client mistakes are 4xx with a message; store trouble 503; anything else 500 and logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = statusOf(error);
    if (status >= 500)
      logger.error({ err: error }, status === 503 ? 'store error' : 'internal error');
    const parseFailed = (error as { type?: unknown }).type === 'entity.parse.failed';
    const message = parseFailed
      ? 'invalid JSON body'
      : error instanceof SessionlabError
        ? error.publicMessage
        : status < 500
          ? (error as Error).message
          : 'internal error';
    res.status(status).json({ error: message });
  };
}

function statusOf(error: unknown): number {
  if (error instanceof SessionlabError) return httpStatusOf(error);
  // body-parser and the router mark client errors with a 4xx status.
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
