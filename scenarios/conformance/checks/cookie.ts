/**
 * SL-CK: the session cookie's attributes (ASVS 5.0 3.3) and the no-store rule of the contract.
 */
import { SessionClient } from '../client.ts';
import { isClearing, sessionCookieLine } from '../steps.ts';
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

/**
 * Every Set-Cookie of the session cookie a client sees through `url`: the first anonymous
 * write, the login that follows it, a second login (a re-issue), and any on later requests.
 */
async function everySessionCookie(
  ctx: CheckContext,
  url: string,
): Promise<{ what: string; line: string }[]> {
  const client = new SessionClient();
  const credentials = { user: ctx.user(), password: ctx.target.password };
  const steps: [string, string, string, unknown?][] = [
    ['the first anonymous write', 'PUT', '/session/data/ck', { value: 1 }],
    ['login', 'POST', '/login', credentials],
    ['a second login', 'POST', '/login', credentials],
    ['GET /me', 'GET', '/me'],
    ['a write', 'PUT', '/session/data/ck', { value: 2 }],
  ];
  const lines: { what: string; line: string }[] = [];
  for (const [what, method, path, body] of steps) {
    const reply = await client.request(url, method, path, body === undefined ? {} : { body });
    const line = sessionCookieLine(reply, ctx.target.contract);
    if (line !== undefined && !isClearing(line)) lines.push({ what, line });
  }
  return lines;
}

/** What is wrong with one session cookie line (undefined: nothing), and the words of a pass. */
export interface CookieRule {
  judge(line: string, attributes: Map<string, string>): string | undefined;
  passed: string;
}

/** The attribute rules of SL-CK-01…06, shared with the profile versions (profile-cookies.ts). */
export const COOKIE_RULES = {
  'SL-CK-01': {
    judge: (_line, a) => (a.has('httponly') ? undefined : 'no HttpOnly: scripts can read it'),
    passed: 'HttpOnly is set',
  },
  'SL-CK-02': {
    judge: (_line, a) =>
      a.has('secure') ? undefined : 'no Secure over HTTPS: it would also travel over plain HTTP',
    passed: 'Secure is set over HTTPS',
  },
  'SL-CK-03': {
    judge: (_line, a) => {
      const sameSite = (a.get('samesite') ?? '').toLowerCase();
      if (sameSite === 'lax' || sameSite === 'strict') return undefined;
      return sameSite
        ? `SameSite=${a.get('samesite')} does not stop cross-site sends`
        : 'no SameSite attribute';
    },
    passed: 'SameSite is Lax or Strict',
  },
  'SL-CK-04': {
    judge: (line) => (line.startsWith('__Host-') ? undefined : 'over HTTPS the name lacks __Host-'),
    passed: 'the cookie is named __Host-…',
  },
  'SL-CK-05': {
    judge: (_line, a) => {
      if (a.get('path') !== '/') return `Path is ${JSON.stringify(a.get('path') ?? null)}, not /`;
      if (a.has('domain')) return `Domain=${a.get('domain')}: it is sent to every subdomain too`;
      return undefined;
    },
    passed: 'Path=/ and no Domain attribute (host-only)',
  },
  'SL-CK-06': {
    judge: (line) => {
      const bytes = Buffer.byteLength(line.split(';')[0] ?? '');
      return bytes <= 4096 ? undefined : `${bytes} bytes: browsers drop cookies over 4096`;
    },
    passed: 'name and value fit in 4096 bytes',
  },
} satisfies Record<string, CookieRule>;

/** The verdict of `rule` on every session cookie line seen (`what` set it). */
export function judgeCookies(lines: { what: string; line: string }[], rule: CookieRule): Outcome {
  if (lines.length === 0) return unknown('no response set a session cookie to inspect');
  const wrong = lines.flatMap(({ what, line }) => {
    const fault = rule.judge(line, attributesOf(line));
    return fault === undefined ? [] : [`the cookie set by ${what}: ${fault}`];
  });
  const evidence = { cookiesSeen: lines.map((l) => l.what), wrong };
  return wrong.length === 0
    ? pass(
        `${rule.passed}, on all ${lines.length} session cookies set (${evidence.cookiesSeen.join(', ')})`,
        evidence,
      )
    : fail(wrong[0] as string, evidence);
}

const onEveryCookie = async (ctx: CheckContext, url: string, rule: CookieRule): Promise<Outcome> =>
  judgeCookies(await everySessionCookie(ctx, url), rule);

