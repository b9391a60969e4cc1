/**
 * Three small apps as a team would have them, each on its own session library configured as the
 * library's README recommends, with the drop-in adapter of adapters/ mounted at `/_sessionlab`
 * for a staging build: express-session over connect-redis or connect-memcached,
 * @fastify/session over connect-redis, koa-session over a node-redis external store. Their
 * session guarantees are the libraries' own; the conformance tests judge them through the adapter.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifySessionOptions } from '@fastify/session';
import express from 'express';
import session from 'express-session';
import Fastify from 'fastify';
import Koa from 'koa';
import koaSession from 'koa-session';
import type { CreateSessionOptions } from 'koa-session';
import type { Logger } from 'pino';
import { InvalidOptionError } from '../core/errors.ts';
import { parseStoreUrl } from '../stores/from-url.ts';
import { DEFAULT_ADAPTER_PREFIX } from './adapters/contract-routes.ts';
import type { ContractAdapterOptions } from './adapters/contract-routes.ts';
import { sessionlabExpress } from './adapters/express.ts';
import { sessionlabFastify } from './adapters/fastify.ts';
import { sessionlabKoa } from './adapters/koa.ts';
import type { NodeConfig } from './config.ts';
import { connectRedisClient, createBaselineStore } from './express-session-store.ts';
import { libraryCookieOptions, passwordMatches, storeCapabilities } from './http-common.ts';
import type { NodeMetrics } from './metrics.ts';

export interface AdapterApp {
  /** Not listening yet. */
  server: Server;
  close(): Promise<void>;
}

/** What every adapter is given: the app's password check and this node's id. */
function adapterOptions(config: NodeConfig, logger: Logger, kind: string): ContractAdapterOptions {
  return {
    nodeId: config.nodeId,
    checkPassword: (_user, password) => passwordMatches(password, config.password),
    maxSessionBytes: config.maxSessionBytes,
    capabilities: storeCapabilities(kind),
    onServerError: (error) => logger.error({ err: error }, 'sessionlab adapter error'),
  };
}

const secrets = (config: NodeConfig): string[] => config.signingKeys.map((key) => key.secret);

async function expressApp(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<AdapterApp> {
  const { kind, store, close } = await createBaselineStore(config, logger, metrics);
  const sessionOptions: session.SessionOptions = {
    name: 'sid',
    secret: secrets(config),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: libraryCookieOptions(config.idleTimeoutMs),
  };
  const sessions = session(sessionOptions);
  const app = express();
  if (config.trustedProxies.length > 0) app.set('trust proxy', config.trustedProxies);
  app.use(
    DEFAULT_ADAPTER_PREFIX,
    sessionlabExpress({
      ...adapterOptions(config, logger, kind),
      middleware: sessions,
      sessionOptions,
    }),
  );
  app.use(sessions);
  app.get('/', (_req, res) => void res.json({ ok: true }));
  return { server: createServer(app), close };
}

async function fastifyApp(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<AdapterApp> {
  const { kind, store, close } = await createBaselineStore(config, logger, metrics);
  if (kind !== 'redis') throw new InvalidOptionError('adapter-fastify: expected a redis:// store');
  const sessionOptions: FastifySessionOptions = {
    cookieName: 'sid',
    secret: secrets(config),
    // connect-redis is an express-session store; @fastify/session takes those as they are.
    store: store as unknown as NonNullable<FastifySessionOptions['store']>,
    saveUninitialized: false,
    rolling: true,
    cookie: libraryCookieOptions(config.idleTimeoutMs),
  };
  const app = Fastify({
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifySession, sessionOptions);
  await app.register(sessionlabFastify, {
    ...adapterOptions(config, logger, kind),
    prefix: DEFAULT_ADAPTER_PREFIX,
    sessionOptions,
  });
  app.get('/', async () => ({ ok: true }));
  await app.ready();
  return { server: app.server, close };
}

async function koaApp(config: NodeConfig, logger: Logger): Promise<AdapterApp> {
  const { kind, hosts } = parseStoreUrl(config.storeUrl);
  const [host] = hosts;
  if (kind !== 'redis' || host === undefined)
    throw new InvalidOptionError('adapter-koa: expected a redis:// store');
  const client = await connectRedisClient(`redis://${host.host}:${host.port}`, logger);
  // The external store as koa-session's README shows it, over node-redis.
  const sessionOptions: CreateSessionOptions = {
    key: 'sid',
    maxAge: config.idleTimeoutMs,
    rolling: true,
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    store: {
      get: async (key: string) => {
        const text = await client.get(`sess:${key}`);
        return text === null ? undefined : JSON.parse(text);
      },
      set: async (key: string, value: unknown, maxAge: number) => {
        await client.set(`sess:${key}`, JSON.stringify(value), { PX: maxAge });
      },
      destroy: async (key: string) => {
        await client.del(`sess:${key}`);
      },
    },
  };
  const app = new Koa();
  app.keys = secrets(config);
  app.proxy = config.trustedProxies.length > 0;
  const sessions = koaSession(sessionOptions, app);
  app.use(
    sessionlabKoa({
      ...adapterOptions(config, logger, kind),
      middleware: sessions,
      sessionOptions,
    }),
  );
  app.use(sessions);
  app.use((ctx) => void (ctx.body = { ok: true }));
  return {
    server: createServer(app.callback()),
    close: async () => void (client.isReady ? await client.close() : client.destroy()),
  };
}

export const ADAPTER_APPS = {
  'adapter-express': expressApp,
  'adapter-fastify': fastifyApp,
  'adapter-koa': koaApp,
} as const;
