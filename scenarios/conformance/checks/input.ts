/**
 * SL-IN: bad input gets a clear 4xx and loses nothing; the session size limit holds.
 */
import { send } from '../client.ts';
import type { RequestOptions } from '../client.ts';
import { login, pooled } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckDefinition } from '../types.ts';

interface Malformed {
  kind: string;
  method: string;
  path: string;
  options: RequestOptions;
}

const json = { 'content-type': 'application/json' };

/** 1,000 malformed requests: cookies, JSON bodies, keys, methods, sizes, encodings. */
export function malformedCorpus(cookieName: string, validCookie: string): Malformed[] {
  const cases: Malformed[] = [];
  const add = (kind: string, method: string, path: string, options: RequestOptions = {}): void =>
    void cases.push({ kind, method, path, options });
  const badCookies = [
    `${cookieName}=`,
    `${cookieName}=${'A'.repeat(4000)}`,
    `${cookieName}=%`,
    `${cookieName}=%E0%A4%A`,
    `${cookieName}=${validCookie.split('=')[1]}; ${cookieName}=other`,
    `${cookieName}="quoted"`,
    `${cookieName}=a.b.c.d.e`,
    `${cookieName}=${'.'.repeat(50)}`,
    `=${cookieName}`,
    `${cookieName}=\u00e9\u00e8`,
    ';;;;',
    `${cookieName}=${validCookie.split('=')[1]?.slice(0, 20)}`,
  ];
  const bodies = [
    '{',
    '{"value":',
    '[]',
    'null',
    '"text"',
    '{"valu":1}',
    '{"value":1}garbage',
    '\u0000\u0001',
    '{"value": NaN}',
    '{"value":"\\ud800"}',
    '1e999999',
    '{'.repeat(500) + '}'.repeat(500),
  ];
  const keys = [
    '',
    '%20',
    'a b',
    '..',
    '../x',
    'k'.repeat(65),
    '%00',
    '%E2%82%AC',
    'key%2Fslash',
    '%zz',
    'a;b',
    'é',
  ];
  const routes = [
    '/login',
    '/me',
    '/logout',
    '/logout-all',
    '/session/data',
    '/session/data/k',
    '/session/counter/k',
  ];
  for (const cookie of badCookies)
    for (const route of routes)
      add('cookie', route === '/me' || route === '/session/data' ? 'GET' : 'POST', route, {
        cookie,
      });
  for (const body of bodies) {
    for (const route of ['/login', '/session/data/k'])
      add('json body', route === '/login' ? 'POST' : 'PUT', route, {
        rawBody: body,
        headers: json,
      });
  }
  for (const key of keys) {
    add('key', 'PUT', `/session/data/${key}`, { body: { value: 1 } });
    add('key', 'GET', `/session/data/${key}`);
    add('key', 'DELETE', `/session/data/${key}`);
    add('key', 'POST', `/session/counter/${key}`);
  }
  for (const method of ['PATCH', 'TRACE', 'OPTIONS', 'PROPFIND', 'DELETE'])
    for (const route of routes) add('method', method, route);
  const logins = [
    { user: 'UPPER', password: 'x' },
    { user: 'a'.repeat(33), password: 'x' },
    { user: 42, password: 'x' },
    { user: 'ok' },
    { user: 'ok', password: ['x'] },
    {},
  ];
  for (const body of logins) add('login body', 'POST', '/login', { body });
  add('size', 'PUT', '/session/data/big', {
    rawBody: `{"value":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    headers: json,
  });
  add('size', 'POST', '/login', { rawBody: 'x'.repeat(1024 * 1024 + 1), headers: json });
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/json; charset=bogus',
  ]) {
    add('encoding', 'PUT', '/session/data/k', {
      rawBody: '{"value":1}',
      headers: { 'content-type': type },
    });
  }
  add('encoding', 'PUT', '/session/data/k', {
    rawBody: '{"value":1}',
    headers: { ...json, 'content-encoding': 'gzip' },
  });
  add('encoding', 'PUT', '/session/data/k', {
    rawBody: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    headers: json,
  });
  add('path', 'GET', '/session/data/%');
  add('path', 'GET', `/${'x'.repeat(3000)}`);
  // Pad with variations of the above up to 1,000 requests.
  const base = cases.length;
  for (let i = 0; cases.length < 1000; i++) {
    const c = cases[i % base] as Malformed;
    cases.push({ ...c, path: c.path.includes('?') ? c.path : `${c.path}?v=${i}` });
  }
  return cases.slice(0, 1000);
}

export const inputChecks: CheckDefinition[] = [
  {
    id: 'SL-IN-01',
    title: '1,000 malformed inputs get 4xx, never 5xx, and every node still answers afterwards',
    level: 'MUST',
    refs: ['ASVS-5.0-1.2.5', 'CWE-20', 'CWE-248'],
    covers: ['lifetime.bad-cookie'],
    provenBy: ['bad-input-500'],
    async run(ctx) {
      const { nodes, contract } = ctx.target;
      const client = await login(ctx, nodes[0]);
      const corpus = malformedCorpus(contract.cookieName, client.cookie);
      const outcomes = await pooled(
        corpus.map((c, i) => async () => {
          try {
            const reply = await send(`${nodes[i % nodes.length]}${c.path}`, c.method, {
              ...c.options,
              ...(c.options.cookie ? {} : { cookie: client.cookie }),
            });
            return {
              kind: c.kind,
              method: c.method,
              path: c.path.slice(0, 60),
              status: reply.status,
            };
          } catch (error) {
            return {
              kind: c.kind,
              method: c.method,
              path: c.path.slice(0, 60),
              status: 0,
              error: (error as Error).message,
            };
          }
        }),
        16,
      );
      const bad = outcomes.filter((o) => o.status >= 500 || o.status === 0 || o.status < 400);
      const serverErrors = outcomes.filter((o) => o.status >= 500);
      const down: string[] = [];
      for (const node of nodes)
        if ((await send(`${node}/contract`, 'GET').catch(() => ({ status: 0 }))).status !== 200)
          down.push(node);
      const byStatus: Record<string, number> = {};
      for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
      const evidence = {
        sent: outcomes.length,
        byStatus,
        examples: bad.slice(0, 5),
        nodesDown: down,
      };
      if (down.length > 0)
        return fail(`after the malformed input ${down.length} node(s) stopped answering`, evidence);
      if (serverErrors.length > 0)
        return fail(
          `${serverErrors.length} malformed requests got a 5xx, e.g. ${serverErrors[0]?.method} ${serverErrors[0]?.path} → ${serverErrors[0]?.status}`,
          evidence,
        );
      const accepted = bad.filter((o) => o.status > 0 && o.status < 400);
      if (bad.length > accepted.length)
        return fail(
          `${bad.length - accepted.length} malformed requests broke the connection`,
          evidence,
        );
      return pass(`${outcomes.length} malformed requests: no 5xx, every node still answers`, {
        ...evidence,
        acceptedAs2xx: accepted.length,
      });
    },
  },
  {
    id: 'SL-IN-02',
    title: 'a write beyond maxSessionBytes is 413 and the session keeps its previous data',
    level: 'MUST',
    refs: ['ASVS-5.0-2.4.1', 'CWE-400', 'CWE-770'],
    covers: ['data.size-limit'],
    provenBy: ['no-size-limit'],
    async run(ctx) {
      const { maxSessionBytes } = ctx.target.contract;
      const url = ctx.target.nodes[0];
      if (!maxSessionBytes)
        return fail(
          'the target declares no session size limit (maxSessionBytes: 0): one client can fill the store',
        );
      if (maxSessionBytes > 900_000)
        return unknown(
          `maxSessionBytes ${maxSessionBytes} is beyond what this check sends in one request`,
        );
      const client = await login(ctx, url);
      await client.request(url, 'PUT', '/session/data/small', { body: { value: 'kept' } });
      // The limit is no smaller than declared: a value of 60 % of it fits and is stored.
      const fitting = Math.floor(maxSessionBytes * 0.6);
      const fits = await client.request(url, 'PUT', '/session/data/fits', {
        body: { value: 'f'.repeat(fitting) },
      });
      if (fits.status !== 204)
        return fail(
          `a write of ${fitting} bytes, within the declared ${maxSessionBytes}, answered ${fits.status}, not 204`,
          { fittingWriteStatus: fits.status },
        );
      const big = await client.request(url, 'PUT', '/session/data/big', {
        body: { value: 'x'.repeat(maxSessionBytes + 1) },
      });
      const after = await client.request(url, 'GET', '/session/data');
      const data = (after.body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
      const evidence = { oversizedWriteStatus: big.status, keys: Object.keys(data) };
      if (big.status !== 413)
        return fail(
          `a write of ${maxSessionBytes + 1} bytes answered ${big.status}, not 413`,
          evidence,
        );
      if (data.small !== 'kept' || 'big' in data)
        return fail('the refused write changed the session', evidence);
      return pass(`413 for ${maxSessionBytes + 1} bytes; the session kept its data`, evidence);
    },
  },
  // The limit is on the stored total, so six writes of 20 % each cannot all land.
  {
    id: 'SL-IN-03',
    title: 'writes each below maxSessionBytes but together above it: the one crossing it is 413',
    level: 'MUST',
    refs: ['ASVS-5.0-2.4.1', 'CWE-770'],
    covers: ['data.size-limit'],
    provenBy: ['per-request-size-limit', 'no-size-limit'],
    async run(ctx) {
      const { maxSessionBytes } = ctx.target.contract;
      const url = ctx.target.nodes[0];
      if (!maxSessionBytes)
        return fail('the target declares no session size limit (maxSessionBytes: 0)');
      if (maxSessionBytes > 900_000)
        return unknown(`maxSessionBytes ${maxSessionBytes} is beyond what this check sends`);
      const client = await login(ctx, url);
      // 20 % each: two fit even stored with overhead (sealing, encoding); the sixth takes the
      // raw total to 120 %, so the first 413 must come at the third write at the earliest and
      // the sixth at the latest.
      const chunk = 'x'.repeat(Math.floor(maxSessionBytes * 0.2));
      const statuses: number[] = [];
      for (let i = 0; i < 6 && !statuses.includes(413); i++) {
        const put = await client.request(url, 'PUT', `/session/data/part${i}`, {
          body: { value: chunk },
        });
        statuses.push(put.status);
      }
      const after = await client.request(url, 'GET', '/session/data');
      const keys = Object.keys(
        (after.body as { data?: Record<string, unknown> } | undefined)?.data ?? {},
      );
      const refused = statuses.indexOf(413);
      const evidence = { chunkBytes: chunk.length, statuses, keysAfter: keys };
      if (statuses.some((s) => s !== 204 && s !== 413))
        return fail(`writes of 20 % of the limit answered ${statuses.join(', ')}`, evidence);
      if (refused === -1)
        return fail(
          `six writes of 20 % of maxSessionBytes were all accepted: the stored session holds 120 % of the limit`,
          evidence,
        );
      if (refused < 2)
        return fail(
          `write ${refused + 1} of 20 % was refused although the session held ${refused * 20} % of the limit`,
          evidence,
        );
      if (keys.includes(`part${refused}`))
        return fail('the refused write changed the session', evidence);
      return pass(
        `${refused} writes of 20 % fit; write ${refused + 1}, crossing the limit, was 413`,
        evidence,
      );
    },
  },
];
