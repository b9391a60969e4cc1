/**
 * The engine reference server: Express + sessionlab's engine, implementing
 * ../shared/CONTRACT.md exactly. Store errors become 503 within the deadline; bad input is
 * 400/413 with {"error": ...}; flaw switches (flaws.ts) break one guarantee each on purpose.
 */
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { SessionEngine } from '../session/engine.ts';
import type { SessionEvent } from '../session/engine.ts';
import { sessionMiddleware, sessionOf } from '../session/express.ts';
import type { SessionStore } from '../stores/types.ts';
import type { NodeConfig } from './config.ts';
import { unsafeFlawsFor } from './flaws.ts';
import {
  ClientError,
  contractDocument,
  errorHandler,
  jsonBody,
  noStore,
  nodeHeader,
  notFound,
  passwordMatches,
  requireCredentials,
  requireKey,
  requireValue,
} from './http-common.ts';
import type { NodeMetrics } from './metrics.ts';

const DAY_MS = 86_400_000;

/** Security events are warnings; the lifecycle is info. Ids appear only as hashes. */
function logEvent(logger: Logger, event: SessionEvent): void {
  const security =
    event.type === 'tamper-rejected' || event.type === 'unknown-id' || event.type === 'store-error';
  logger[security ? 'warn' : 'info']({ event: event.type, ...event }, `session ${event.type}`);
}

export function createReferenceEngine(config: NodeConfig, store: SessionStore): SessionEngine {
  const { flaws } = config;
  return new SessionEngine({
    store,
    signingKeys: config.signingKeys,
    encryptionKeys: config.encryptionKeys,
    idleTimeoutMs: flaws.has('no-idle-timeout') ? DAY_MS : config.idleTimeoutMs,
    absoluteTimeoutMs: flaws.has('no-absolute-timeout') ? 0 : config.absoluteTimeoutMs,
    maxSessionBytes: flaws.has('no-size-limit') ? 0 : config.maxSessionBytes,
    storeTimeoutMs: config.storeTimeoutMs,
    trustedProxies: config.trustedProxies,
    // Short test timeouts want frequent refreshes; production-sized ones get the default.
    touchAfterMs: Math.min(Math.floor(config.idleTimeoutMs / 10), 60_000),
    unsafe: unsafeFlawsFor(flaws),
  });
}

export function createEngineApp(
  config: NodeConfig,
  store: SessionStore,
  logger: Logger,
  metrics: NodeMetrics,
): Express {
  const engine = createReferenceEngine(config, store);
  engine.on('session', (event) => {
    metrics.sessionEvents.inc({ type: event.type });
    logEvent(logger, event);
  });
  const capabilities = [
    'logout-all',
    'carry-over',
    ...(config.encryptionKeys.length > 0 ? ['encrypt-at-rest'] : []),
  ];
  const contract = contractDocument(config, capabilities, store.kind);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(nodeHeader(config.nodeId), metrics.countRequests());
  app.get('/contract', (_req, res) => void res.json(contract));
  app.get('/metrics', metrics.serve());

  const session = express.Router();
  session.use(
    noStore(!config.flaws.has('no-cache-control')),
    jsonBody(),
    sessionMiddleware(engine),
  );

  session.post('/login', async (req, res) => {
    const { user, password } = requireCredentials(req.body);
    if (!passwordMatches(password, config.password))
      throw new ClientError(401, 'wrong user name or password');
    await sessionOf(req).regenerate({ user, carryOver: true });
    if (config.flaws.has('leak-id')) {
      res.json({ user, session: String(res.getHeader('set-cookie') ?? '') });
      return;
    }
    res.json({ user });
  });
  session.get('/me', (req, res) => {
    const s = sessionOf(req);
    if (s.user === undefined) throw new ClientError(401, 'not logged in');
    res.json({ user: s.user, createdAt: s.createdAt });
  });
  session.post('/logout', async (req, res) => {
    await sessionOf(req).destroy();
    res.status(204).end();
  });
  session.post('/logout-all', async (req, res) => {
    const s = sessionOf(req);
    if (s.user === undefined) throw new ClientError(401, 'not logged in');
    await engine.destroyAllForUser(s.user);
    await s.destroy();
    res.status(204).end();
  });
  session.get('/session/data', (req, res) => void res.json({ data: sessionOf(req).entries() }));
  session.get('/session/data/:key', (req, res) => {
    const value = sessionOf(req).get(requireKey(req.params.key));
    if (value === undefined) throw new ClientError(404, 'no such key');
    res.json({ value });
  });
  session.put('/session/data/:key', async (req, res) => {
    const s = sessionOf(req);
    s.set(requireKey(req.params.key), requireValue(req.body));
    await s.commit();
    res.status(204).end();
  });
  session.delete('/session/data/:key', async (req, res) => {
    const s = sessionOf(req);
    const key = requireKey(req.params.key);
    if (s.exists) {
      s.delete(key);
      await s.commit();
    }
    res.status(204).end();
  });
  session.post('/session/counter/:key', async (req, res) => {
    const s = sessionOf(req);
    s.increment(requireKey(req.params.key));
    const { counters } = await s.commit();
    res.json({ value: counters[0] });
  });

  app.use(session);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
