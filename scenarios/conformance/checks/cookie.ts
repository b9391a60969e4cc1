/**
 * SL-CK: the session cookie's attributes (ASVS 5.0 3.3) and the no-store rule of the contract.
 */
import { SessionClient } from '../client.ts';
import type { Reply } from '../client.ts';
import { login, sessionCookieLine } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition, Outcome } from '../types.ts';

/** Attributes of a Set-Cookie line, lower-cased names. */
export function attributesOf(line: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of line.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    attributes.set(name, eq < 0 ? '' : part.slice(eq + 1).trim());
  }
  return attributes;
}

/** The session cookie a login through `url` sets. */
async function loginCookie(ctx: CheckContext, url: string): Promise<string | undefined> {
  const client = new SessionClient();
  const reply = await client.request(url, 'POST', '/login', {
    body: { user: ctx.user(), password: ctx.target.password },
  });
  return reply.status === 200 ? sessionCookieLine(reply, ctx.target.contract) : undefined;
}

function onLoginCookie(
  ctx: CheckContext,
  url: string,
  judge: (line: string, attributes: Map<string, string>) => Outcome,
): Promise<Outcome> {
  return loginCookie(ctx, url).then((line) =>
    line === undefined
      ? unknown('login set no session cookie to inspect')
      : judge(line, attributesOf(line)),
  );
}

export const cookieChecks: CheckDefinition[] = [
  {
    id: 'SL-CK-01',
    title: 'the session cookie is HttpOnly',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.4', 'ASVS-4.0.3-3.4.2', 'WSTG-SESS-02', 'CWE-1004'],
    provenBy: ['no-httponly'],
    run: (ctx) =>
      onLoginCookie(ctx, ctx.target.entry, (line, a) =>
        a.has('httponly')
          ? pass('HttpOnly is set', { setCookie: line.split(';')[0]?.split('=')[0] })
          : fail('the session cookie lacks HttpOnly: scripts can read it'),
      ),
  },
  {
    id: 'SL-CK-02',
    title: 'the session cookie is Secure on the HTTPS entry',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.1', 'ASVS-4.0.3-3.4.1', 'WSTG-SESS-02', 'CWE-614'],
    needs: ['entry-tls'],
    provenBy: ['insecure-cookie'],
    run: (ctx) =>
      onLoginCookie(ctx, ctx.target.entryTls as string, (_line, a) =>
        a.has('secure')
          ? pass('Secure is set over HTTPS')
          : fail(
              'over HTTPS the session cookie lacks Secure: it would also travel over plain HTTP',
            ),
      ),
  },
  {
    id: 'SL-CK-03',
    title: 'the session cookie has SameSite Lax or Strict',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.2', 'ASVS-4.0.3-3.4.3', 'WSTG-SESS-02', 'CWE-1275'],
    provenBy: ['no-samesite'],
    run: (ctx) =>
      onLoginCookie(ctx, ctx.target.entry, (_line, a) => {
        const sameSite = (a.get('samesite') ?? '').toLowerCase();
        return sameSite === 'lax' || sameSite === 'strict'
          ? pass(`SameSite=${a.get('samesite')}`)
          : fail(
              sameSite
                ? `SameSite=${a.get('samesite')} does not stop cross-site sends`
                : 'the session cookie has no SameSite attribute',
            );
      }),
  },
  {
    id: 'SL-CK-04',
    title: 'the session cookie uses the __Host- prefix on HTTPS',
    level: 'SHOULD',
    refs: ['ASVS-5.0-3.3.1', 'ASVS-4.0.3-3.4.4'],
    needs: ['entry-tls'],
    provenBy: ['insecure-cookie'],
    run: (ctx) =>
      onLoginCookie(ctx, ctx.target.entryTls as string, (line) =>
        line.startsWith('__Host-')
          ? pass('the cookie is named __Host-…')
          : fail('over HTTPS the cookie name lacks the __Host- prefix'),
      ),
  },
  {
    id: 'SL-CK-05',
    title: 'the session cookie has Path=/ and no Domain attribute wider than the host',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.4.5', 'WSTG-SESS-02'],
    provenBy: ['wide-cookie-scope'],
    run: (ctx) =>
      onLoginCookie(ctx, ctx.target.entry, (_line, a) => {
        if (a.get('path') !== '/')
          return fail(`Path is ${JSON.stringify(a.get('path') ?? null)}, not /`);
        if (a.has('domain'))
          return fail(
            `the cookie carries Domain=${a.get('domain')}: it is sent to every subdomain too`,
          );
        return pass('Path=/ and no Domain attribute (host-only)');
      }),
  },
  {
    id: 'SL-CK-06',
    title: 'cookie name and value fit in 4096 bytes',
    level: 'MUST',
    refs: ['RFC-6265-6.1'],
    provenBy: ['fat-cookie'],
    run: (ctx) =>
      // Direct to a node: a proxy may refuse an oversized header before the client sees it.
      onLoginCookie(ctx, ctx.target.nodes[0], (line) => {
        const bytes = Buffer.byteLength(line.split(';')[0] ?? '');
        return bytes <= 4096
          ? pass(`${bytes} bytes`, { bytes })
          : fail(`the cookie is ${bytes} bytes: browsers drop cookies over 4096`, { bytes });
      }),
  },
  {
    id: 'SL-CK-07',
    title: 'session responses carry Cache-Control: no-store',
    level: 'MUST',
    refs: ['ASVS-5.0-14.3.2', 'WSTG-SESS-06', 'CWE-525'],
    provenBy: ['no-cache-control'],
    async run(ctx) {
      const url = ctx.target.entry;
      const client = await login(ctx, url);
      const replies: [string, Reply][] = [
        ['GET /me', await client.request(url, 'GET', '/me')],
        [
          'PUT /session/data/ck',
          await client.request(url, 'PUT', '/session/data/ck', { body: { value: 1 } }),
        ],
        ['GET /session/data', await client.request(url, 'GET', '/session/data')],
        ['POST /logout', await client.request(url, 'POST', '/logout')],
      ];
      const missing = replies
        .filter(([, r]) => !/\bno-store\b/i.test(String(r.headers['cache-control'] ?? '')))
        .map(([what]) => what);
      return missing.length === 0
        ? pass('every session response says no-store')
        : fail(`${missing.join(', ')} lack Cache-Control: no-store`, { missing });
    },
  },
];
