/**
 * Mutants that hold state in the proxy: cookies repaired from ones seen before, ids kept alive
 * or adopted across logins, caches on one node, logout that does less or later, counters by
 * read-modify-write, timeouts the proxy shortens or stretches.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { jsonReply } from './proxy.ts';
import type { Handler, ProxyContext, ProxyReply, ProxyRequest } from './proxy.ts';
import {
  clearingLineFor,
  copyReply,
  entry,
  isCounter,
  isDataKey,
  isLogin,
  isLogout,
  issuedCookie,
  parseJson,
  routeOf,
  sessionCookie,
  withSessionCookie,
} from './kit.ts';
import type { Mutant } from './kit.ts';

/** Every session cookie value the target has issued, shared by the proxies of one mutant. */
const issued = (ctx: ProxyContext): Set<string> => entry(ctx.shared, 'issued', () => new Set());

/** Forwards and remembers the cookies the target issues. */
async function forwardRemembering(request: ProxyRequest, ctx: ProxyContext): Promise<ProxyReply> {
  const reply = await ctx.forward(request);
  const value = issuedCookie(reply, ctx.contract);
  if (value !== undefined) issued(ctx).add(value);
  return reply;
}

/** A cookie the target never issued is "repaired" into the issued one `match` finds. */
function repairCookie(match: (sent: string, good: string) => boolean): Handler {
  return (request, ctx) => {
    const sent = sessionCookie(request, ctx.contract);
    if (sent === undefined || issued(ctx).has(sent)) return forwardRemembering(request, ctx);
    const good = [...issued(ctx)].find((g) => match(sent, g));
    const fixed = good === undefined ? request : withSessionCookie(request, ctx.contract, good);
    return forwardRemembering(fixed, ctx);
  };
}

/** Cookie → cookie it now stands for (a kept-alive or adopted id). */
const aliases = (map: Map<string, unknown>): Map<string, string> =>
  entry(map, 'aliases', () => new Map());

function forwardAliased(request: ProxyRequest, ctx: ProxyContext, map: Map<string, string>) {
  const sent = sessionCookie(request, ctx.contract);
  const target = sent === undefined ? undefined : map.get(sent);
  return ctx.forward(
    target === undefined ? request : withSessionCookie(request, ctx.contract, target),
  );
}

/** Forwards through an alias map (per node or shared); a successful login may add aliases. */
function aliasAtLogin(
  scope: 'local' | 'shared',
  onLogin: (
    sent: string | undefined,
    value: string,
    reply: ProxyReply,
    ctx: ProxyContext,
    map: Map<string, string>,
  ) => void,
): Handler {
  return async (request, ctx) => {
    const map = aliases(ctx[scope]);
    const sent = sessionCookie(request, ctx.contract);
    const reply = await forwardAliased(request, ctx, map);
    const value = issuedCookie(reply, ctx.contract);
    if (isLogin(request) && reply.status === 200 && value !== undefined)
      onLogin(sent, value, reply, ctx, map);
    return reply;
  };
}

/** Drops the cookie of sessions the proxy decides are over (`over` sees the cookie's record). */
function expireBy(
  over: (record: { loginAt: number; lastAt: number }, ctx: ProxyContext) => boolean,
): Handler {
  return async (request, ctx) => {
    const records = entry(
      ctx.shared,
      'records',
      () => new Map<string, { loginAt: number; lastAt: number }>(),
    );
    const sent = sessionCookie(request, ctx.contract);
    const record = sent === undefined ? undefined : records.get(sent);
    const now = Date.now();
    const ended = record !== undefined && over(record, ctx);
    const reply = await ctx.forward(
      ended ? withSessionCookie(request, ctx.contract, undefined) : request,
    );
    if (record !== undefined && !ended) record.lastAt = now;
    const value = issuedCookie(reply, ctx.contract);
    if (isLogin(request) && reply.status === 200 && value)
      records.set(value, { loginAt: now, lastAt: now });
    return reply;
  };
}

