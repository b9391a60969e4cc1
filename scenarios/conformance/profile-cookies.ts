/**
 * SL-CK, SL-ID-03 and SL-LO-02 through a profile: the attributes of every session cookie the
 * app sets along the profile's steps, the no-store rule on every response of those steps, the
 * cookie's value never in a body or Location, and the clearing Set-Cookie of logout. The cookie's value stays opaque: only its name (`cookieName`,
 * or the cookies login sets) and its attributes are read.
 */
import { SessionClient } from './client.ts';
import type { Reply, RequestOptions } from './client.ts';
import { COOKIE_RULES, judgeCookies } from './checks/cookie.ts';
import type { CookieRule } from './checks/cookie.ts';
import { newMarker } from './identity.ts';
import { ignoreStepError } from './profile-context.ts';
import type { ProfileCheck, ProfileCheckContext } from './profile-context.ts';
import { isClearing } from './steps.ts';
import { fail, pass, unknown } from './types.ts';
import type { Outcome } from './types.ts';
import { sendProfileRequest } from '../profile/request.ts';

interface Seen {
  /** The profile step and the request (`login: POST /login`). */
  what: string;
  reply: Reply;
}

/** A client that keeps every reply, labelled with the profile step that was running. */
class RecordingClient extends SessionClient {
  readonly seen: Seen[] = [];
  step = '';

