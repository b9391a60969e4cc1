/**
 * SL-DA: the session data routes do what CONTRACT.md says, seen on every node — statuses and
 * effects of PUT, GET, DELETE and the counter, the key rule, and carry-over across login.
 */
import { isDeepStrictEqual } from 'node:util';
import { SessionClient } from '../client.ts';
import { login, sessionCookieLine } from '../steps.ts';
import { fail, pass } from '../types.ts';
import type { CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

const valueOf = (body: unknown): unknown => (body as { value?: unknown } | undefined)?.value;
const dataOf = (body: unknown): unknown => (body as { data?: unknown } | undefined)?.data;

/** Keys the rule refuses, as sent in a path (percent-encoded where needed). */
export const BAD_KEYS = ['k'.repeat(65), 'a%20b', 'a%3Bb', '%C3%A9', 'a*b', 'a~b', 'a%2Cb'];

export const dataChecks: CheckDefinition[] = [
  {
    id: 'SL-DA-01',
    title: 'PUT, GET, DELETE and the counter answer and act as the contract says, on every node',
    level: 'MUST',
    refs: [],
    covers: [
      'data.put',
      'data.get',
      'data.delete',
      'data.get-all',
      'data.counter',
      'data.anonymous-write',
    ],
    provenBy: ['delete-ignored'],
    async run(ctx) {
      const { nodes, contract } = ctx.target;
      const value = { nested: [1, 'two', null], at: Date.now() };
      const client = new SessionClient();
      const witnesses: string[] = [];
      const expect = (ok: boolean, witness: string): void => void (ok || witnesses.push(witness));
      const none = await client.request(nodes[0], 'GET', '/session/data');
      expect(
        none.status === 200 && isDeepStrictEqual(dataOf(none.body), {}),
        `GET /session/data without a session answered ${none.status} ${none.text.slice(0, 80)}, not 200 {"data": {}}`,
      );
      const put = await client.request(nodes[0], 'PUT', '/session/data/da', { body: { value } });
      expect(put.status === 204, `the first anonymous PUT answered ${put.status}, not 204`);
      expect(
        sessionCookieLine(put, contract) !== undefined,
        'the first anonymous write set no session cookie',
      );
      // Every node reads the value (and may cache it) before the delete under test.
      for (const [i, node] of nodes.entries()) {
        const got = await client.request(node, 'GET', '/session/data/da');
        expect(
          got.status === 200 && isDeepStrictEqual(valueOf(got.body), value),
          `node ${i + 1}: GET of the written key answered ${got.status} ${got.text.slice(0, 80)}`,
        );
        const all = await client.request(node, 'GET', '/session/data');
        expect(
          all.status === 200 && isDeepStrictEqual(dataOf(all.body), { da: value }),
          `node ${i + 1}: GET /session/data answered ${all.status} ${all.text.slice(0, 80)}`,
        );
      }
      for (const [n, expected] of [1, 2, 3].entries()) {
        const counted = await client.request(nodeAt(nodes, n), 'POST', '/session/counter/dac');
        expect(
          counted.status === 200 && valueOf(counted.body) === expected,
          `increment ${expected} answered ${counted.status} ${counted.text.slice(0, 80)}, not 200 {"value": ${expected}}`,
        );
      }
      const deleted = await client.request(nodeAt(nodes, 1), 'DELETE', '/session/data/da');
      expect(deleted.status === 204, `DELETE answered ${deleted.status}, not 204`);
      for (const [i, node] of nodes.entries()) {
        const gone = await client.request(node, 'GET', '/session/data/da');
        expect(gone.status === 404, `node ${i + 1}: the deleted key still answers ${gone.status}`);
      }
      const again = await client.request(nodes[0], 'DELETE', '/session/data/da');
      expect(again.status === 204, `DELETE of an absent key answered ${again.status}, not 204`);
      return witnesses.length === 0
        ? pass(`write, read, list, count and delete behaved on all ${nodes.length} nodes`)
        : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 8) });
    },
  },
  {
    id: 'SL-DA-02',
    title: 'keys outside ^[A-Za-z0-9_.-]{1,64}$ are 400 on every data route; keys inside work',
    level: 'MUST',
    refs: ['CWE-20'],
    covers: ['data.key-rule'],
    provenBy: ['lax-keys'],
    async run(ctx) {
      const url = ctx.target.nodes[0];
      const client = await login(ctx, url);
      const witnesses: string[] = [];
      for (const key of BAD_KEYS) {
        for (const [method, path] of [
          ['PUT', `/session/data/${key}`],
          ['GET', `/session/data/${key}`],
          ['DELETE', `/session/data/${key}`],
          ['POST', `/session/counter/${key}`],
        ] as const) {
          const reply = await client.request(url, method, path, {
            ...(method === 'PUT' ? { body: { value: 1 } } : {}),
          });
          if (reply.status !== 400)
            witnesses.push(`${method} ${path.slice(0, 40)} answered ${reply.status}, not 400`);
        }
      }
      for (const key of ['k'.repeat(64), 'A.b_c-9']) {
        const put = await client.request(url, 'PUT', `/session/data/${key}`, {
          body: { value: key },
        });
        const got = await client.request(url, 'GET', `/session/data/${key}`);
        if (put.status !== 204 || valueOf(got.body) !== key)
          witnesses.push(
            `the valid key ${key.slice(0, 16)}… was refused: PUT ${put.status}, GET ${got.status}`,
          );
      }
      return witnesses.length === 0
        ? pass(`${BAD_KEYS.length} bad keys got 400 on all 4 routes; valid keys worked`)
        : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 8) });
    },
  },
  {
    id: 'SL-DA-03',
    title: 'data written before login is still there after it, on every node',
    level: 'MUST',
    refs: [],
    capability: 'carry-over',
    covers: ['login.carry-over'],
    provenBy: ['no-carry-over'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const marker = `da03-${Date.now()}`;
      const client = new SessionClient();
      await client.request(nodes[0], 'PUT', '/session/data/carried', { body: { value: marker } });
      await login(ctx, nodeAt(nodes, 1), ctx.user(), client);
      const lost: string[] = [];
      for (const [i, node] of nodes.entries()) {
        const got = await client.request(node, 'GET', '/session/data/carried');
        if (got.status !== 200 || valueOf(got.body) !== marker)
          lost.push(
            `node ${i + 1}: after login the pre-login value reads ${got.status} ${got.text.slice(0, 60)}`,
          );
      }
      return lost.length === 0
        ? pass(`the value written before login reads back on all ${nodes.length} nodes after it`)
        : fail(lost[0] as string, { lost });
    },
  },
];
