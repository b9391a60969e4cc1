/**
 * SL-FT-05: a failover of the store to a replica undoes nothing the target acknowledged. Redis
 * replicates asynchronously; a target claiming capability `failover` must not answer a login
 * 200 or a logout 204 before a replica holds it. The replicas are isolated for the last writes
 * (as lagging replicas are), then the primaries die and the replicas take over: a write the
 * target acknowledged meanwhile must survive, and 503 (not acknowledged) is the honest answer.
 */
import { SessionClient } from '../client.ts';
import type { Reply } from '../client.ts';
import { login, sleep } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

/** `GET /me` with a saved cookie, polled while the nodes find the new primary (bounded: 15 s). */
async function settledMe(ctx: CheckContext, node: string, cookie: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 75; i++) {
    const reply = await new SessionClient()
      .request(node, 'GET', '/me', { cookie, timeoutMs: 5000 })
      .catch(() => undefined);
    status = reply?.status ?? 0;
    if (status !== 503 && status !== 0) return status;
    await sleep(200);
  }
  return status;
}

interface Probe {
  name: string;
  cookie: string;
  /** What `GET /me` must answer on every node after the failover. */
  expect: 200 | 401;
}

export const failoverCheck: CheckDefinition = {
  id: 'SL-FT-05',
  title:
    'a store failover to replicas that missed the last writes: acknowledged logins survive, acknowledged logouts stay ended',
  level: 'MUST',
  refs: ['ASVS-5.0-7.4.1', 'CWE-613'],
  covers: ['logout.removes'],
  capability: 'failover',
  needs: ['failover'],
  exclusive: true,
  provenBy: ['no-replica-acks'],
  async run(ctx) {
    const { nodes, password } = ctx.target;
    const [url] = nodes;
    if (url === undefined) return unknown('the target has no node');
    const cookieOf = (client: SessionClient): string => client.cookie;
    const started = Date.now();
    const kept = await login(ctx, url);
    const ended = await login(ctx, url);
    const endedCookie = cookieOf(ended);
    const logout = await ended.request(url, 'POST', '/logout');
    if (logout.status !== 204)
      return unknown(`a logout before the failover answered ${logout.status}`);
    const doomed = await login(ctx, url);
    const doomedCookie = cookieOf(doomed);
    const probes: Probe[] = [
      { name: 'a login before the failover', cookie: cookieOf(kept), expect: 200 },
      { name: 'a logout before the failover', cookie: endedCookie, expect: 401 },
    ];
    let late: { login: Reply; logout: Reply };
    await ctx.faults.isolateReplicas?.();
    try {
      const fresh = new SessionClient();
      late = {
        login: await fresh.request(url, 'POST', '/login', { body: { user: ctx.user(), password } }),
        logout: await doomed.request(url, 'POST', '/logout'),
      };
      if (late.login.status === 200)
        probes.push({
          name: 'a login acknowledged just before',
          cookie: fresh.cookie,
          expect: 200,
        });
      if (late.logout.status === 204)
        probes.push({
          name: 'a logout acknowledged just before',
          cookie: doomedCookie,
          expect: 401,
        });
    } finally {
      await ctx.faults.failover?.();
    }
    const evidence: Record<string, unknown> = {
      lastWrites: { login: late.login.status, logout: late.logout.status },
    };
    const honest = (status: number): boolean => status === 503 || (status >= 200 && status < 300);
    const bad = [late.login, late.logout].find((r) => !honest(r.status));
    if (bad !== undefined)
      return fail(
        `a write with the replicas cut off answered ${bad.status}, not 2xx or 503`,
        evidence,
      );
    // A session idle past its declared timeout may be gone for that reason alone.
    const idleMs = ctx.target.contract.idleTimeoutMs;
    if (Date.now() - started > idleMs / 2)
      return unknown(
        `the failover took longer than half the idle timeout (${idleMs} ms): a 401 would prove nothing`,
        evidence,
      );
    const seen: { probe: string; node: number; status: number }[] = [];
    for (const probe of probes)
      for (const [i, node] of nodes.entries())
        seen.push({
          probe: probe.name,
          node: i + 1,
          status: await settledMe(ctx, node, probe.cookie),
        });
    evidence['after'] = seen;
    const wrong = seen.find((s) => s.status !== probes.find((p) => p.name === s.probe)?.expect);
    if (wrong !== undefined) {
      const what =
        wrong.status === 200
          ? 'came back (200)'
          : wrong.status === 401
            ? 'was lost (401)'
            : `answered ${wrong.status}`;
      return fail(
        `after the failover, ${wrong.probe}: the session ${what} on node ${wrong.node}`,
        evidence,
      );
    }
    // The new topology serves: a login succeeds again once the nodes found it (bounded: 15 s).
    let after: Reply | undefined;
    for (let i = 0; i < 75 && (after === undefined || after.status === 503); i++) {
      if (i > 0) await sleep(200);
      after = await new SessionClient()
        .request(url, 'POST', '/login', { body: { user: ctx.user(), password } })
        .catch(() => undefined);
    }
    if (after?.status !== 200)
      return fail(`a login after the failover answered ${after?.status ?? 'nothing'}`, evidence);
    const acked = probes.length - 2;
    return pass(
      `after the failover every acknowledged write held on every node (${acked} of the 2 last writes acknowledged, the rest 503)`,
      evidence,
    );
  },
};