  override async request(
    baseUrl: string,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply> {
    const reply = await super.request(baseUrl, method, path, options);
    this.seen.push({ what: `${this.step}: ${method} ${path}`, reply });
    return reply;
  }
}

const nameOf = (line: string): string => line.split('=')[0]?.trim() ?? '';

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The profile's steps through `url` as one visitor: anonymous whoami, an anonymous write,
 * login, a second login (a re-issue), whoami, a write, an increment, and logout when asked.
 * Every reply, and the session cookie's names: `cookieName` (or `__Host-` it), else the
 * cookies the login reply sets.
 */
async function walk(
  ctx: ProfileCheckContext,
  url: string,
  withLogout = false,
): Promise<{ seen: Seen[]; names: Set<string> }> {
  const { profile, actions } = ctx;
  const client = new RecordingClient();
  const step = async (name: string, run: () => Promise<unknown>) => {
    client.step = name;
    await run();
  };
  await step('anonymous whoami', () => actions.whoami(client, url));
  const { write } = profile;
  if (write !== undefined)
    await step('an anonymous write', () =>
      sendProfileRequest(profile, client, url, write.request, actions.vars(0, { value: 'ck' })),
    );
  let loginLines: string[] = [];
  await step('login', async () => {
    const reply = await actions.loginReply(url, client);
    loginLines = reply.setCookie.filter((line) => !isClearing(line));
  });
  // The second login may be refused by an app that logs in only anonymous visitors.
  await step('a second login', () => actions.login(url, client).catch(ignoreStepError));
  await step('whoami', () => actions.whoami(client, url));
  if (write !== undefined)
    await step('a write', () => actions.write(client, url, newMarker('ck')).catch(ignoreStepError));
  if (profile.increment !== undefined)
    await step('an increment', () => actions.increment(client, url));
  if (withLogout) await step('logout', () => actions.logout(client, url));
  const names = new Set<string>();
  if (profile.cookieName !== undefined)
    names.add(profile.cookieName).add(`__Host-${profile.cookieName}`);
  else for (const line of loginLines) names.add(nameOf(line));
  return { seen: client.seen, names };
}

/** The session cookie lines set along the walk through `url`, judged by `rule`. */
async function onEveryCookie(
  ctx: ProfileCheckContext,
  url: string,
  rule: CookieRule,
): Promise<Outcome> {
  const { seen, names } = await walk(ctx, url);
  if (names.size === 0) return unknown(NO_SESSION_COOKIE);
  const lines = seen.flatMap(({ what, reply }) =>
    reply.setCookie
      .filter((line) => names.has(nameOf(line)) && !isClearing(line))
      .map((line) => ({ what, line })),
  );
  return judgeCookies(lines, rule);
}

const NO_SESSION_COOKIE =
  'login set no cookie and the profile has no "cookieName" to tell the session';

export const PROFILE_COOKIE_CHECKS: Record<string, ProfileCheck> = {
  'SL-CK-01': {
    needs: [],
    run: (ctx) => onEveryCookie(ctx, ctx.entry, COOKIE_RULES['SL-CK-01']),
  },
  'SL-CK-02': {
    needs: ['https-entry'],
    run: (ctx) => onEveryCookie(ctx, ctx.entry, COOKIE_RULES['SL-CK-02']),
  },
  'SL-CK-03': {
    needs: [],
    run: (ctx) => onEveryCookie(ctx, ctx.entry, COOKIE_RULES['SL-CK-03']),
  },
  'SL-CK-04': {
    needs: ['https-entry'],
    run: (ctx) => onEveryCookie(ctx, ctx.entry, COOKIE_RULES['SL-CK-04']),
  },
  'SL-CK-05': {
    needs: [],
    run: (ctx) => onEveryCookie(ctx, ctx.entry, COOKIE_RULES['SL-CK-05']),
  },
  'SL-CK-06': {
    needs: [],
    // Direct to a node: a proxy may refuse an oversized header before the client sees it.
    run: (ctx) => onEveryCookie(ctx, ctx.nodes[0], COOKIE_RULES['SL-CK-06']),
  },
  'SL-CK-07': {
    needs: [],
    async run(ctx) {
      const { seen } = await walk(ctx, ctx.entry, ctx.profile.logout !== undefined);
      const missing = seen
        .filter(({ reply }) => !/\bno-store\b/i.test(String(reply.headers['cache-control'] ?? '')))
        .map(({ what, reply }) => `${what} (${reply.status})`);
      return missing.length === 0
        ? pass(`all ${seen.length} responses of the profile's steps say no-store`)
        : fail(`${missing.slice(0, 4).join(', ')} lack Cache-Control: no-store`, { missing });
    },
  },
  'SL-ID-03': {
    needs: [],
    async run(ctx) {
      const { seen, names } = await walk(ctx, ctx.nodes[0], ctx.profile.logout !== undefined);
      if (names.size === 0) return unknown(NO_SESSION_COOKIE);
      // The whole value, as sent and URL-decoded: a part of it is not looked for.
      const values = new Set(
        seen.flatMap(({ reply }) =>
          reply.setCookie
            .filter((line) => names.has(nameOf(line)) && !isClearing(line))
            .flatMap((line) => {
              const value = (line.split(';', 1)[0] ?? '').slice(nameOf(line).length + 1).trim();
              return [value, safeDecode(value)].filter((v) => v.length >= 8);
            }),
        ),
      );
      if (values.size === 0) return unknown('no response set the session cookie to look for');
      const leaks = seen.flatMap(({ what, reply }) => {
        const location = String(reply.headers.location ?? '');
        return [...values].flatMap((v) =>
          reply.text.includes(v) || location.includes(v)
            ? [
                `${what} (${reply.status}) carried the session cookie in its ${reply.text.includes(v) ? 'body' : 'Location'}`,
              ]
            : [],
        );
      });
      return leaks.length === 0
        ? pass(`no body or Location of the ${seen.length} responses held the session cookie`)
        : fail(leaks[0] as string, { leaks });
    },
  },
  'SL-LO-02': {
    needs: ['logout'],
    async run(ctx) {
      const { seen, names } = await walk(ctx, ctx.nodes[0], true);
      if (names.size === 0)
        return unknown(
          'login set no cookie and the profile has no "cookieName" to tell the session',
        );
      const out = seen.filter((s) => s.what.startsWith('logout:')).at(-1);
      const line = out?.reply.setCookie.find((l) => names.has(nameOf(l)));
      const evidence = { setCookie: line ?? null, logoutStatus: out?.reply.status ?? null };
      return line !== undefined && isClearing(line)
        ? pass('logout answered with a Set-Cookie that expires the session cookie', evidence)
        : fail(
            'logout did not expire the session cookie (no Set-Cookie with Max-Age=0 or a past Expires)',
            evidence,
          );
    },
  },
};
