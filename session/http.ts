/**
 * Bare node:http adapter, to use (and measure) the engine without a framework:
 * `http.createServer(withSession(engine, async (req, res, session) => { ... }))`.
 * Errors the handler throws, and store failures while opening the session, are answered as
 * `{"error": ...}` with the status httpStatusOf gives (503 for the store, 4xx for bad input).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SessionlabError, httpStatusOf } from '../core/errors.ts';
import type { SessionEngine } from './engine.ts';
import type { Session } from './session.ts';

export type SessionHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
) => unknown;

export function withSession(
  engine: SessionEngine,
  handler: SessionHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    engine
      .open(req, res)
      .then((session) => handler(req, res, session))
      .catch((error: unknown) => sendError(res, error));
  };
}

/** Answers `{"error": message}`; internal errors say nothing about their cause. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = httpStatusOf(error);
  const message = error instanceof SessionlabError ? error.publicMessage : 'internal error';
  const body = JSON.stringify({ error: message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
