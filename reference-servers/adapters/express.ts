/**
 * The contract on an Express app's own express-session (any store), for a staging build:
 *
 *   const sessions = session(sessionOptions);
 *   app.use('/_sessionlab', sessionlabExpress({ middleware: sessions, sessionOptions, nodeId,
 *     checkPassword: (user, password) => password === process.env.SESSIONLAB_PASSWORD }));
 *   app.use(sessions);
 *
 * The adapter runs the app's middleware itself, after checking the input, so a client's mistake
 * is 4xx even when the store is down. Settings are read from the app's own `sessionOptions`.
 */
import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import type session from 'express-session';
import { contractRoutes, errorReply } from './contract-routes.ts';
import type {
  AdapterState,
  ContractAdapterOptions,
  ContractReply,
  LibrarySession,
} from './contract-routes.ts';

declare module 'express-session' {
  interface SessionData {
    sessionlab?: AdapterState;
  }
}

export interface ExpressAdapterOptions extends ContractAdapterOptions {
  /** The app's own `session(sessionOptions)` middleware. */
  middleware: RequestHandler;
  /** The very options given to express-session: cookie name and maxAge are reported from them. */
  sessionOptions: session.SessionOptions;
}

/** Runs a callback-style express-session method as a promise. */
function settle(call: (callback: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
}

function send(res: Response, reply: ContractReply): void {
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}

export function sessionlabExpress(options: ExpressAdapterOptions): Router {
  const cookieName = options.sessionOptions.name ?? 'connect.sid';
  // A per-request cookie function cannot be read ahead: the adapter then refuses to start.
  const { cookie } = options.sessionOptions;
  const cookieOptions = typeof cookie === 'function' ? undefined : cookie;
  const cookiePath = cookieOptions?.path ?? '/';
  const routes = contractRoutes(options, {
    library: 'express-session',
    cookieName,
    idleTimeoutMs: cookieOptions?.maxAge ?? Number.NaN,
  });
  const librarySession = (req: Request, res: Response): LibrarySession => ({
    read: () => req.session.sessionlab,
    write: (state) => void (req.session.sessionlab = state),
    regenerate: () => settle((done) => req.session.regenerate(done)),
    destroy: async () => {
      await settle((done) => req.session.destroy(done));
      res.clearCookie(cookieName, { path: cookiePath });
    },
  });

  const router = express.Router();
  router.use(
    (_req, res, next) => {
      res.setHeader('X-Node-Id', options.nodeId);
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    express.json({ limit: '1mb' }),
  );
  for (const route of routes) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    const validate: RequestHandler = async (req, _res, next) => {
      await route.validate?.(req.params, req.body);
      next();
    };
    const load: RequestHandler = route.usesSession
      ? options.middleware
      : (_req, _res, next) => next();
    router[method](route.path, validate, load, async (req, res) => {
      send(res, await route.handle(librarySession(req, res), req.params, req.body));
    });
  }
  router.use(
    (req, res) => void res.status(404).json({ error: `no route ${req.method} ${req.path}` }),
  );
  router.use(((error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const reply = errorReply(error);
    if (reply.status >= 500) options.onServerError?.(error);
    send(res, reply);
  }) satisfies express.ErrorRequestHandler);
  return router;
}
