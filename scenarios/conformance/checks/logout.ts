/**
 * SL-LO: logout ends the session everywhere, clears the cookie, survives racing writes, and
 * logout-all ends every session of the user.
 */
import { SessionClient } from '../client.ts';
import { findResurrections } from '../history.ts';
import { newMarker, nodesSeeing, writeMarker } from '../identity.ts';
import { isClearing, login, recorded, sessionCookieLine } from '../steps.ts';
import { fail, pass } from '../types.ts';
import type { CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

export const logoutChecks: CheckDefinition[] = [
  {
    id: 'SL-LO-01',
    title: 'logout ends the session on every node',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.3.1', 'ASVS-5.0-7.4.1', 'WSTG-SESS-06', 'CWE-613'],
    covers: ['logout.everywhere'],
    provenBy: ['cookie-only-logout', 'envelope-readopt'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const client = await login(ctx, nodes[0]);
      await client.request(nodes[0], 'PUT', '/session/data/lo', { body: { value: 'x' } });
      const cookie = client.cookie;
      // Warm every node first: a node that caches the session must forget it too.
      for (const node of nodes) {
        await client.request(node, 'GET', '/me');
        await client.request(node, 'GET', '/session/data/lo');
      }
      const out = await client.request(nodes[0], 'POST', '/logout');
      const alive: string[] = [];
      for (const [i, node] of nodes.entries()) {
        const me = await client.request(node, 'GET', '/me', { cookie });
        const data = await client.request(node, 'GET', '/session/data/lo', { cookie });
        if (me.status !== 401 || data.status !== 404)
          alive.push(`node ${i + 1}: /me ${me.status}, data ${data.status}`);
      }
      // A write through the old cookie may start a session, never one the old cookie reaches.
      const marker = newMarker('lo01-after');
      const wrote = await writeMarker(ctx, new SessionClient(), marker, cookie);
      const revived = await nodesSeeing(ctx, cookie, marker);
      const evidence = { logoutStatus: out.status, stillAlive: alive, writeAfter: wrote, revived };
      if (out.status !== 204) return fail(`logout answered ${out.status}, not 204`, evidence);
      if (alive.length > 0)
        return fail(
          `the session outlives its logout when the old cookie is replayed — ${alive[0]}`,
          evidence,
        );
      return revived.length === 0
        ? pass(
            `the replayed cookie gets 401 and 404 on all ${nodes.length} nodes, also after a write through it`,
            evidence,
          )
        : fail(
            `a write through the logged-out cookie brought its session id back: the old cookie reads it on ${revived.join(', ')}`,
            evidence,
          );
    },
  },
  {
    id: 'SL-LO-02',
    title: 'logout clears the cookie',
    level: 'MUST',
    refs: ['ASVS-5.0-7.4.1', 'WSTG-SESS-06'],
    covers: ['logout.removes'],
    provenBy: ['logout-keeps-cookie'],
    async run(ctx) {
      const client = await login(ctx, ctx.target.nodes[0]);
      const out = await client.request(ctx.target.nodes[0], 'POST', '/logout');
      const line = sessionCookieLine(out, ctx.target.contract);
      const evidence = { setCookie: line ?? null };
      return line !== undefined && isClearing(line)
        ? pass('logout answered with a Set-Cookie that expires the session cookie', evidence)
        : fail(
            'logout did not expire the session cookie (no Set-Cookie with Max-Age=0 or a past Expires)',
            evidence,
          );
    },
  },
  {
    id: 'SL-LO-03',
    title: 'writes racing a logout on another node never bring the session back (50 trials)',
    level: 'MUST',
    refs: ['CWE-613', 'CWE-362'],
    covers: ['logout.everywhere'],
    needs: ['two-nodes'],
    provenBy: ['resurrect'],
    async run(ctx) {
      const [first, second] = ctx.target.nodes as [string, string];
      const trials = 50;
      for (let trial = 0; trial < trials; trial++) {
        const client = await login(ctx, first);
        const session = `lo03-${trial}`;
        const cookie = client.cookie;
        const base = { check: 'SL-LO-03', session };
        const writes = Array.from({ length: 5 }, (_, i) =>
          recorded(
            ctx,
            { ...base, op: 'write', key: `w${i}`, value: trial },
            client,
            second,
            'PUT',
            `/session/data/w${i}`,
            {
              cookie,
              body: { value: trial },
            },
          ),
        );
        const logout = recorded(ctx, { ...base, op: 'logout' }, client, first, 'POST', '/logout', {
          cookie,
        });
        await Promise.all([...writes, logout]);
        for (const node of [first, second]) {
          await recorded(
            ctx,
            { ...base, op: 'read', key: 'w0' },
            client,
            node,
            'GET',
            '/session/data/w0',
            { cookie },
          );
          const me = await client.request(node, 'GET', '/me', { cookie });
          if (me.status === 200)
            ctx.history.record({
              ...base,
              op: 'read',
              key: '/me',
              value: me.body,
              node: me.node,
              invokeMs: ctx.history.now(),
              completeMs: ctx.history.now(),
              status: 200,
            });
        }
      }
      const resurrections = findResurrections(ctx.history.ops('SL-LO-03'));
      const evidence = {
        trials,
        resurrections: resurrections.length,
        witnesses: resurrections.slice(0, 5),
      };
      return resurrections.length === 0
        ? pass(
            `in ${trials} trials of 5 writes racing a logout, the session never came back`,
            evidence,
          )
        : fail(resurrections[0] as string, evidence);
    },
  },
  {
    id: 'SL-LO-04',
    title: 'logout-all ends every session of the user on every node',
    level: 'MUST',
    refs: ['ASVS-5.0-7.4.3'],
    covers: ['logout-all.ends-all'],
    capability: 'logout-all',
    provenBy: ['logout-all-local'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const user = ctx.user();
      const sessions = await Promise.all(nodes.map((node) => login(ctx, node, user)));
      const bystander = await login(ctx, nodes[0]);
      const out = await sessions[0]?.request(nodes[0], 'POST', '/logout-all');
      const alive: string[] = [];
      for (const [s, client] of sessions.entries()) {
        for (const [i, node] of nodes.entries()) {
          const me = await client.request(node, 'GET', '/me');
          if (me.status !== 401) alive.push(`session ${s + 1} on node ${i + 1}: /me ${me.status}`);
        }
      }
      const other = await bystander.request(nodeAt(nodes, -1), 'GET', '/me');
      const evidence = { logoutAllStatus: out?.status, stillAlive: alive, otherUser: other.status };
      if (out?.status !== 204) return fail(`logout-all answered ${out?.status}, not 204`, evidence);
      if (alive.length > 0)
        return fail(`a session of the user survived logout-all — ${alive[0]}`, evidence);
      if (other.status !== 200)
        return fail(`logout-all also ended another user's session (/me ${other.status})`, evidence);
      return pass(
        `all ${sessions.length} sessions of the user ended on every node; another user's session lives on`,
        evidence,
      );
    },
  },
];
