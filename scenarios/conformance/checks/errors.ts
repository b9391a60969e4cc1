/**
 * SL-ER: no error body tells a client how the target is built — no store address, no
 * credential, no stack trace, no file path — in normal operation and during a store outage.
 */
import { SessionClient } from '../client.ts';
import type { Reply } from '../client.ts';
import { loginWhenBack, outageModes, sessionRoutes, withStoreOutage } from '../outage.ts';
import { login } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

const LEAKS: [string, RegExp][] = [
  ['a stack trace', /\n\s*at\s+\S+|\bat\s+\S+\s+\(\S+:\d+:\d+\)/],
  [
    'a file path',
    /(?:\/[\w.@-]+){2,}\.(?:[cm]?[jt]s|py|rb|go|java|php)\b|node_modules|file:\/\/|\b[A-Z]:\\/,
  ],
  ['a store URL', /\b(?:rediss?|memcached|redis-cluster|postgres(?:ql)?|mongodb):\/\//i],
  ['a network address', /\b(?:\d{1,3}\.){3}\d{1,3}:\d{2,5}\b|\blocalhost:\d{2,5}\b|\[::1\]:\d+/i],
  ['a socket error', /\b(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)\b/],
  ['a credential in a URL', /\/\/[^/\s:@]+:[^/\s@]+@/],
];

/** What an error body gives away (empty when nothing); `password` is the target's own. */
export function leaksIn(text: string, password: string): string[] {
  const found = LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
  if (password !== '' && text.includes(password)) found.push('the password');
  return found;
}

interface Seen {
  what: string;
  reply: Reply;
}

function judge(ctx: CheckContext, seen: Seen[], when: string) {
  const errors = seen.filter((s) => s.reply.status >= 400);
  const witnesses = errors.flatMap(({ what, reply }) => {
    const leaks = leaksIn(reply.text, ctx.target.password);
    return leaks.length === 0
      ? []
      : [`${what} answered ${reply.status} with ${leaks.join(', ')}: ${reply.text.slice(0, 120)}`];
  });
  if (errors.length === 0)
    return unknown(`no request ${when} got an error answer to inspect`, { requests: seen.length });
  return witnesses.length === 0
    ? pass(`${errors.length} error bodies ${when} give away nothing`, { errors: errors.length })
    : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 5), errors: errors.length });
}

export const errorChecks: CheckDefinition[] = [
  {
    id: 'SL-ER-01',
    title: 'error bodies carry no store address, credential, stack trace or file path',
    level: 'MUST',
    refs: ['ASVS-5.0-16.5.1', 'CWE-209'],
    covers: ['every.error-shape'],
    provenBy: ['leak-error-detail'],
    async run(ctx) {
      const { nodes, contract, password } = ctx.target;
      const seen: Seen[] = [];
      for (const [i, node] of nodes.entries()) {
        const client = await login(ctx, node);
        const ask = async (what: string, method: string, path: string, options = {}) =>
          void seen.push({
            what: `node ${i + 1}, ${what}`,
            reply: await client.request(node, method, path, options),
          });
        await ask('a wrong password', 'POST', '/login', {
          body: { user: ctx.user(), password: `${password}-wrong` },
        });
        await ask('a bad key', 'PUT', '/session/data/bad%20key', { body: { value: 1 } });
        await ask('a body without value', 'PUT', '/session/data/k', { body: { valu: 1 } });
        await ask('broken JSON', 'PUT', '/session/data/k', {
          rawBody: '{"value":',
          headers: { 'content-type': 'application/json' },
        });
        await ask('an unknown route', 'GET', '/er-no-such-route');
        await ask('a too large write', 'PUT', '/session/data/big', {
          body: { value: 'x'.repeat(Math.min(contract.maxSessionBytes || 900_000, 900_000) + 1) },
        });
        const stranger = new SessionClient();
        seen.push({
          what: `node ${i + 1}, a made-up cookie`,
          reply: await stranger.request(node, 'GET', '/me', {
            cookie: `${contract.cookieName}=er01.forged.cookie`,
          }),
        });
      }
      return judge(ctx, seen, 'in normal operation');
    },
  },
  {
    id: 'SL-ER-02',
    title: 'during a store outage, error bodies carry no store address, credential or stack',
    level: 'MUST',
    refs: ['ASVS-5.0-16.5.1', 'CWE-209'],
    covers: ['every.error-shape', 'store.fail-closed'],
    needs: ['kill-store'],
    exclusive: true,
    provenBy: ['leak-error-detail'],
    async run(ctx) {
      const client = await loginWhenBack(ctx);
      // Killed when possible: a refused connection is what puts an address in a message.
      const mode = outageModes(ctx.faults).includes('kill') ? 'kill' : 'pause';
      const seen = await withStoreOutage(
        ctx,
        async () => {
          const out: Seen[] = [];
          for (const [i, node] of ctx.target.nodes.entries())
            for (const [method, path, body] of sessionRoutes(ctx, 'er')) {
              // A request that hangs has no body to inspect (SL-FT-01 judges the hang).
              const reply = await client
                .request(node, method, path, {
                  timeoutMs: 3000,
                  ...(body === undefined ? {} : { body }),
                })
                .catch(() => undefined);
              if (reply) out.push({ what: `node ${i + 1}, ${method} ${path}`, reply });
            }
          return out;
        },
        mode,
      );
      return judge(ctx, seen, `with the store ${mode === 'kill' ? 'killed' : 'paused'}`);
    },
  },
];
