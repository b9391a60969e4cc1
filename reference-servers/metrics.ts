/**
 * prom-client metrics of a node, served on `GET /metrics`: requests by route and status,
 * session events, and a histogram of store call latency.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SessionStore } from '../core/store.ts';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'sessionlab_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly sessionEvents = new Counter({
    name: 'sessionlab_session_events_total',
    help: 'Session events: created, rotated, destroyed, expired, tamper-rejected, unknown-id, store-error',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly storeLatency = new Histogram({
    name: 'sessionlab_store_call_duration_seconds',
    help: 'Latency of session store calls',
    labelNames: ['op', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts each response under its route pattern (never the raw path: keys would explode labels). */
  countRequests(): RequestHandler {
    return (req, res, next) => {
      res.on('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path;
        const pattern = route === undefined ? 'unmatched' : `${req.baseUrl}${route}`;
        this.requests.inc({ method: req.method, route: pattern, status: String(res.statusCode) });
      });
      next();
    };
  }

  serve(): RequestHandler {
    return async (_req, res) => {
      res.setHeader('content-type', this.registry.contentType);
      res.end(await this.registry.metrics());
    };
  }

  /** The same store, timing every call. */
  instrument(store: SessionStore): SessionStore {
    const timed =
      <A extends unknown[], R>(op: string, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const end = this.storeLatency.startTimer({ op });
        try {
          const result = await call(...args);
          end({ outcome: 'ok' });
          return result;
        } catch (error) {
          end({ outcome: 'error' });
          throw error;
        }
      };
    const rotate = store.rotate?.bind(store);
    return {
      kind: store.kind,
      connect: timed('connect', () => store.connect()),
      load: timed('load', (id) => store.load(id)),
      create: timed('create', (id, fields, ttlMs) => store.create(id, fields, ttlMs)),
      commit: timed('commit', (id, ops, options) => store.commit(id, ops, options)),
      touch: timed('touch', (id, ttlMs) => store.touch(id, ttlMs)),
      take: timed('take', (id) => store.take(id)),
      ...(rotate === undefined ? {} : { rotate: timed('rotate', rotate) }),
      destroy: timed('destroy', (id) => store.destroy(id)),
      indexUser: timed('indexUser', (userKey, id, ttlMs, maxSessions) =>
        store.indexUser(userKey, id, ttlMs, maxSessions),
      ),
      userSessions: timed('userSessions', (userKey) => store.userSessions(userKey)),
      unindexUser: timed('unindexUser', (userKey, ids) => store.unindexUser(userKey, ids)),
      close: () => store.close(),
    };
  }
}
