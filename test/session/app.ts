/**
 * A minimal node:http app over the engine (via withSession), started on a free loopback port:
 * enough routes to drive the engine like a real "node" does in the engine's tests.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { Pool } from 'undici';
import { SessionEngine } from '../../session/engine.ts';
import { withSession } from '../../session/http.ts';
import type { SessionOptions } from '../../session/options.ts';

export interface TestNode {
  engine: SessionEngine;
  url: string;
  request(
    method: string,
    path: string,
    options?: { cookie?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  body: unknown;
  setCookie: string[];
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0
    ? {}
    : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
}

export async function startTestNode(t: Test, options: SessionOptions): Promise<TestNode> {
  const engine = new SessionEngine(options);
  const server = createServer(
    withSession(engine, async (req, res, session) => {
      const [path = '', key = ''] = (req.url ?? '').slice(1).split('/');
      const route = `${req.method} /${path}`;
      if (route === 'POST /login') {
        const { user } = await readJson(req);
        await session.regenerate({ user: String(user) });
        send(res, 200, { user });
      } else if (route === 'POST /logout') {
        await session.destroy();
        send(res, 204);
      } else if (route === 'POST /logout-all') {
        send(res, 200, { ended: session.user ? await engine.destroyAllForUser(session.user) : 0 });
      } else if (route === 'GET /me') {
        send(res, session.user ? 200 : 401, { user: session.user });
      } else if (route === 'PUT /data') {
        session.set(key, (await readJson(req)).value);
        await session.commit();
        send(res, 204);
      } else if (route === 'GET /data' && key === '') {
        send(res, 200, { data: session.entries() });
      } else if (route === 'GET /data') {
        const value = session.get(key);
        send(res, value === undefined ? 404 : 200, { value });
      } else if (route === 'POST /counter') {
        session.increment(key);
        send(res, 200, { value: (await session.commit()).counters[0] });
      } else send(res, 404, { error: 'no such route' });
    }),
  );
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new Pool(url, { connections: 64 });
  t.teardown(async () => {
    await pool.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    engine,
    url,
    async request(method, path, { cookie, body, headers = {} } = {}) {
      const res = await pool.request({
        method: method as 'GET',
        path,
        headers: {
          ...headers,
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      const raw = res.headers['set-cookie'];
      return {
        status: res.statusCode,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        setCookie: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw],
      };
    },
  };
}

/** `name=value` of the first Set-Cookie line for a live (non-cleared) cookie, for a Cookie header. */
export function cookieFrom(res: TestResponse): string {
  const line = res.setCookie.find((l) => !/max-age=0/i.test(l));
  if (line === undefined) throw new Error(`no cookie issued (status ${res.status})`);
  return line.split(';')[0] ?? '';
}
