/**
 * The contract on a Koa app's own koa-session (cookie or external store), for a staging build:
 *
 *   const sessions = koaSession(sessionOptions, app);
 *   app.use(sessionlabKoa({ prefix: '/_sessionlab', middleware: sessions, sessionOptions, nodeId,
 *     checkPassword: (user, password) => password === process.env.SESSIONLAB_PASSWORD }));
 *   app.use(sessions);
 *
 * Mounted before the app's session middleware: the adapter answers its prefix itself and runs
 * the library's middleware after checking the input, so its store errors come back here.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { CreateSessionOptions } from 'koa-session';
import { ClientError } from '../../core/errors.ts';
import { DEFAULT_ADAPTER_PREFIX, contractRoutes, errorReply } from './contract-routes.ts';
import type {
  AdapterState,
  ContractAdapterOptions,
  ContractReply,
  LibrarySession,
} from './contract-routes.ts';

export interface KoaAdapterOptions extends ContractAdapterOptions {
  /** @default DEFAULT_ADAPTER_PREFIX ('/_sessionlab') */
  prefix?: string;
  /** The app's own `koaSession(sessionOptions, app)` middleware. */
  middleware: Middleware;
  /** The very options given to koa-session: cookie name and maxAge are reported from them. */
  sessionOptions: CreateSessionOptions;
}

/** The part of koa-session's Session the adapter uses (koa-session 7 does not type ctx.session). */
interface KoaSession {
  sessionlab?: AdapterState;
  regenerate(): Promise<void> | undefined;
}
type SessionContext = Context & { session: KoaSession | null };

function unreadableBody(error: unknown): unknown {
  const { status } = (error ?? {}) as { status?: unknown };
  return typeof status === 'number' && status < 500
    ? error
    : new ClientError(400, 'the request body could not be read');
}

function send(ctx: Context, reply: ContractReply): void {
  ctx.status = reply.status;
  ctx.body = reply.body ?? null;
}

export function sessionlabKoa(options: KoaAdapterOptions): Middleware {
  const prefix = options.prefix ?? DEFAULT_ADAPTER_PREFIX;
  const { maxAge } = options.sessionOptions;
  const routes = contractRoutes(options, {
    library: 'koa-session',
    cookieName: options.sessionOptions.key ?? 'koa.sess',
    // koa-session's default maxAge is one day; 'session' is a browser-session cookie: no idle timeout.
    idleTimeoutMs: maxAge === undefined ? 86_400_000 : maxAge === 'session' ? Number.NaN : maxAge,
  });
  const librarySession = (ctx: SessionContext): LibrarySession => ({
    read: () => ctx.session?.sessionlab,
    write: (state) => {
      if (ctx.session !== null) ctx.session.sessionlab = state;
    },
    regenerate: async () => ctx.session?.regenerate(),
    // koa-session removes it from the store and expires the cookie when the request ends.
    destroy: async () => void (ctx.session = null),
  });

  const router = new Router({ prefix });
  for (const route of routes) {
    router.register(route.path, [route.method], async (ctx) => {
      await route.validate?.(ctx.params, ctx.request.body);
      const handle = async (): Promise<void> =>
        send(
          ctx,
          await route.handle(
            librarySession(ctx as unknown as SessionContext),
            ctx.params,
            ctx.request.body,
          ),
        );
      if (route.usesSession) await options.middleware(ctx, handle);
      else await handle();
    });
  }
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: '1mb' });
  const dispatch = router.routes();
  const underPrefix = (path: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

  return async (ctx, next) => {
    if (!underPrefix(ctx.path)) return next();
    ctx.set('X-Node-Id', options.nodeId);
    ctx.set('Cache-Control', 'no-store');
    let parsed = false;
    try {
      await parse(ctx, () => {
        parsed = true;
        return dispatch(ctx as Parameters<typeof dispatch>[0], async () =>
          send(ctx, { status: 404, body: { error: `no route ${ctx.method} ${ctx.path}` } }),
        );
      });
    } catch (error) {
      // A body that cannot be read (a bogus Content-Encoding too) is the client's mistake.
      const reply = errorReply(parsed ? error : unreadableBody(error));
      if (reply.status >= 500) options.onServerError?.(error);
      send(ctx, reply);
    }
  };
}
