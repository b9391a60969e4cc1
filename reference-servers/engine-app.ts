/**
 * The engine reference server: Express + sessionlab's engine, implementing
 * ../shared/CONTRACT.md exactly. Store errors become 503 within the deadline; bad input is
 * 400/413 with {"error": ...}; flaw switches (flaws.ts) break one guarantee each on purpose.
 */
import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import type { Logger } from 'pino';
import { SessionEngine } from '../session/engine.ts';
import type { SessionEvent } from '../session/engine.ts';
import { sessionMiddleware, sessionOf } from '../session/express.ts';
import type { SessionStore } from '../core/store.ts';
import type { NodeConfig } from './config.ts';
import { unsafeFlawsFor } from './flaws.ts';
import {
  contractDocument,
  storeCapabilities,
  errorHandler,
  jsonBody,
  nodeHeader,
  notFound,
  passwordMatches,
  requireCredentials,
  requireValue,
} from './http-common.ts';
import {
  bareDataCookies,
  failOpenReads,
  keyOf,
  leakErrorDetail,
  noStoreWith,
  perWriteLimit,
  textErrors,
} from './flaw-middleware.ts';
import type { NodeMetrics } from './metrics.ts';
import { ClientError } from '../core/errors.ts';

const DAY_MS = 86_400_000;

/** Security events are warnings; the lifecycle is info. Ids appear only as hashes. */
function logEvent(logger: Logger, event: SessionEvent): void {
  const security =
    event.type === 'tamper-rejected' || event.type === 'unknown-id' || event.type === 'store-error';
  logger[security ? 'warn' : 'info']({ event: event.type, ...event }, `session ${event.type}`);
}

/** The idle timeout the engine enforces: the declared one unless a timing flaw says otherwise. */
function enforcedIdleTimeoutMs({ flaws, idleTimeoutMs }: NodeConfig): number {
  if (flaws.has('no-idle-timeout')) return DAY_MS;
  if (flaws.has('short-idle-timeout')) return Math.max(1000, Math.floor(idleTimeoutMs / 2));
  if (flaws.has('long-idle-timeout')) return idleTimeoutMs * 3;
  return idleTimeoutMs;
}

export function createReferenceEngine(config: NodeConfig, store: SessionStore): SessionEngine {
  const { flaws } = config;
  return new SessionEngine({
    store,
    cookieFormat: config.cookieFormat,
    signingKeys: flaws.has('single-key') ? config.signingKeys.slice(0, 1) : config.signingKeys,
    encryptionKeys: flaws.has('plaintext-at-rest') ? [] : config.encryptionKeys,
    ...(config.userIndexSecret === undefined ? {} : { userIndexSecret: config.userIndexSecret }),
    idleTimeoutMs: enforcedIdleTimeoutMs(config),
    absoluteTimeoutMs: flaws.has('no-absolute-timeout') ? 0 : config.absoluteTimeoutMs,
    maxSessionBytes:
      flaws.has('no-size-limit') || flaws.has('per-request-size-limit')
        ? 0
        : config.maxSessionBytes,
    storeTimeoutMs: config.storeTimeoutMs,
    trustedProxies: config.trustedProxies,
    // Short test timeouts want frequent refreshes; production-sized ones get the default.
    touchAfterMs: flaws.has('touch-every-read')
      ? 0
      : Math.min(Math.floor(enforcedIdleTimeoutMs(config) / 10), 60_000),
    unsafe: unsafeFlawsFor(flaws),
  });
}

const clearCookieOnStoreError: ErrorRequestHandler = (error, _req, res, next) => {
  if ((error as { code?: unknown }).code === 'SESSIONLAB_ERR_STORE_UNAVAILABLE') {
    res.append('Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
  }
  next(error);
};

// Four parameters: that is how Express tells an error handler from a middleware.
const everyErrorIs500: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(500).json({ error: 'internal error' });
};

