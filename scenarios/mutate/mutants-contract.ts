/**
 * Mutants of the contract's routes: statuses and bodies a little off, keys handled wrongly, the
 * node id or the error shape missing, the id echoed, the size limit applied wrongly.
 */
import { jsonReply } from './proxy.ts';
import { afterForward, isDataKey, parseJson, routeOf, sessionCookie } from './kit.ts';
import type { Mutant } from './kit.ts';

export const CONTRACT_MUTANTS: Mutant[] = [
  {
    name: 'put-answers-200',
    description: 'PUT /session/data/:key answers 200 {"ok": true} instead of 204',
    checks: ['SL-DA-01'],
    handle: afterForward((reply, request) => {
      if (request.method === 'PUT' && reply.status === 204)
        return { ...jsonReply(200, { ok: true }, reply.headers), setCookie: reply.setCookie };
    }),
  },
  {
    name: 'missing-key-null',
    description: 'GET of an absent key answers 200 {"value": null} instead of 404',
    checks: ['SL-DA-01'],
    handle: afterForward((reply, request) => {
      if (request.method === 'GET' && isDataKey(request) && reply.status === 404)
        return { ...jsonReply(200, { value: null }, reply.headers), setCookie: reply.setCookie };
    }),
  },
  {
    name: 'delete-missing-404',
    description: 'DELETE of an absent key answers 404 instead of 204',
    checks: ['SL-DA-01'],
    handle: async (request, ctx) => {
      if (request.method !== 'DELETE' || !isDataKey(request)) return ctx.forward(request);
      const probe = await ctx.forward({ ...request, method: 'GET', body: Buffer.alloc(0) });
      if (probe.status === 404)
        return { ...jsonReply(404, { error: 'no such key' }, probe.headers) };
      return ctx.forward(request);
    },
  },
  {
    name: 'counter-as-string',
    description: 'the counter answers its value as a string ("3")',
    checks: ['SL-DA-01'],
    handle: afterForward((reply, request) => {
      const body = parseJson(reply.body) as { value?: unknown } | undefined;
      if (routeOf(request).startsWith('/session/counter/') && typeof body?.value === 'number')
        reply.body = Buffer.from(JSON.stringify({ value: String(body.value) }));
    }),
  },
  {
    name: 'dotted-keys-rejected',
    description: 'data keys containing "." are answered 400 although the key rule allows them',
    checks: ['SL-DA-02'],
    handle: async (request, ctx) => {
      const key = /^\/session\/(?:data|counter)\/([^/]+)$/.exec(routeOf(request))?.[1];
      if (key?.includes('.'))
        return jsonReply(
          400,
          { error: 'invalid key' },
          { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node },
        );
      return ctx.forward(request);
    },
  },
  {
    name: 'error-node-id-missing',
    description: 'X-Node-Id is missing on 4xx answers',
    checks: ['SL-CT-01'],
    handle: afterForward((reply) => {
      if (reply.status >= 400 && reply.status < 500) delete reply.headers['x-node-id'];
    }),
  },
  {
    name: 'me-no-created-at',
    description: 'GET /me answers {"user"} without createdAt',
    checks: ['SL-CT-01'],
    handle: afterForward((reply, request) => {
      const body = parseJson(reply.body) as { user?: unknown } | undefined;
      if (routeOf(request) === '/me' && reply.status === 200 && body)
        reply.body = Buffer.from(JSON.stringify({ user: body.user }));
    }),
  },
  {
    name: 'empty-401-body',
    description: '401 answers have an empty body instead of {"error": ...}',
    checks: ['SL-CT-01'],
    handle: afterForward((reply) => {
      if (reply.status === 401) {
        reply.body = Buffer.alloc(0);
        delete reply.headers['content-type'];
      }
    }),
  },
  {
    name: 'leak-id-in-me',
    description: 'GET /me echoes the session cookie in its body',
    checks: ['SL-ID-03'],
    handle: afterForward((reply, request, ctx) => {
      const body = parseJson(reply.body);
      const value = sessionCookie(request, ctx.contract);
      if (routeOf(request) === '/me' && reply.status === 200 && value && typeof body === 'object')
        reply.body = Buffer.from(JSON.stringify({ ...body, session: value }));
    }),
  },
  {
    name: 'size-limit-halved',
    description:
      'a write larger than half of maxSessionBytes is 413, although the session would fit',
    checks: ['SL-IN-02', 'SL-IN-03'],
    handle: async (request, ctx) => {
      if (request.method === 'PUT' && request.body.length > ctx.contract.maxSessionBytes / 2)
        return jsonReply(
          413,
          { error: 'session too large' },
          { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node },
        );
      return ctx.forward(request);
    },
  },
];
