import t from 'tap';
import type { Test } from 'tap';
import express from 'express';
import session from 'express-session';
import type { AddressInfo } from 'node:net';
import { ExpressSessionStore } from '../../stores/express-session.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const server = await redisFor(t);

async function startApp(t: Test): Promise<string> {
  const store = new RedisStore({ url: server.url, timeoutMs: 500 });
  await store.connect();
  const app = express();
  app.use(
    session({
      store: new ExpressSessionStore(store),
      secret: 's'.repeat(32),
      resave: false,
      saveUninitialized: false,
    }),
  );
  app.post('/view', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  app.get('/view', (req, res) => res.json({ views: req.session.views ?? 0 }));
  app.post('/logout', (req, res, next) =>
    req.session.destroy((error) => (error ? next(error) : res.status(204).end())),
  );
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(503).json({ error: error.message });
    },
  );
  const listener = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  t.teardown(async () => {
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
    await store.close();
  });
  return `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
}

t.test('an express-session app shares sessions across two nodes through the adapter', async (t) => {
  const [a, b] = await Promise.all([startApp(t), startApp(t)]);
  const first = await fetch(`${a}/view`, { method: 'POST' });
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  t.match(cookie, /^connect\.sid=/);
  t.same(await first.json(), { views: 1 });
  t.same(await (await fetch(`${b}/view`, { method: 'POST', headers: { cookie } })).json(), {
    views: 2,
  });
  t.same(await (await fetch(`${a}/view`, { headers: { cookie } })).json(), { views: 2 });
  t.equal((await fetch(`${b}/logout`, { method: 'POST', headers: { cookie } })).status, 204);
  t.same(
    await (await fetch(`${a}/view`, { headers: { cookie } })).json(),
    { views: 0 },
    'destroyed on every node',
  );
});

t.test('a paused store surfaces as an error, not as an empty session', async (t) => {
  const a = await startApp(t);
  const first = await fetch(`${a}/view`, { method: 'POST' });
  t.same(await first.json(), { views: 1 }, 'saved before the pause');
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  await server.process.pause();
  try {
    const res = await fetch(`${a}/view`, { headers: { cookie } });
    t.equal(res.status, 503);
    t.match(await res.json(), { error: /redis/ });
  } finally {
    await server.process.resume();
  }
});