export function createEngineApp(
  config: NodeConfig,
  store: SessionStore,
  logger: Logger,
  metrics: NodeMetrics,
): Express {
  const { flaws } = config;
  const engine = createReferenceEngine(config, store);
  engine.on('session', (event) => {
    metrics.sessionEvents.inc({ type: event.type });
    logEvent(logger, event);
  });
  const capabilities = [
    'logout-all',
    'carry-over',
    ...(config.encryptionKeys.length > 0 ? ['encrypt-at-rest'] : []),
    ...storeCapabilities(store.kind),
    ...(config.replicaAcks > 0 ? ['failover'] : []),
  ];
  const contract = contractDocument(config, capabilities, store.kind);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(nodeHeader(config.nodeId), metrics.countRequests());
  if (flaws.has('text-errors')) app.use(textErrors);
  if (flaws.has('contract-creates-session')) {
    app.get('/contract', sessionMiddleware(engine), async (req, res) => {
      const s = sessionOf(req);
      s.set('discovered', true);
      await s.commit();
      res.json(contract);
    });
  } else app.get('/contract', (_req, res) => void res.json(contract));
  app.get('/metrics', metrics.serve());

  const session = express.Router();
  session.use(
    noStoreWith(flaws),
    jsonBody(),
    ...(flaws.has('anon-cookie-attributes') ? [bareDataCookies] : []),
    ...(flaws.has('per-request-size-limit') ? [perWriteLimit(config.maxSessionBytes)] : []),
    sessionMiddleware(engine),
  );

  session.post('/login', async (req, res) => {
    const { user, password } = requireCredentials(req.body);
    if (!passwordMatches(password, config.password)) {
      if (config.flaws.has('failed-login-destroys')) await sessionOf(req).destroy();
      throw new ClientError(401, 'wrong user name or password');
    }
    await sessionOf(req).regenerate({ user, carryOver: !flaws.has('no-carry-over') });
    if (config.flaws.has('leak-id')) {
      res.json({ user, session: String(res.getHeader('set-cookie') ?? '') });
      return;
    }
    res.json({ user });
  });
  session.get('/me', async (req, res) => {
    const s = sessionOf(req);
    if (s.user === undefined && flaws.has('cookie-on-401')) {
      s.set('visits', 1);
      await s.commit();
    }
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
    if (!config.flaws.has('logout-all-local')) await engine.destroyAllForUser(s.user);
    await s.destroy();
    res.status(204).end();
  });
  session.get('/session/data', (req, res) => void res.json({ data: sessionOf(req).entries() }));
  session.get('/session/data/:key', (req, res) => {
    const value = sessionOf(req).get(keyOf(flaws, req.params.key));
    if (value === undefined) throw new ClientError(404, 'no such key');
    res.json({ value });
  });
  session.put('/session/data/:key', async (req, res) => {
    const s = sessionOf(req);
    s.set(keyOf(flaws, req.params.key), requireValue(req.body));
    await s.commit();
    res.status(204).end();
  });
  session.delete('/session/data/:key', async (req, res) => {
    const s = sessionOf(req);
    const key = keyOf(flaws, req.params.key);
    if (s.exists && !flaws.has('delete-ignored')) {
      s.delete(key);
      await s.commit();
    }
    res.status(204).end();
  });
  session.post('/session/counter/:key', async (req, res) => {
    const s = sessionOf(req);
    s.increment(keyOf(flaws, req.params.key));
    const { counters } = await s.commit();
    res.json({ value: counters[0] });
  });

  app.use(session);
  app.use(notFound);
  if (flaws.has('fail-open-reads')) app.use(failOpenReads);
  if (flaws.has('leak-error-detail')) app.use(leakErrorDetail);
  if (config.flaws.has('logout-on-store-error')) app.use(clearCookieOnStoreError);
  if (config.flaws.has('bad-input-500')) app.use(everyErrorIs500);
  app.use(errorHandler(logger));
  return app;
}
