/**
 * An Express shop as teams write it: express-session + connect-redis, an HTML form login with
 * a CSRF token and a 302, a cart that does read-modify-write in the session, POST logout with a
 * redirect. A test target for `sessionlab conformance --profile profile.json`, not part of
 * sessionlab. Env: PORT, REDIS_URL, SHOP_PASSWORD, IDLE_TIMEOUT_MS.
 */
import { randomBytes } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    csrf?: string;
    cart?: Record<string, number>;
  }
}

const idleMs = Number(process.env.IDLE_TIMEOUT_MS ?? 1_800_000);
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(
  session({
    store: new RedisStore({ client: redis, prefix: 'shop:' }),
    secret: process.env.SHOP_SECRET ?? 'shop-example-secret',
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: idleMs },
  }),
);

const csrfOf = (req: express.Request): string =>
  (req.session.csrf ??= randomBytes(16).toString('hex'));
const csrfOk = (req: express.Request): boolean =>
  typeof req.body?._csrf === 'string' && req.body._csrf === req.session.csrf;

app.get('/login', (req, res) => {
  res.send(`<form method="post"><input type="hidden" name="_csrf" value="${csrfOf(req)}">
<input name="email"><input name="password" type="password"></form>`);
});
app.post('/login', (req, res, next) => {
  if (!csrfOk(req)) return void res.status(403).send('bad csrf token');
  if (req.body.password !== process.env.SHOP_PASSWORD) return void res.status(401).send('no');
  const user = String(req.body.email);
  // A new id at login (express-session's own regenerate): no fixation.
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.user = user;
    res.redirect(302, '/account');
  });
});
app.get('/account', (req, res) => {
  if (!req.session.user) return void res.redirect(302, '/login');
  res.send(`<p>Signed in as ${req.session.user}</p><input name="_csrf" value="${csrfOf(req)}">`);
});
app.get('/cart', (req, res) => {
  if (!req.session.user) return void res.status(401).json({ error: 'log in first' });
  res.json({ items: req.session.cart ?? {} });
});
// Read-modify-write of the whole session: concurrent adds on two nodes overwrite each other.
app.post('/cart/add/:item', (req, res) => {
  if (!req.session.user) return void res.status(401).json({ error: 'log in first' });
  const cart = req.session.cart ?? {};
  cart[req.params.item] = (cart[req.params.item] ?? 0) + 1;
  req.session.cart = cart;
  res.redirect(302, '/cart');
});
app.post('/account/logout', (req, res, next) => {
  if (!csrfOk(req)) return void res.status(403).send('bad csrf token');
  req.session.destroy((error) => {
    if (error) return next(error);
    res.clearCookie('connect.sid').redirect(302, '/login');
  });
});
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
