/**
 * Mutants of failure handling: fail-open on one route (a cached 200 or an empty session while
 * the store is down), the wrong status during an outage, internals in error bodies.
 */
import { jsonReply } from './proxy.ts';
import type { Handler, ProxyReply, ProxyRequest } from './proxy.ts';
import { afterForward, copyReply, entry, parseJson, routeOf, sessionCookie } from './kit.ts';
import type { Mutant } from './kit.ts';

const OUTAGE_CHECKS = ['SL-FT-01'];

/** Serves the node's last 200 for this cookie and path when the node answers 503. */
function staleOn503(match: (request: ProxyRequest) => boolean): Handler {
  return async (request, ctx) => {
    const reply = await ctx.forward(request);
    if (request.method !== 'GET' || !match(request)) return reply;
    const cache = entry(ctx.local, 'last-200', () => new Map<string, ProxyReply>());
    const key = `${sessionCookie(request, ctx.contract) ?? ''} ${request.path}`;
    if (reply.status === 200) cache.set(key, copyReply(reply));
    if (reply.status !== 503) return reply;
    return cache.get(key) ?? reply;
  };
}

/** Adds fields to the JSON error body of the replies `match` selects. */
const withErrorDetail = (match: (reply: ProxyReply) => boolean, extra: Record<string, string>) =>
  afterForward((reply) => {
    if (!match(reply)) return;
    const body = parseJson(reply.body);
    if (typeof body !== 'object' || body === null) return;
    reply.body = Buffer.from(JSON.stringify({ ...body, ...extra }));
  });

export const OUTAGE_MUTANTS: Mutant[] = [
  {
    name: 'fail-open-me-cached',
    description: 'GET /me serves the last 200 this node saw for the cookie while the store is down',
    checks: OUTAGE_CHECKS,
    handle: staleOn503((r) => routeOf(r) === '/me'),
  },
  {
    name: 'fail-open-data-cached',
    description: 'GET /session/data/:key serves the last 200 this node saw while the store is down',
    checks: OUTAGE_CHECKS,
    handle: staleOn503((r) => routeOf(r).startsWith('/session/data/')),
  },
  {
    name: 'fail-open-get-all-empty',
    description: 'GET /session/data answers 200 {"data": {}} while the store is down',
    checks: OUTAGE_CHECKS,
    handle: afterForward((reply, request) => {
      if (routeOf(request) === '/session/data' && reply.status === 503)
        return jsonReply(
          200,
          { data: {} },
          { 'cache-control': 'no-store', 'x-node-id': reply.headers['x-node-id'] ?? '' },
        );
    }),
  },
  {
    name: 'outage-as-500',
    description: 'a store outage is answered 500 instead of 503',
    checks: OUTAGE_CHECKS,
    handle: afterForward((reply) => {
      if (reply.status === 503) reply.status = 500;
    }),
  },
  {
    name: 'outage-counter-401',
    description: 'POST /session/counter/:key answers 401 while the store is down',
    checks: OUTAGE_CHECKS,
    handle: afterForward((reply, request) => {
      if (routeOf(request).startsWith('/session/counter/') && reply.status === 503)
        reply.status = 401;
    }),
  },
  {
    name: 'outage-stack-trace',
    description: 'the 503 of a store outage carries the store client stack trace',
    checks: ['SL-ER-02'],
    handle: withErrorDetail((r) => r.status === 503, {
      stack:
        'Error: Connection is closed.\n    at close (/app/node_modules/ioredis/built/redis/event_handler.js:184:25)',
    }),
  },
  {
    name: 'bad-request-stack',
    description: 'the 400 answers carry a stack trace',
    checks: ['SL-ER-01'],
    handle: withErrorDetail((r) => r.status === 400, {
      stack:
        'SyntaxError: Unexpected token\n    at JSON.parse (<anonymous>)\n    at parse (/app/node_modules/body-parser/lib/types/json.js:92:19)',
    }),
  },
];
