/**
 * The ecosystem baseline reference server: express-session over connect-redis (node-redis) or
 * connect-memcached, configured as their READMEs recommend (regenerate on login, rolling idle
 * timeout). It answers the routes of engine-app.ts and keeps the wire rules of
 * ../shared/CONTRACT.md, but its session guarantees are express-session's own, unfixed on
 * purpose: counters and data are read-modify-write of one blob (concurrent writes lose
 * updates), no absolute timeout, no logout-all, no size limit, and store outages do whatever
 * the store clients do. Client mistakes are still checked before the store is asked.
 */
import express from 'express';
import type { Express, Request, RequestHandler } from 'express';
import session from 'express-session';
import type { Logger } from 'pino';
import type { NodeConfig } from './config.ts';
import { createBaselineStore, idHash } from './express-session-store.ts';
import {
  contractDocument,
  storeCapabilities,
  errorHandler,
  jsonBody,
  libraryCookieOptions,
  noStore,
  nodeHeader,
  notFound,
  passwordMatches,
  requireCredentials,
  requireKey,
  requireValue,
} from './http-common.ts';
import type { NodeMetrics } from './metrics.ts';
import { ClientError } from '../core/errors.ts';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    /** Epoch ms of the first save (anonymous write) or of the login. */
    createdAt?: number;
    data?: Record<string, unknown>;
  }
}

type EventType = 'created' | 'rotated' | 'destroyed';
type KeyParams = { key: string };

/** Runs a callback-style express-session method as a promise. */
function settle(call: (callback: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
}

/** Own keys only: `__proto__` or `constructor` is a session key like any other. */
function readKey(data: Record<string, unknown> | undefined, key: string): unknown {
  return data !== undefined && Object.hasOwn(data, key) ? data[key] : undefined;
}

function writeKey(data: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Rejects a client's mistake before the session is loaded, so it is 4xx even in an outage. */
function check<P = Record<string, string>>(validate: (req: Request<P>) => void): RequestHandler<P> {
  return (req, _res, next) => {
    validate(req);
    next();
  };
}

export async function createExpressSessionApp(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<{ app: Express; close(): Promise<void> }> {
  const { kind, store, close } = await createBaselineStore(config, logger, metrics);
  const report = (type: EventType, id: string, user?: string): void => {
    metrics.sessionEvents.inc({ type });
    logger.info({ event: type, idHash: idHash(id), ...(user ? { user } : {}) }, `session ${type}`);
  };
  // absoluteTimeoutMs 0 is the contract's "no absolute lifetime": true of express-session.
  // maxSessionBytes stays the configured limit: the contract gives 0 no "unlimited" meaning and
  // makes the limit mandatory, so the baseline declares the deployment's limit and fails it.
  // No logout-all; carry-over because login copies the anonymous data into the new session.
  const contract = {
    ...contractDocument(config, ['carry-over', ...storeCapabilities(kind)], kind),
    absoluteTimeoutMs: 0,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Only the trusted proxy's X-Forwarded-Proto makes `secure: 'auto'` set Secure.
  if (config.trustedProxies.length > 0) app.set('trust proxy', config.trustedProxies);
  app.use(nodeHeader(config.nodeId), metrics.countRequests());
  app.get('/contract', (_req, res) => void res.json(contract));
  app.get('/metrics', metrics.serve());

  const load = session({
    name: 'sid',
    // First secret signs, all verify: key rotation as with the engine's signing ring.
    secret: config.signingKeys.map((key) => key.secret),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: libraryCookieOptions(config.idleTimeoutMs),
  });
  /** The data to write into; marks an anonymous session's first write (saved at the end). */
  const dataForWrite = (req: Request<KeyParams>): Record<string, unknown> => {
    if (req.session.createdAt === undefined) {
      req.session.createdAt = Date.now();
      report('created', req.sessionID);
    }
    return (req.session.data ??= {});
  };
  const keyed = check<KeyParams>((req) => requireKey(req.params.key));

  const routes = express.Router();
  routes.use(noStore(), jsonBody());

  const login = check((req) => {
    if (!passwordMatches(requireCredentials(req.body).password, config.password))
      throw new ClientError(401, 'wrong user name or password');
  });
  routes.post('/login', login, load, async (req, res) => {
    const { user } = requireCredentials(req.body);
    const carried = req.session.data;
    // As the express-session README: regenerate, set the user, save, then answer.
    await settle((done) => req.session.regenerate(done));
    req.session.user = user;
    req.session.createdAt = Date.now();
    if (carried !== undefined) req.session.data = carried;
    await settle((done) => req.session.save(done));
    report('rotated', req.sessionID, user);
    res.json({ user });
  });
  routes.get('/me', load, (req, res) => {
    const { user, createdAt } = req.session;
    if (user === undefined) throw new ClientError(401, 'not logged in');
    res.json({ user, createdAt });
  });
  routes.post('/logout', load, async (req, res) => {
    const { user } = req.session;
    const id = req.sessionID;
    const stored = req.session.createdAt !== undefined;
    await settle((done) => req.session.destroy(done));
    if (stored) report('destroyed', id, user);
    res.clearCookie('sid', { path: '/' });
    res.status(204).end();
  });
  routes.post('/logout-all', (_req, res) => {
    res.status(404).json({ error: 'logout-all is not supported by express-session' });
  });
  routes.get('/session/data', load, (req, res) => void res.json({ data: req.session.data ?? {} }));
  routes.get('/session/data/:key', keyed, load, (req, res) => {
    const value = readKey(req.session.data, requireKey(req.params.key));
    if (value === undefined) throw new ClientError(404, 'no such key');
    res.json({ value });
  });
  routes.put(
    '/session/data/:key',
    check<KeyParams>((req) => {
      requireKey(req.params.key);
      requireValue(req.body);
    }),
    load,
    (req, res) => {
      writeKey(dataForWrite(req), requireKey(req.params.key), requireValue(req.body));
      res.status(204).end();
    },
  );
  routes.delete('/session/data/:key', keyed, load, (req, res) => {
    const key = requireKey(req.params.key);
    const { data } = req.session;
    if (data !== undefined && Object.hasOwn(data, key)) delete data[key];
    res.status(204).end();
  });
  // Read-modify-write of the whole session: concurrent increments overwrite each other.
  routes.post('/session/counter/:key', keyed, load, (req, res) => {
    const key = requireKey(req.params.key);
    const current = readKey(req.session.data, key) ?? 0;
    if (!Number.isInteger(current))
      throw new ClientError(409, `session key "${key}" does not hold an integer counter`);
    const value = (current as number) + 1;
    writeKey(dataForWrite(req), key, value);
    res.json({ value });
  });

  app.use(routes);
  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, close };
}
