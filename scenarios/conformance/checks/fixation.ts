/**
 * SL-FX: session fixation. Login must issue a new id, kill the old one everywhere, never
 * adopt an id the client chose, and a failed login must change nothing.
 */
import { SessionClient } from '../client.ts';
import { clientId, cookieValue, idOf, login, sessionCookieLine } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

/** An anonymous session holding `{fx: marker}`, created on node 0. */
async function anonymous(ctx: CheckContext, marker: string): Promise<SessionClient> {
  const client = new SessionClient();
  await client.request(ctx.target.nodes[0], 'PUT', '/session/data/fx', {
    body: { value: marker },
  });
  return client;
}

export const fixationChecks: CheckDefinition[] = [
  {
    id: 'SL-FX-01',
    title: 'login issues a new session id',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.2.1', 'ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['login.new-id'],
    provenBy: ['no-rotate'],
    async run(ctx) {
      const client = await anonymous(ctx, 'before-login');
      const before = clientId(client, ctx.target.contract);
      if (!before)
        return unknown(
          'the first write created no session cookie, so there is no pre-login id to compare',
        );
      const reply = await client.request(ctx.target.nodes[0], 'POST', '/login', {
        body: { user: ctx.user(), password: ctx.target.password },
      });
      if (reply.status !== 200) return unknown(`login answered ${reply.status}`);
      const line = sessionCookieLine(reply, ctx.target.contract);
      const after = line ? idOf(cookieValue(line)) : before;
      const evidence = { newCookieIssued: line !== undefined, idChanged: after !== before };
      return after !== before
        ? pass('login set a cookie with a new session id', evidence)
        : fail('login kept the pre-login session id (session fixation)', evidence);
    },
  },
  {
    id: 'SL-FX-02',
    title: 'the pre-login id is dead on every node after login',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['login.old-id-dead'],
    provenBy: ['keep-old-id', 'no-rotate'],
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
      return alive.length === 0
        ? pass(`the pre-login cookie gets nothing on all ${ctx.target.nodes.length} nodes`)
        : fail(`the pre-login cookie still works after login — ${alive[0]}`, { nodes: alive });
    },
  },
  {
    id: 'SL-FX-03',
    title: 'an id chosen by the client (random, or well-formed but unknown) is never adopted',
    level: 'MUST',
    refs: ['ASVS-5.0-7.2.4', 'WSTG-SESS-03', 'CWE-384'],
    covers: ['lifetime.never-adopt'],
    provenBy: ['adopt-client-id'],
    async run(ctx) {
      const { contract, nodes } = ctx.target;
      const ended = await login(ctx, nodes[0]);
      const endedCookie = ended.cookie;
      await ended.request(nodes[0], 'POST', '/logout');
      const chosen = [
        `${contract.cookieName}=${'Fx03ChosenByTheClient'.padEnd(43, 'x')}`,
        endedCookie,
      ];
      const adopted: string[] = [];
      for (const cookie of chosen) {
        const planted = idOf(cookie.slice(cookie.indexOf('=') + 1));
        const client = new SessionClient();
        const reply = await client.request(nodes[0], 'PUT', '/session/data/fx', {
          cookie,
          body: { value: 1 },
        });
        const line = sessionCookieLine(reply, contract);
        if (line === undefined && reply.status < 300)
          adopted.push(`a write with ${planted.slice(0, 8)}… was accepted without a new cookie`);
        else if (line !== undefined && idOf(cookieValue(line)) === planted)
          adopted.push(`the server issued the client's own id ${planted.slice(0, 8)}…`);
      }
      return adopted.length === 0
        ? pass('a random id and a logged-out id were both replaced by new server-made ids')
        : fail(adopted[0] as string, { adopted });
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
