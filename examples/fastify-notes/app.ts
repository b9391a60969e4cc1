/**
 * A Fastify app with @fastify/session and a redis store (connect-redis, which @fastify/session
 * accepts): JSON login, a note and a visit counter in the session, logout. A test target for
 * `sessionlab conformance --profile profile.json`. Env: PORT, REDIS_URL, APP_PASSWORD,
 * IDLE_TIMEOUT_MS.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { RedisStore } from 'connect-redis';
import Fastify from 'fastify';
import { createClient } from 'redis';

declare module 'fastify' {
  interface Session {
    user?: string;
    note?: string;
    visits?: number;
  }
}

const idleMs = Number(process.env.IDLE_TIMEOUT_MS ?? 1_800_000);
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: process.env.APP_SECRET ?? 'fastify-example-secret-at-least-32-chars',
  store: new RedisStore({ client: redis, prefix: 'notes:' }),
  saveUninitialized: false,
  rolling: true,
  cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: idleMs },
});

app.post<{ Body: { user?: string; password?: string } }>('/api/login', async (req, reply) => {
  if (req.body?.password !== process.env.APP_PASSWORD) return reply.code(401).send({ error: 'no' });
  await req.session.regenerate();
  req.session.user = String(req.body.user);
  return { user: req.session.user };
});
app.get('/api/me', async (req, reply) =>
  req.session.user ? { user: req.session.user } : reply.code(401).send({ error: 'log in' }),
);
app.put<{ Body: { note?: string } }>('/api/note', async (req, reply) => {
  if (!req.session.user) return reply.code(401).send({ error: 'log in' });
  req.session.note = String(req.body?.note);
  return reply.code(204).send();
});
app.get('/api/note', async (req, reply) =>
  req.session.user ? { note: req.session.note ?? null } : reply.code(401).send({ error: 'log in' }),
);
// Read-modify-write of the session: @fastify/session saves the whole session object.
app.post('/api/visits', async (req, reply) => {
  if (!req.session.user) return reply.code(401).send({ error: 'log in' });
  req.session.visits = (req.session.visits ?? 0) + 1;
  return { visits: req.session.visits };
});
app.get('/api/visits', async (req, reply) =>
  req.session.user
    ? { visits: req.session.visits ?? 0 }
    : reply.code(401).send({ error: 'log in' }),
);
app.post('/api/logout', async (req, reply) => {
  await req.session.destroy();
  return reply.code(204).send();
});
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
