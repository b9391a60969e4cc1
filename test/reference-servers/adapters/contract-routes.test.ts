/**
 * The adapters report their library's own settings in GET /contract, refuse options they cannot
 * report honestly, and answer a client's mistakes with a JSON 4xx. In-process, on each library's
 * memory store: the catalogue runs against real stores in test/scenarios/conformance/adapter-*.
 */
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import express from 'express';
import session from 'express-session';
import Fastify from 'fastify';
import Koa from 'koa';
import koaSession from 'koa-session';
import t from 'tap';
import type { Test } from 'tap';
import { contractRoutes } from '../../../reference-servers/adapters/contract-routes.ts';
import { sessionlabExpress } from '../../../reference-servers/adapters/express.ts';
import { sessionlabFastify } from '../../../reference-servers/adapters/fastify.ts';
import { sessionlabKoa } from '../../../reference-servers/adapters/koa.ts';

const checkPassword = (_user: string, password: string): boolean => password === 'pw';
const SECRET = 'a-secret-of-at-least-thirty-two-characters';

async function serve(t: Test, handler: RequestListener): Promise<string> {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/_sessionlab`;
}

t.test('an adapter refuses options it could not report honestly', async (t) => {
  const settings = { library: 'x', cookieName: 'sid', idleTimeoutMs: 1000 };
  t.throws(() => contractRoutes({ checkPassword, nodeId: 'bad id' }, settings), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid nodeId "bad id": expected [A-Za-z0-9_-]{1,32}',
  });
  t.throws(
    () =>
      contractRoutes({ checkPassword, nodeId: 'n1' }, { ...settings, idleTimeoutMs: Number.NaN }),
    {
      code: 'SESSIONLAB_ERR_INVALID_OPTION',
      message: /x: the session cookie needs a maxAge in ms/,
    },
  );
  t.throws(
    () =>
      sessionlabExpress({
        checkPassword,
        nodeId: 'n1',
        middleware: (_req, _res, next) => next(),
        sessionOptions: { secret: SECRET },
      }),
    { code: 'SESSIONLAB_ERR_INVALID_OPTION' },
    'express-session without cookie.maxAge',
  );
});

t.test('express-session: GET /contract reports the options given to the library', async (t) => {
  const sessionOptions = {
    name: 'app.sid',
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 1500 },
  };
  const sessions = session(sessionOptions);
  const app = express();
  app.use(
    '/_sessionlab',
    sessionlabExpress({
      checkPassword,
      nodeId: 'e1',
      middleware: sessions,
      sessionOptions,
      capabilities: ['durable-store'],
    }),
  );
  const base = await serve(t, app);
  const reply = await fetch(`${base}/contract`);
  t.equal(reply.headers.get('x-node-id'), 'e1');
  t.equal(reply.headers.get('set-cookie'), null, 'discovery creates no session');
  t.same(await reply.json(), {
    contract: 1,
    node: 'e1',
    cookieName: 'app.sid',
    idleTimeoutMs: 1500,
    absoluteTimeoutMs: 0,
    maxSessionBytes: 65_536,
    capabilities: ['carry-over', 'durable-store'],
    impl: 'express-session adapter',
  });
  const bad = await fetch(`${base}/session/data/a%20b`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":1}',
  });
  t.equal(bad.status, 400);
  t.same(await bad.json(), { error: 'invalid key: expected [A-Za-z0-9_.-]{1,64}' });
  const wrong = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"user":"alice","password":"nope"}',
  });
  t.equal(wrong.status, 401);
  t.same(await wrong.json(), { error: 'wrong user name or password' });
});

t.test('@fastify/session: the library defaults are what GET /contract reports', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  const sessionOptions = { secret: SECRET, cookie: { maxAge: 2500 } };
  await app.register(fastifyCookie);
  await app.register(fastifySession, sessionOptions);
  await app.register(sessionlabFastify, {
    prefix: '/_sessionlab',
    checkPassword,
    nodeId: 'f1',
    sessionOptions,
  });
  const reply = await app.inject({ method: 'GET', url: '/_sessionlab/contract' });
  t.equal(reply.headers['x-node-id'], 'f1');
  t.match(reply.json(), {
    cookieName: 'sessionId',
    idleTimeoutMs: 2500,
    absoluteTimeoutMs: 0,
    impl: '@fastify/session adapter',
  });
  const missing = await app.inject({ method: 'GET', url: '/_sessionlab/nowhere' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.headers['x-node-id'], 'f1');
  t.same(missing.json(), { error: 'no route GET /_sessionlab/nowhere' });
});

t.test('koa-session: its one-day default maxAge is the declared idle timeout', async (t) => {
  const app = new Koa();
  app.keys = [SECRET];
  const sessionOptions = { key: 'koa.sid' };
  const sessions = koaSession(sessionOptions, app);
  app.use(sessionlabKoa({ checkPassword, nodeId: 'k1', middleware: sessions, sessionOptions }));
  app.use(sessions);
  app.use((ctx) => void (ctx.body = { app: true }));
  const base = await serve(t, app.callback() as RequestListener);
  const contract = await fetch(`${base}/contract`);
  t.match(await contract.json(), {
    cookieName: 'koa.sid',
    idleTimeoutMs: 86_400_000,
    impl: 'koa-session adapter',
  });
  const gzip = await fetch(`${base}/session/data/k`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: '{"value":1}',
  });
  t.equal(gzip.status, 400, "a body that cannot be inflated is the client's mistake");
  t.same(await gzip.json(), { error: 'the request body could not be read' });
  const own = await fetch(base.replace('/_sessionlab', '/'));
  t.same(await own.json(), { app: true }, 'the app keeps its own routes');
});
