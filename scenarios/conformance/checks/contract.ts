/**
 * SL-CT: what CONTRACT.md says of every response — X-Node-Id, JSON bodies, the error shape —
 * judged on every response of a walk over the routes on every node, and the routes that must
 * never create a session (`GET /contract`, `GET /me` answering 401).
 */
import { SessionClient } from '../client.ts';
import type { Reply } from '../client.ts';
import { isClearing, sessionCookieLine } from '../steps.ts';
import { fail, pass } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

interface Step {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
}

/** A walk over the routes whose every answer is known in advance. */
function walk(ctx: CheckContext): Step[] {
  const { password } = ctx.target;
  const user = ctx.user();
  return [
    { what: 'discovery', method: 'GET', path: '/contract', status: 200 },
    { what: 'anonymous /me', method: 'GET', path: '/me', status: 401 },
    {
      what: 'wrong password',
      method: 'POST',
      path: '/login',
      body: { user, password: `${password}-wrong` },
      status: 401,
    },
    { what: 'login', method: 'POST', path: '/login', body: { user, password }, status: 200 },
    { what: '/me', method: 'GET', path: '/me', status: 200 },
    { what: 'write', method: 'PUT', path: '/session/data/ct', body: { value: 1 }, status: 204 },
    { what: 'absent key', method: 'GET', path: '/session/data/ct-absent', status: 404 },
    { what: 'bad key', method: 'GET', path: '/session/data/bad%20key', status: 400 },
    { what: 'unknown route', method: 'GET', path: '/ct-no-such-route', status: 404 },
    { what: 'logout', method: 'POST', path: '/logout', status: 204 },
  ];
}

/** What is wrong with one reply, by the "Every response" rules; empty when nothing is. */
export function everyResponseFaults(reply: Reply, expectedNode: string): string[] {
  const faults: string[] = [];
  if (reply.node !== expectedNode)
    faults.push(`X-Node-Id ${JSON.stringify(reply.node ?? null)}, not ${expectedNode}`);
  if (reply.status !== 204) {
    const type = String(reply.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) faults.push(`content-type ${JSON.stringify(type)}`);
    if (typeof reply.body !== 'object' || reply.body === null)
      faults.push('a body that is not JSON');
  }
  if (reply.status >= 400) {
    const error = (reply.body as { error?: unknown } | undefined)?.error;
    if (typeof error !== 'string' || error === '') faults.push('no {"error": "<message>"} body');
  }
  return faults;
}

export const contractChecks: CheckDefinition[] = [
  {
    id: 'SL-CT-01',
    title:
      'every response carries its node id and a JSON body (errors as {"error"}), on every node',
    level: 'MUST',
    refs: [],
    covers: ['every.node-id', 'every.json', 'every.error-shape', 'me.answers'],
    provenBy: ['text-errors'],
    async run(ctx) {
      const { nodes, nodeIds } = ctx.target;
      const witnesses: string[] = [];
      if (new Set(nodeIds).size !== nodes.length)
        witnesses.push(`the ${nodes.length} nodes declare ${new Set(nodeIds).size} distinct ids`);
      let seen = 0;
      for (const [i, node] of nodes.entries()) {
        const client = new SessionClient();
        for (const step of walk(ctx)) {
          const reply = await client.request(node, step.method, step.path, {
            ...(step.body === undefined ? {} : { body: step.body }),
          });
          seen++;
          const faults = everyResponseFaults(reply, nodeIds[i] ?? '');
          if (reply.status !== step.status)
            faults.push(`status ${reply.status}, not ${step.status}`);
          const me = reply.body as { user?: unknown; createdAt?: unknown } | undefined;
          if (
            step.what === '/me' &&
            (typeof me?.user !== 'string' || !Number.isInteger(me?.createdAt))
          )
            faults.push('a body without user and an integer createdAt');
          if (faults.length > 0)
            witnesses.push(
              `node ${i + 1}, ${step.what} (${step.method} ${step.path}): ${faults.join('; ')}`,
            );
        }
      }
      return witnesses.length === 0
        ? pass(`${seen} responses over ${nodes.length} nodes all follow the "Every response" rules`)
        : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 8), responses: seen });
    },
  },
  {
    id: 'SL-CT-02',
    title: 'GET /contract and a 401 from GET /me never create a session nor set its cookie',
    level: 'MUST',
    refs: [],
    covers: ['discovery.no-session', 'me.no-cookie-on-401'],
    provenBy: ['contract-creates-session', 'cookie-on-401'],
    async run(ctx) {
      const { nodes, contract } = ctx.target;
      const ended = new SessionClient();
      await ended.request(nodes[0], 'POST', '/login', {
        body: { user: ctx.user(), password: ctx.target.password },
      });
      const endedCookie = ended.cookie;
      await ended.request(nodes[0], 'POST', '/logout');
      const cookies: [string, string | undefined][] = [
        ['no cookie', undefined],
        ['a logged-out cookie', endedCookie],
        ['a made-up cookie', `${contract.cookieName}=ct02-not-a-session`],
      ];
      const liveUser = ctx.user();
      const live = new SessionClient();
      await live.request(nodes[0], 'POST', '/login', {
        body: { user: liveUser, password: ctx.target.password },
      });
      const witnesses: string[] = [];
      for (const [i, node] of nodes.entries()) {
        // Discovery creates nothing: no cookie without a session, and with a live session at
        // most a re-issue of that same session (a rolling cookie), judged by where it leads.
        const bare = await new SessionClient().request(node, 'GET', '/contract');
        const bareLine = sessionCookieLine(bare, contract);
        if (bareLine !== undefined)
          witnesses.push(
            `node ${i + 1}: GET /contract with no cookie set ${bareLine.split(';')[0]}`,
          );
        const withLive = await new SessionClient().request(node, 'GET', '/contract', {
          cookie: live.cookie,
        });
        const liveLine = sessionCookieLine(withLive, contract);
        const issued = liveLine?.split(';')[0] ?? '';
        if (liveLine !== undefined && !isClearing(liveLine) && issued !== live.cookie) {
          const me = await new SessionClient().request(node, 'GET', '/me', { cookie: issued });
          const user = (me.body as { user?: unknown } | undefined)?.user;
          if (me.status !== 200 || user !== liveUser)
            witnesses.push(
              `node ${i + 1}: GET /contract with a live cookie set ${issued}, which leads to a new session (GET /me ${me.status}), not the live one`,
            );
        }
        for (const [what, cookie] of cookies) {
          const me = await new SessionClient().request(node, 'GET', '/me', {
            ...(cookie ? { cookie } : {}),
          });
          const set = sessionCookieLine(me, contract);
          if (me.status !== 401)
            witnesses.push(`node ${i + 1}: /me with ${what} answered ${me.status}`);
          else if (set !== undefined && !isClearing(set))
            witnesses.push(
              `node ${i + 1}: /me with ${what} answered 401 and set ${set.split(';')[0]}`,
            );
        }
      }
      return witnesses.length === 0
        ? pass(`on ${nodes.length} nodes neither /contract nor a 401 from /me set a session cookie`)
        : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 8) });
    },
  },
];
