/**
 * SL-FX: session fixation. Login must issue a new id, kill the old one everywhere, never
 * adopt an id the client chose, and a failed login must change nothing. Cookies are opaque:
 * "the same session" means a marker written through one cookie is seen through the other.
 */
import { randomBytes } from 'node:crypto';
import { SessionClient } from '../client.ts';
import {
  newMarker,
  nodesSeeing,
  sessionCookieValue,
  sharedKeys,
  storeKeysOf,
  writeMarker,
} from '../identity.ts';
import { login, sessionCookieLine } from '../steps.ts';
import { fail, nodeAt, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

/** An anonymous session holding `{fx: marker}`, created on node 0. */
async function anonymous(ctx: CheckContext, marker: string): Promise<SessionClient> {
  const client = new SessionClient();
  await client.request(ctx.target.nodes[0], 'PUT', '/session/data/fx', {
    body: { value: marker },
  });
  return client;
}

/** Why a cookie replayed after `marker` was written elsewhere reaches that session, if it does. */
async function reaches(
  ctx: CheckContext,
  cookie: string,
  marker: string,
  before: readonly { key: string }[] | undefined,
): Promise<{ nodes: string[]; keys: string[] }> {
  return {
    nodes: await nodesSeeing(ctx, cookie, marker),
    keys: sharedKeys(before, await storeKeysOf(ctx, marker)),
  };
}

export const fixationChecks: CheckDefinition[] = [
  {
    id: 'SL-FX-01',
    title: 'login issues a new session id',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.2.1', 'ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['login.new-id'],
    provenBy: ['no-rotate', 'envelope-no-rotate'],
    async run(ctx) {
      const preLogin = newMarker('fx01-pre');
      const client = await anonymous(ctx, preLogin);
      const before = client.cookie;
      if (!before)
        return unknown(
          'the first write created no session cookie, so there is no pre-login session to compare',
        );
      const keysBefore = await storeKeysOf(ctx, preLogin);
      const reply = await client.request(ctx.target.nodes[0], 'POST', '/login', {
        body: { user: ctx.user(), password: ctx.target.password },
      });
      if (reply.status !== 200) return unknown(`login answered ${reply.status}`);
      const postLogin = newMarker('fx01-post');
      const wrote = await writeMarker(ctx, client, postLogin);
      if (wrote !== 204) return unknown(`a write after login answered ${wrote}`);
      const same = await reaches(ctx, before, postLogin, keysBefore);
      const evidence = {
        newCookieIssued: sessionCookieLine(reply, ctx.target.contract) !== undefined,
        preLoginCookieSeesPostLoginWrite: same.nodes,
        storeKeysShared: same.keys.length,
        storeInspected: keysBefore !== undefined,
      };
      if (same.nodes.length > 0)
        return fail(
          `login kept the pre-login session (fixation): a write after login is read through the pre-login cookie on ${same.nodes.join(', ')}`,
          evidence,
        );
      if (same.keys.length > 0)
        return fail(
          'login kept the pre-login session (fixation): the same store key holds the data written before and after login',
          evidence,
        );
      return pass(
        `a write after login is invisible through the pre-login cookie on all ${ctx.target.nodes.length} nodes${keysBefore === undefined ? '' : ', and lands in another store key'}`,
        evidence,
      );
    },
  },
  {
    id: 'SL-FX-02',
    title: 'the pre-login id is dead on every node after login',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['login.old-id-dead'],
    provenBy: ['keep-old-id', 'no-rotate', 'envelope-no-rotate'],
    async run(ctx) {
      const client = await anonymous(ctx, 'pre-login-data');
      const oldCookie = client.cookie;
      if (!oldCookie) return unknown('the first write created no session cookie');
      await login(ctx, ctx.target.nodes[0], ctx.user(), client);
      const alive: string[] = [];
      for (const [i, node] of ctx.target.nodes.entries()) {
        const me = await client.request(node, 'GET', '/me', { cookie: oldCookie });
        const data = await client.request(node, 'GET', '/session/data/fx', { cookie: oldCookie });
        if (me.status !== 401 || data.status !== 404)
          alive.push(`node ${i + 1}: /me ${me.status}, its data ${data.status}`);
      }
      // A second login, from the authenticated session, must leave its cookie dead too.
      const authenticated = client.cookie;
      await login(ctx, nodeAt(ctx.target.nodes, 1), ctx.user(), client);
      for (const [i, node] of ctx.target.nodes.entries()) {
        const me = await client.request(node, 'GET', '/me', { cookie: authenticated });
        if (me.status !== 401)
          alive.push(
            `node ${i + 1}: after a second login, the first login's cookie /me ${me.status}`,
          );
      }
      return alive.length === 0
        ? pass(
            `the pre-login cookie, and after a second login the first login's, get nothing on all ${ctx.target.nodes.length} nodes`,
          )
        : fail(`the pre-login cookie still works after login — ${alive[0]}`, { nodes: alive });
    },
  },
  {
    id: 'SL-FX-03',
    title: 'an id chosen by the client (random, or a logged-out one) is never adopted',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['lifetime.never-adopt'],
    provenBy: ['adopt-client-id', 'envelope-readopt'],
    async run(ctx) {
      const { contract } = ctx.target;
      const adopted: string[] = [];
      // A value the client made up: the new session must not answer to it, nor be kept under it.
      const planted = `Fx03${randomBytes(24)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'x')}`;
      const chosen = `${contract.cookieName}=${planted}`;
      const marker = newMarker('fx03-chosen');
      const client = new SessionClient();
      const status = await writeMarker(ctx, client, marker, chosen);
      if (status !== 204) return unknown(`a write with a client-chosen cookie answered ${status}`);
      const seen = await nodesSeeing(ctx, chosen, marker);
      if (seen.length > 0)
        adopted.push(
          `the client's own cookie value reads the session made for it on ${seen.join(', ')}`,
        );
      const keys = (await storeKeysOf(ctx, marker)) ?? [];
      if (keys.some((k) => k.key.includes(planted)))
        adopted.push("the store keeps the new session under the client's chosen value");
      if (sessionCookieValue(client.cookie, contract.cookieName)?.includes(planted))
        adopted.push("the server's new cookie carries the client's chosen value");
      // A logged-out cookie: a write through it must start a session it cannot reach.
      const ended = await login(ctx, ctx.target.nodes[0]);
      const endedCookie = ended.cookie;
      const live = newMarker('fx03-live');
      await writeMarker(ctx, ended, live);
      const liveKeys = await storeKeysOf(ctx, live);
      await ended.request(ctx.target.nodes[0], 'POST', '/logout');
      const after = newMarker('fx03-after');
      const wrote = await writeMarker(ctx, new SessionClient(), after, endedCookie);
      if (wrote !== 204) return unknown(`a write through a logged-out cookie answered ${wrote}`);
      const back = await reaches(ctx, endedCookie, after, liveKeys);
      if (back.nodes.length > 0)
        adopted.push(
          `a write through a logged-out cookie brought its session id back: the old cookie reads it on ${back.nodes.join(', ')}`,
        );
      if (back.keys.length > 0)
        adopted.push('a write through a logged-out cookie landed in the logged-out store key');
      const evidence = { adopted, storeInspected: ctx.store !== undefined };
      return adopted.length === 0
        ? pass(
            'a client-chosen value and a logged-out cookie each got a new session they cannot reach',
            evidence,
          )
        : fail(adopted[0] as string, evidence);
    },
  },
  {
    id: 'SL-FX-04',
    title: 'a failed login leaves the session unauthenticated and its data intact',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.4'],
    covers: ['login.wrong-password'],
    provenBy: ['failed-login-destroys'],
    async run(ctx) {
      const client = await anonymous(ctx, 'kept');
      const reply = await client.request(ctx.target.nodes[0], 'POST', '/login', {
        body: { user: ctx.user(), password: `${ctx.target.password}-wrong` },
      });
      const me = await client.request(ctx.target.nodes[0], 'GET', '/me');
      const data = await client.request(ctx.target.nodes[0], 'GET', '/session/data/fx');
      const evidence = {
        loginStatus: reply.status,
        meStatus: me.status,
        dataStatus: data.status,
        data: data.body,
      };
      if (reply.status !== 401)
        return fail(`a wrong password answered ${reply.status}, not 401`, evidence);
      if (me.status !== 401)
        return fail(`after a failed login /me answered ${me.status}`, evidence);
      if ((data.body as { value?: unknown } | undefined)?.value !== 'kept')
        return fail('the failed login lost the data the session held', evidence);
      return pass('401, still anonymous, data kept', evidence);
    },
  },
];
