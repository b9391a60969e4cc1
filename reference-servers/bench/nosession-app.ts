/**
 * The "no session" baseline of the bench: the same Express app as engine-app.ts (node header,
 * request metrics, no-store, JSON bodies, the same routes and errors) with the session layer
 * taken out. Data routes answer a constant, so the bench's request scripts apply unchanged and
 * the difference to the engine app is exactly the session layer.
 */
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { NodeConfig } from '../config.ts';
import {
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
} from '../http-common.ts';
import type { NodeMetrics } from '../metrics.ts';
import { ClientError } from '../../core/errors.ts';

/** The key the bench reads and writes, and the value its sessions hold under it. */
export const BENCH_KEY = 'cart';
export const BENCH_VALUE = 'item-0042:qty=1;item-0108:qty=3;coupon=SPRING;currency=EUR';

export function createNoSessionApp(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Express {
  const contract = { ...contractDocument(config, [], 'none'), impl: 'express-nosession' };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(nodeHeader(config.nodeId), metrics.countRequests());
  app.get('/contract', (_req, res) => void res.json(contract));
  app.get('/metrics', metrics.serve());

  const routes = express.Router();
  routes.use(noStore(), jsonBody());
  routes.post('/login', (req, res) => {
    const { user, password } = requireCredentials(req.body);
    if (!passwordMatches(password, config.password))
      throw new ClientError(401, 'wrong user name or password');
    res.json({ user });
  });
  routes.post('/logout', (_req, res) => void res.status(204).end());
  routes.get('/session/data', (_req, res) => void res.json({ data: {} }));
  routes.get('/session/data/:key', (req, res) => {
    if (requireKey(req.params.key) !== BENCH_KEY) throw new ClientError(404, 'no such key');
    res.json({ value: BENCH_VALUE });
  });
  routes.put('/session/data/:key', (req, res) => {
    requireKey(req.params.key);
    requireValue(req.body);
    res.status(204).end();
  });

  app.use(routes);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