/** Per-node cache of 200 reads, dropped by the writes this node sees (not other nodes'). */
function nodeReadCache(match: (request: ProxyRequest) => boolean): Handler {
  return async (request, ctx) => {
    const cache = entry(ctx.local, 'reads', () => new Map<string, ProxyReply>());
    const cookie = sessionCookie(request, ctx.contract) ?? '';
    const key = `${cookie} ${request.path}`;
    if (request.method === 'GET' && match(request)) {
      const hit = cache.get(key);
      if (hit) return copyReply(hit);
      const reply = await ctx.forward(request);
      if (reply.status === 200 && cookie) cache.set(key, copyReply(reply));
      return reply;
    }
    if (request.method !== 'GET')
      for (const k of [...cache.keys()]) if (k.startsWith(`${cookie} `)) cache.delete(k);
    return ctx.forward(request);
  };
}

const okWithClear = (request: ProxyRequest, ctx: ProxyContext): ProxyReply => {
  const line = clearingLineFor(request, ctx.contract);
  return {
    ...jsonReply(204, undefined, { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node }),
    headers: { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node },
    setCookie: line === undefined ? [] : [line],
  };
};

export const STATE_MUTANTS: Mutant[] = [
  {
    name: 'bare-id-replayed',
    description: 'a cookie without its signature part is taken for the signed cookie it came from',
    checks: ['SL-ID-02'],
    handle: repairCookie(
      (sent, good) => good.startsWith(`${sent}.`) || good.split('.')[0] === sent,
    ),
  },
  {
    name: 'truncated-replayed',
    description: 'a truncated cookie (16 characters or more) is taken for the issued one it starts',
    checks: ['SL-ID-02'],
    handle: repairCookie((sent, good) => sent.length >= 16 && good.startsWith(sent)),
  },
  {
    name: 'extended-replayed',
    description: 'a cookie with characters appended is taken for the issued one it extends',
    checks: ['SL-ID-02'],
    handle: repairCookie((sent, good) => sent.startsWith(good)),
  },
  {
    name: 'relogin-no-rotate',
    description:
      'a second login of an authenticated session keeps its cookie (the id is not rotated)',
    checks: ['SL-FX-02'],
    handle: aliasAtLogin('shared', (sent, value, reply, ctx, map) => {
      const authed = entry(ctx.shared, 'authed', () => new Set<string>());
      if (sent === undefined || !authed.has(sent)) return void authed.add(value);
      map.set(sent, map.get(value) ?? value);
      reply.setCookie = reply.setCookie.filter(
        (l) => issuedCookie({ ...reply, setCookie: [l] }, ctx.contract) === undefined,
      );
    }),
  },
  {
    name: 'old-id-alive-on-login-node',
    description:
      'after login, the node that served it still maps the pre-login cookie to the new session',
    checks: ['SL-FX-02'],
    handle: aliasAtLogin('local', (sent, value, _reply, _ctx, map) => {
      if (sent !== undefined) map.set(sent, value);
    }),
  },
  {
    name: 'logout-cookie-only',
    description:
      'POST /logout clears the cookie without ending the session (answered by the proxy)',
    checks: ['SL-LO-01', 'SL-ST-02'],
    handle: async (request, ctx) =>
      isLogout(request) ? okWithClear(request, ctx) : ctx.forward(request),
  },
  {
    name: 'logout-async',
    description: 'POST /logout answers at once and ends the session 1.5 s later (a queued job)',
    checks: ['SL-LO-01', 'SL-LO-03'],
    handle: async (request, ctx) => {
      if (!isLogout(request)) return ctx.forward(request);
      void delay(1500).then(() => ctx.forward(request).catch(() => undefined));
      return okWithClear(request, ctx);
    },
  },
  {
    name: 'me-cached-per-node',
    description: 'each node caches GET /me per cookie; only a logout on that node drops it',
    checks: ['SL-LO-01'],
    handle: nodeReadCache((r) => routeOf(r) === '/me'),
  },
  {
    name: 'data-cached-per-node',
    description: 'each node caches GET /session/data/:key per cookie; only its own writes drop it',
    checks: ['SL-XN-01', 'SL-XN-02'],
    handle: nodeReadCache(isDataKey),
  },
  {
    name: 'write-behind',
    description: 'PUT /session/data/:key answers 204 at once and writes 300 ms later',
    checks: ['SL-XN-01', 'SL-XN-02'],
    handle: async (request, ctx) => {
      if (request.method !== 'PUT' || !isDataKey(request) || !sessionCookie(request, ctx.contract))
        return ctx.forward(request);
      void delay(300).then(() => ctx.forward(request).catch(() => undefined));
      return {
        ...jsonReply(204, undefined),
        headers: { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node },
      };
    },
  },
  {
    name: 'counter-read-modify-write',
    description: 'the counter is read with GET and written back with PUT (lost updates)',
    checks: ['SL-XN-04'],
    handle: async (request, ctx) => {
      if (!isCounter(request) || !sessionCookie(request, ctx.contract)) return ctx.forward(request);
      const path = routeOf(request).replace('/session/counter/', '/session/data/');
      const read = await ctx.forward({ ...request, method: 'GET', path, body: Buffer.alloc(0) });
      const old = (parseJson(read.body) as { value?: unknown } | undefined)?.value;
      const value = (typeof old === 'number' ? old : 0) + 1;
      const body = Buffer.from(JSON.stringify({ value }));
      const write = await ctx.forward({
        ...request,
        method: 'PUT',
        path,
        headers: { ...request.headers, 'content-type': 'application/json' },
        body,
      });
      if (write.status !== 204) return write;
      return {
        ...jsonReply(
          200,
          { value },
          { 'cache-control': 'no-store', 'x-node-id': ctx.contract.node },
        ),
        setCookie: write.setCookie,
      };
    },
  },
  {
    name: 'idle-timeout-halved',
    description: 'a logged-in session idle for half the declared idle timeout is treated as gone',
    checks: ['SL-EX-01'],
    handle: expireBy((r, ctx) => Date.now() - r.lastAt > ctx.contract.idleTimeoutMs / 2),
  },
  {
    name: 'absolute-timeout-halved',
    description: 'a logged-in session ends at half the declared absolute timeout',
    checks: ['SL-EX-03'],
    handle: expireBy((r, ctx) => Date.now() - r.loginAt > ctx.contract.absoluteTimeoutMs / 2),
  },
  {
    name: 'auto-relogin',
    description:
      'a logged-in cookie that expired is silently logged in again (remember-me): no absolute timeout',
    checks: ['SL-EX-03', 'SL-EX-01'],
    handle: async (request, ctx) => {
      const logins = entry(ctx.shared, 'logins', () => new Map<string, Buffer>());
      const ended = entry(ctx.shared, 'ended', () => new Set<string>());
      const map = aliases(ctx.shared);
      const sent = sessionCookie(request, ctx.contract);
      const reply = await forwardAliased(request, ctx, map);
      const value = issuedCookie(reply, ctx.contract);
      if (isLogin(request) && reply.status === 200 && value) logins.set(value, request.body);
      if (isLogout(request) && sent) ended.add(sent);
      const body = sent === undefined ? undefined : logins.get(sent);
      if (reply.status !== 401 || routeOf(request) !== '/me' || !sent || !body || ended.has(sent))
        return reply;
      const relogin = await ctx.forward({
        method: 'POST',
        path: '/login',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const fresh = issuedCookie(relogin, ctx.contract);
      if (relogin.status !== 200 || fresh === undefined) return reply;
      map.set(sent, fresh);
      return forwardAliased(request, ctx, map);
    },
  },
];
