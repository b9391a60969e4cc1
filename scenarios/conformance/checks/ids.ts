/**
 * SL-ID: session ids — enough entropy, tamper-proof cookies, never exposed.
 */
import { SessionClient } from '../client.ts';
import { sessionCookieValue } from '../identity.ts';
import { cookieValue, login, pooled, sessionCookieLine } from '../steps.ts';
import { planAlterations } from '../tamper.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

/**
 * The part of a cookie value that varies per session, as far as a black box can tell: the
 * value URL-decoded, without an `s:` prefix, up to the first '.' (the whole value when opaque).
 * Only the entropy and leak checks use it; identity is decided by behaviour (identity.ts).
 */
export function visibleIdOf(value: string): string {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // not URL-encoded
  }
  return decoded.replace(/^s:/, '').split('.')[0] ?? '';
}

const ALPHABETS: [RegExp, string][] = [
  [/^[0-9a-f]+$/, '0123456789abcdef'],
  [/^[0-9A-F]+$/, '0123456789ABCDEF'],
  [/^[A-Za-z0-9_-]+$/, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'],
  [/^[A-Za-z0-9+/=]+$/, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'],
];

/**
 * Entropy estimate of a sample of ids: bits per character from the alphabet, counted only at
 * bit positions that are balanced (the share of ones within 0.5 ± 0.1 over the sample, over
 * six standard deviations for 1,000 ids) — a constant or skewed bit carries no entropy.
 */
export function estimateEntropy(ids: readonly string[]): {
  bits: number;
  alphabet: number;
  length: number;
  skewedBits: number;
} {
  const joined = ids.join('');
  const alphabet =
    ALPHABETS.find(([pattern]) => pattern.test(joined))?.[1] ??
    [...new Set(joined)].sort().join('');
  const bitsPerChar = Math.max(1, Math.ceil(Math.log2(alphabet.length)));
  const length = Math.min(...ids.map((id) => id.length));
  const ones = new Array<number>(length * bitsPerChar).fill(0);
  for (const id of ids) {
    for (let c = 0; c < length; c++) {
      const index = Math.max(0, alphabet.indexOf(id[c] as string));
      for (let b = 0; b < bitsPerChar; b++)
        if ((index >> b) & 1) ones[c * bitsPerChar + b] = (ones[c * bitsPerChar + b] ?? 0) + 1;
    }
  }
  const balanced = ones.filter((count) => Math.abs(count / ids.length - 0.5) <= 0.1).length;
  // A base64 character carries log2(64) bits, but only `balanced` of its bit positions vary.
  const bits = Math.round(balanced * (Math.log2(alphabet.length) / bitsPerChar));
  return { bits, alphabet: alphabet.length, length, skewedBits: ones.length - balanced };
}

export const idChecks: CheckDefinition[] = [
  {
    id: 'SL-ID-01',
    title: 'session ids carry at least 128 bits: 1,000 ids unique, entropy estimate, bit balance',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.3', 'ASVS-4.0.3-3.2.2', 'WSTG-SESS-01', 'CWE-331'],
    covers: ['cookie.entropy'],
    provenBy: ['weak-id'],
    async run(ctx) {
      const { nodes, contract } = ctx.target;
      const replies = await pooled(
        Array.from(
          { length: 1000 },
          (_, i) => () =>
            new SessionClient().request(nodeAt(nodes, i), 'PUT', '/session/data/id', {
              body: { value: i },
            }),
        ),
        32,
      );
      const ids = replies
        .map((r) => sessionCookieLine(r, contract))
        .filter((l): l is string => l !== undefined)
        .map((l) => visibleIdOf(cookieValue(l)));
      if (ids.length < 1000)
        return unknown(`only ${ids.length} of 1,000 first writes set a session cookie`);
      const distinct = new Set(ids).size;
      const estimate = estimateEntropy(ids);
      const evidence = { sampled: ids.length, distinct, ...estimate };
      if (distinct < ids.length)
        return fail(`${ids.length - distinct} of 1,000 ids repeated`, evidence);
      return estimate.bits >= 128
        ? pass(
            `about ${estimate.bits} bits per id (${estimate.length} characters from a ${estimate.alphabet}-letter alphabet)`,
            evidence,
          )
        : fail(
            `ids carry about ${estimate.bits} bits, under 128 (${estimate.length} characters, ${estimate.skewedBits} skewed bit positions)`,
            evidence,
          );
    },
  },
  {
    id: 'SL-ID-02',
    title: 'a tampered or structurally altered cookie gets no session: 401, never 5xx',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.1', 'WSTG-SESS-01', 'CWE-565'],
    covers: ['lifetime.bad-cookie'],
    provenBy: ['skip-signature'],
    async run(ctx) {
      const url = ctx.target.nodes[0];
      const { cookieName } = ctx.target.contract;
      const client = await login(ctx, url);
      const name = client.cookie.split('=')[0] ?? cookieName;
      const value = sessionCookieValue(client.cookie, cookieName);
      if (value === undefined) return unknown('login set no session cookie to alter');
      const plan = planAlterations(value);
      const statuses = await pooled(
        plan.alterations.map(
          (a) => async () =>
            (await new SessionClient().request(url, 'GET', '/me', { cookie: `${name}=${a.value}` }))
              .status,
        ),
        16,
      );
      const accepted = plan.alterations.filter((_, k) => statuses[k] === 200).map((a) => a.label);
      const crashed = statuses.filter((s) => (s ?? 0) >= 500).length;
      const twice = await sentTwice(
        ctx,
        url,
        name,
        value,
        plan.alterations.slice(-2).map((a) => a.value),
      );
      const evidence = {
        tampered: plan.alterations.length,
        skippedSameBytes: plan.sameBytes.length,
        skipped: plan.sameBytes.slice(0, 5),
        accepted: accepted.length,
        firstAccepted: accepted.slice(0, 5),
        serverErrors: crashed,
        sentTwice: twice,
      };
      const skipped =
        plan.sameBytes.length === 0
          ? ''
          : `; ${plan.sameBytes.length} alteration(s) that decode to the same bytes were skipped`;
      if (accepted.length > 0)
        return fail(
          `${accepted.length} of ${plan.alterations.length} altered cookies were accepted, e.g. ${accepted[0]}${skipped}`,
          evidence,
        );
      if (crashed > 0) return fail(`${crashed} altered cookies caused a 5xx${skipped}`, evidence);
      if (twice.bad !== undefined) return fail(twice.bad, evidence);
      return pass(
        `all ${plan.alterations.length} alterations were rejected with 401, and a cookie sent twice answered as its own session or none${skipped}`,
        evidence,
      );
    },
  },
  {
    id: 'SL-ID-03',
    title: 'the session id never appears in a URL or a response body',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.1.1', 'ASVS-5.0-7.2.2', 'CWE-598'],
    covers: [],
    provenBy: ['leak-id'],
    async run(ctx) {
      const url = ctx.target.nodes[0];
      const client = new SessionClient();
      const seen = [
        await client.request(url, 'PUT', '/session/data/x', { body: { value: 1 } }),
        await client.request(url, 'POST', '/login', {
          body: { user: ctx.user(), password: ctx.target.password },
        }),
      ];
      const ids = new Set(
        seen
          .flatMap((r) => r.setCookie.map((l) => visibleIdOf(cookieValue(l))))
          .filter((id) => id.length >= 8),
      );
      seen.push(
        await client.request(url, 'GET', '/me'),
        await client.request(url, 'GET', '/session/data'),
        await client.request(url, 'POST', '/logout'),
      );
      const leaks: string[] = [];
      for (const reply of seen) {
        const where = `${reply.text} ${String(reply.headers.location ?? '')}`;
        for (const id of ids)
          if (where.includes(id))
            leaks.push(
              `a ${reply.status} response carried the session id in its ${reply.text.includes(id) ? 'body' : 'Location'}`,
            );
      }
      return leaks.length === 0
        ? pass(`no body or Location of ${seen.length} responses held the id`)
        : fail(leaks[0] as string, { leaks });
    },
  },
];

/**
 * The session cookie sent twice: two altered copies get no session; a valid one with an altered
 * copy, or two valid sessions of different users, may answer as either cookie's session or
 * none — never 5xx, never an identity no cookie carries.
 */
async function sentTwice(
  ctx: CheckContext,
  url: string,
  name: string,
  value: string,
  altered: readonly string[],
): Promise<{ answers: string[]; bad?: string }> {
  const me = async (cookie: string): Promise<{ status: number; user: string | undefined }> => {
    const reply = await new SessionClient().request(url, 'GET', '/me', { cookie });
    return { status: reply.status, user: (reply.body as { user?: string } | undefined)?.user };
  };
  const own = (await me(`${name}=${value}`)).user;
  const other = await login(ctx, url);
  const otherValue = sessionCookieValue(other.cookie, ctx.target.contract.cookieName) ?? '';
  const otherUser = (await me(`${name}=${otherValue}`)).user;
  const [first = '', second = ''] = altered;
  const pairs: [string, string[]][] = [
    [`${name}=${first}; ${name}=${second}`, []],
    [`${name}=${first}; ${name}=${value}`, [own ?? '']],
    [`${name}=${value}; ${name}=${first}`, [own ?? '']],
    [`${name}=${value}; ${name}=${otherValue}`, [own ?? '', otherUser ?? '']],
  ];
  const answers: string[] = [];
  for (const [cookie, allowed] of pairs) {
    const reply = await me(cookie);
    answers.push(
      `${reply.status}${reply.user === undefined ? '' : ` as ${reply.user === own ? 'its own user' : reply.user === otherUser ? 'the other user' : 'someone else'}`}`,
    );
    if (reply.status >= 500)
      return { answers, bad: `a session cookie sent twice caused ${reply.status}` };
    if (reply.status === 200 && !allowed.includes(reply.user ?? ''))
      return {
        answers,
        bad: 'a session cookie sent twice answered as a user neither cookie belongs to',
      };
  }
  return { answers };
}