export const cookieChecks: CheckDefinition[] = [
  {
    id: 'SL-CK-01',
    title: 'the session cookie is HttpOnly',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.4', 'ASVS-4.0.3-3.4.2', 'WSTG-SESS-02', 'CWE-1004'],
    covers: ['cookie.attributes'],
    provenBy: ['no-httponly', 'anon-cookie-attributes'],
    run: (ctx) => onEveryCookie(ctx, ctx.target.entry, COOKIE_RULES['SL-CK-01']),
  },
  {
    id: 'SL-CK-02',
    title: 'the session cookie is Secure on the HTTPS entry',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.1', 'ASVS-4.0.3-3.4.1', 'WSTG-SESS-02', 'CWE-614'],
    covers: ['cookie.secure'],
    needs: ['entry-tls'],
    provenBy: ['insecure-cookie'],
    run: (ctx) => onEveryCookie(ctx, ctx.target.entryTls as string, COOKIE_RULES['SL-CK-02']),
  },
  {
    id: 'SL-CK-03',
    title: 'the session cookie has SameSite Lax or Strict',
    level: 'MUST',
    refs: ['ASVS-5.0-3.3.2', 'ASVS-4.0.3-3.4.3', 'WSTG-SESS-02', 'CWE-1275'],
    covers: ['cookie.attributes'],
    provenBy: ['no-samesite', 'anon-cookie-attributes'],
    run: (ctx) => onEveryCookie(ctx, ctx.target.entry, COOKIE_RULES['SL-CK-03']),
  },
  {
    id: 'SL-CK-04',
    title: 'the session cookie uses the __Host- prefix on HTTPS',
    level: 'SHOULD',
    refs: ['ASVS-5.0-3.3.1', 'ASVS-4.0.3-3.4.4'],
    covers: ['cookie.secure'],
    needs: ['entry-tls'],
    provenBy: ['insecure-cookie'],
    run: (ctx) => onEveryCookie(ctx, ctx.target.entryTls as string, COOKIE_RULES['SL-CK-04']),
  },
  {
    id: 'SL-CK-05',
    title: 'the session cookie has Path=/ and no Domain attribute wider than the host',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.4.5', 'WSTG-SESS-02'],
    covers: ['cookie.attributes'],
    provenBy: ['wide-cookie-scope'],
    run: (ctx) => onEveryCookie(ctx, ctx.target.entry, COOKIE_RULES['SL-CK-05']),
  },
  {
    id: 'SL-CK-06',
    title: 'cookie name and value fit in 4096 bytes',
    level: 'MUST',
    refs: ['RFC-6265-6.1'],
    covers: [],
    provenBy: ['fat-cookie'],
    // Direct to a node: a proxy may refuse an oversized header before the client sees it.
    run: (ctx) => onEveryCookie(ctx, ctx.target.nodes[0], COOKIE_RULES['SL-CK-06']),
  },
  {
    id: 'SL-CK-07',
    title: 'every response of every session route carries Cache-Control: no-store',
    level: 'MUST',
    refs: ['ASVS-5.0-14.3.2', 'WSTG-SESS-06', 'CWE-525'],
    covers: ['every.no-store'],
    provenBy: ['no-cache-control', 'partial-no-store'],
    async run(ctx) {
      const url = ctx.target.entry;
      const client = new SessionClient();
      const credentials = { user: ctx.user(), password: ctx.target.password };
      const steps: [string, string, unknown?][] = [
        ['GET', '/session/data'],
        ['PUT', '/session/data/ck', { value: 1 }],
        ['POST', '/login', credentials],
        ['GET', '/me'],
        ['PUT', '/session/data/ck', { value: 2 }],
        ['GET', '/session/data/ck'],
        ['GET', '/session/data/ck-absent'],
        ['GET', '/session/data'],
        ['POST', '/session/counter/ckc'],
        ['DELETE', '/session/data/ck'],
        ['POST', '/logout'],
        ['GET', '/me'],
      ];
      if (ctx.target.contract.capabilities.includes('logout-all'))
        steps.push(['POST', '/login', credentials], ['POST', '/logout-all']);
      const missing: string[] = [];
      for (const [method, path, body] of steps) {
        const reply = await client.request(url, method, path, body === undefined ? {} : { body });
        if (!/\bno-store\b/i.test(String(reply.headers['cache-control'] ?? '')))
          missing.push(`${method} ${path} (${reply.status})`);
      }
      return missing.length === 0
        ? pass(`all ${steps.length} responses of the session routes say no-store`)
        : fail(`${missing.slice(0, 4).join(', ')} lack Cache-Control: no-store`, { missing });
    },
  },
];
