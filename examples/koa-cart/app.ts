/**
 * A Koa app with koa-session and an external store over redis (node-redis), as koa-session's
 * README shows it: an HTML form login with a CSRF token kept in the anonymous session, a 303,
 * a basket counter that does read-modify-write in the session, POST logout with a redirect.
 * A test target for `sessionlab conformance --profile profile.json`, not part of sessionlab.
 * Env: PORT, REDIS_URL, KOA_PASSWORD, IDLE_TIMEOUT_MS.
 */
import { randomBytes } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Context } from 'koa';
import koaSession from 'koa-session';
import { createClient } from 'redis';

interface CartSession {
  user?: string;
  csrf?: string;
  items?: number;
  note?: string;
  regenerate(): Promise<void> | undefined;
}

const idleMs = Number(process.env.IDLE_TIMEOUT_MS ?? 1_800_000);
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const app = new Koa();
app.keys = [process.env.KOA_SECRET ?? 'koa-example-secret'];
app.use(
  koaSession(
    {
      key: 'koa.cart',
      maxAge: idleMs,
      rolling: true,
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      store: {
        get: async (key: string) => {
          const text = await redis.get(`cart:${key}`);
          return text === null ? undefined : JSON.parse(text);
        },
        set: async (key: string, value: unknown, maxAge: number) => {
          await redis.set(`cart:${key}`, JSON.stringify(value), { PX: maxAge });
        },
        destroy: async (key: string) => {
          await redis.del(`cart:${key}`);
        },
      },
    },
    app,
  ),
);
app.use(bodyParser());

const sessionOf = (ctx: Context): CartSession => ctx.session as unknown as CartSession;
const csrfOf = (ctx: Context): string => (sessionOf(ctx).csrf ??= randomBytes(16).toString('hex'));
const csrfOk = (ctx: Context): boolean => {
  const body = ctx.request.body as { _csrf?: unknown } | undefined;
  return typeof body?._csrf === 'string' && body._csrf === sessionOf(ctx).csrf;
};
const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const form = (action: string, token: string, fields = ''): string =>
  `<form method="post" action="${action}">${fields}` +
  `<input type="hidden" name="_csrf" value="${token}"><button>go</button></form>`;

const router = new Router();
router.get('/login', (ctx) => {
  ctx.type = 'html';
  ctx.body = form('/login', csrfOf(ctx), '<input name="user"><input name="password">');
});
router.post('/login', async (ctx) => {
  const { user, password } = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (!csrfOk(ctx) || typeof user !== 'string' || password !== process.env.KOA_PASSWORD) {
    ctx.status = 403;
    ctx.body = 'login refused';
    return;
  }
  // A new session id at login: the anonymous one (holding the CSRF token) is not reused.
  await sessionOf(ctx).regenerate();
  sessionOf(ctx).user = user;
  ctx.status = 303;
  ctx.redirect('/basket');
});
router.get('/basket', (ctx) => {
  const session = sessionOf(ctx);
  if (!session.user) return void ctx.redirect('/login');
  ctx.type = 'html';
  ctx.body =
    `<p>Signed in as ${escape(session.user)}</p><p>Items: <b id="items">${session.items ?? 0}</b></p>` +
    `<p>Note: <i id="note">${escape(session.note ?? '')}</i></p>` +
    form('/basket/add', csrfOf(ctx)) +
    form('/logout', csrfOf(ctx));
});
// Read-modify-write of the session: koa-session saves the whole session object to the store.
router.post('/basket/add', (ctx) => {
  const session = sessionOf(ctx);
  if (!session.user) return void (ctx.status = 401);
  session.items = (session.items ?? 0) + 1;
  ctx.body = { items: session.items };
});
router.post('/basket/note', (ctx) => {
  const session = sessionOf(ctx);
  const { note } = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (!session.user) return void (ctx.status = 401);
  if (typeof note !== 'string') return void (ctx.status = 400);
  session.note = note;
  ctx.status = 303;
  ctx.redirect('/basket');
});
router.post('/logout', (ctx) => {
  if (!csrfOk(ctx)) return void (ctx.status = 403);
  ctx.session = null;
  ctx.status = 303;
  ctx.redirect('/login');
});
app.use(router.routes());
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
