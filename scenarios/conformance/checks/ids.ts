/**
 * SL-ID: session ids — enough entropy, tamper-proof cookies, never exposed.
 */
import { SessionClient } from '../client.ts';
import { cookieValue, idOf, login, pooled, sessionCookieLine } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

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

/** Replaces the character at `i` with another of the same class, so the value stays well-formed. */
function flip(value: string, i: number): string {
  const c = value[i] as string;
  const pool = /[0-9]/.test(c)
    ? '0123456789'
    : /[a-z]/.test(c)
      ? 'abcdefghijklmnopqrstuvwxyz'
      : /[A-Z]/.test(c)
        ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        : null;
  if (pool === null) return value;
  const next = pool[(pool.indexOf(c) + 1) % pool.length] as string;
  return value.slice(0, i) + next + value.slice(i + 1);
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
        .map((l) => idOf(cookieValue(l)));
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
    title: 'a tampered cookie (changes in every part) gets no session: 401, never 5xx',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.1', 'WSTG-SESS-01', 'CWE-565'],
    covers: ['lifetime.bad-cookie'],
    provenBy: ['skip-signature'],
    async run(ctx) {
      const url = ctx.target.nodes[0];
      const client = await login(ctx, url);
      const [name = '', ...rest] = client.cookie.split('=');
      const value = rest.join('=');
      const positions = Array.from({ length: value.length }, (_, i) => i).filter(
        (i) => flip(value, i) !== value,
      );
      const statuses = await pooled(
        positions.map(
          (i) => async () =>
            (await client.request(url, 'GET', '/me', { cookie: `${name}=${flip(value, i)}` }))
              .status,
        ),
        16,
      );
      const accepted = positions.filter((_, k) => statuses[k] === 200);
      const crashed = statuses.filter((s) => s >= 500).length;
      const evidence = {
        tampered: positions.length,
        accepted: accepted.length,
        serverErrors: crashed,
        firstAcceptedPosition: accepted[0] ?? null,
      };
      if (accepted.length > 0)
        return fail(
          `${accepted.length} of ${positions.length} altered cookies were accepted, e.g. a change at character ${accepted[0]}`,
          evidence,
        );
      if (crashed > 0) return fail(`${crashed} altered cookies caused a 5xx`, evidence);
      return pass(
        `all ${positions.length} single-character alterations were rejected with 401`,
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
          .flatMap((r) => r.setCookie.map((l) => idOf(cookieValue(l))))
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
