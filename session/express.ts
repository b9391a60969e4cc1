/**
 * Express adapter. `sessionMiddleware(engine)` opens the session before the route runs; the
 * route reads it with `sessionOf(req)` and calls `commit()` itself before it answers, so a
 * failed commit can still change the response (the engine never writes behind your back).
 * A store failure reaches Express's error handler as StoreUnavailableError (map it with
 * httpStatusOf: 503).
 */
import type { Request, RequestHandler } from 'express';
import type { SessionEngine } from './engine.ts';
import type { Session } from './session.ts';

// A symbol-keyed property, not a WeakMap: the lookup is on every request's hot path.
const SESSION = Symbol('sessionlab.session');
type WithSession = Request & { [SESSION]?: Session };

export function sessionMiddleware(engine: SessionEngine): RequestHandler {
  return (req, res, next) => {
    engine.open(req, res).then((session) => {
      (req as WithSession)[SESSION] = session;
      next();
    }, next);
  };
}

/** The session opened for this request by sessionMiddleware. */
export function sessionOf(req: Request): Session {
  const session = (req as WithSession)[SESSION];
  if (session === undefined) throw new Error('sessionMiddleware did not run before this route');
  return session;
}
