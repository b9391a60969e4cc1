/**
 * SL-FT: failures. The store down or paused must fail closed (503 in time, nobody logged
 * out); a dead node is routed around; a key rotation logs nobody out. These checks disturb the
 * target, so they run alone, after the others; without fault control they are SKIPPED.
 */
import { SessionClient } from '../client.ts';
import { faultUnderTraffic, isClearing, sessionCookieLine, sleep } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';
import { loginWhenBack, outageModes, sessionRoutes, withStoreOutage } from '../outage.ts';
import type { OutageMode } from '../outage.ts';
import { failoverCheck } from './failover.ts';
import { storeBackCheck } from './store-back.ts';

interface OutageReply {
  mode: OutageMode;
  node: number;
  route: string;
  status: number;
  ms: number;
  newCookie: boolean;
}

/** Every session route on every node at once, during one outage after an idle spell. */
async function outageRound(ctx: CheckContext, mode: OutageMode): Promise<OutageReply[]> {
  const client = await loginWhenBack(ctx);
  // What a node may cache is warmed on every node first: serving it during the outage fails open.
  await client.request(ctx.target.nodes[0], 'PUT', '/session/data/ft', { body: { value: 1 } });
  for (const node of ctx.target.nodes)
    for (const path of ['/me', '/session/data', '/session/data/ft'])
      await client.request(node, 'GET', path);
  // Idle first: pooled store connections go stale, as they do on a quiet night.
  await sleep(ctx.settings.idleBeforeOutageMs);
  return withStoreOutage(
    ctx,
    () =>
      Promise.all(
        ctx.target.nodes.flatMap((node, i) =>
          sessionRoutes(ctx, 'ft').map(async ([method, path, body]) => {
            const reply = await client
              .request(node, method, path, {
                timeoutMs: 5000,
                ...(body === undefined ? {} : { body }),
              })
              .catch(() => undefined);
            const line = reply && sessionCookieLine(reply, ctx.target.contract);
            return {
              mode,
              node: i + 1,
              route: `${method} ${path}`,
              status: reply?.status ?? 0,
              ms: Math.round(reply?.ms ?? 5000),
              newCookie: line !== undefined && !isClearing(line),
            };
          }),
        ),
      ),
    mode,
  );
}

export const faultChecks: CheckDefinition[] = [
  {
    id: 'SL-FT-01',
    title:
      'store paused and killed, after an idle spell: every session route on every node gets 503 within 2 s, no 401, no new cookie',
    level: 'MUST',
    refs: ['ASVS-5.0-16.5.3', 'CWE-636'],
    covers: ['store.fail-closed'],
    needs: ['kill-store'],
    exclusive: true,
    provenBy: ['fail-open', 'fail-open-reads'],
    async run(ctx) {
      const seen: OutageReply[] = [];
      for (const mode of outageModes(ctx.faults)) seen.push(...(await outageRound(ctx, mode)));
      const modes = [...new Set(seen.map((s) => s.mode))].join(' and ');
      const idle = ctx.settings.idleBeforeOutageMs;
      const wrong = seen.find((s) => s.status !== 503 || s.ms > 2000 || s.newCookie);
      if (wrong === undefined)
        return pass(
          `store ${modes} after ${idle} ms idle: all ${seen.length} requests got 503 within 2 s, none logged out`,
          { requests: seen },
        );
      const what =
        wrong.status === 401
          ? 'was treated as logged out (401)'
          : wrong.newCookie
            ? 'got a new cookie'
            : wrong.ms > 2000
              ? `took ${wrong.ms} ms`
              : `answered ${wrong.status}`;
      return fail(
        `with the store ${wrong.mode === 'pause' ? 'paused' : 'killed'} after ${idle} ms idle, ${wrong.route} on node ${wrong.node} ${what}`,
        { requests: seen },
      );
    },
  },
  storeBackCheck,
  {
    id: 'SL-FT-03',
    title: 'a node killed: the session continues through the entry without a new login',
    level: 'MUST',
    refs: [],
    covers: ['target.shared'],
    needs: ['entry', 'kill-node', 'two-nodes'],
    exclusive: true,
    provenBy: ['memory-store'],
    async run(ctx) {
      const { entry, nodes, nodeIds } = ctx.target;
      // Kill the node that served the login: the session must live on elsewhere.
      const client = new SessionClient();
      const reply = await client.request(entry, 'POST', '/login', {
        body: { user: ctx.user(), password: ctx.target.password },
      });
      if (reply.status !== 200) return unknown(`login through the entry answered ${reply.status}`);
      const served = reply.node;
      const index = Math.max(0, nodeIds.indexOf(served ?? ''));
      await ctx.faults.killNode?.(index);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++)
          statuses.push((await client.request(entry, 'GET', '/me')).status);
        const bad = statuses.filter((s) => s !== 200).length;
        const evidence = { killed: nodeIds[index], statuses, nodes: nodes.length };
        return bad === 0
          ? pass(
              `10 requests through the entry all answered 200 with node ${nodeIds[index]} dead`,
              evidence,
            )
          : fail(
              `${bad} of 10 requests failed with node ${nodeIds[index]} dead (${[...new Set(statuses)].join(', ')})`,
              evidence,
            );
      } finally {
        await ctx.faults.startNode?.(index);
      }
    },
  },
  {
    id: 'SL-FT-04',
    title: 'a rolling restart with a new signing key logs nobody out',
    level: 'MUST',
    refs: ['ASVS-5.0-11.2.3'],
    covers: [],
    needs: ['rolling-restart', 'entry'],
    exclusive: true,
    provenBy: ['single-key'],
    async run(ctx) {
      const { entry, contract } = ctx.target;
      // A 401 counts only before the session's declared absolute lifetime is over; a session
      // that reaches it is logged in again, so a slow restart does not pass for a logout.
      const lifetime = contract.absoluteTimeoutMs > 0 ? contract.absoluteTimeoutMs - 500 : Infinity;
      // `sent`: when the login was sent; the session cannot have been created before it, so a
      // 401 answered before sent + absoluteTimeoutMs is a logout, not the lifetime's end.
      // `lastOk`: when the last request that answered 200 was sent (the idle clock's latest
      // possible restart, within the engine's lazy touch of a tenth of the idle timeout).
      const newUser = async (): Promise<{
        client: SessionClient;
        since: number;
        sent: number;
        lastOk: number;
      }> => {
        // A login is a POST, which nginx does not retry: one sent to a node as it stops can fail
        // (502). That logs nobody out, so the user tries again (loginWhenBack: up to 10 s).
        const sent = Date.now();
        const client = await loginWhenBack(ctx, entry);
        return { client, since: Date.now(), sent, lastOk: sent };
      };
      const users = await Promise.all([1, 2, 3].map(newUser));
      const endsBy = (sent: number): number =>
        contract.absoluteTimeoutMs > 0 ? sent + contract.absoluteTimeoutMs : Infinity;
      let requests = 0;
      let renewed = 0;
      const failures: number[] = [];
      const failedRequests: {
        status: number;
        node: string | null;
        msSinceLogin: number;
        msSinceLastOk: number;
        tookMs: number;
      }[] = [];
      const transportErrors: string[] = [];
      let running = true;
      const traffic = (async () => {
        while (running) {
          for (const user of users) {
            if (Date.now() - user.since >= lifetime) {
              Object.assign(user, await newUser());
              renewed++;
            }
            const sentAt = Date.now();
            const reply = await user.client.request(entry, 'GET', '/me').then(
              (me) => ({ status: me.status, node: me.node }),
              (error: { code?: string }) => {
                transportErrors.push(error.code ?? 'unknown');
                return { status: 0, node: undefined };
              },
            );
            const { status } = reply;
            requests++;
            const answeredAt = Date.now();
            const idleSpent = answeredAt - user.lastOk >= 0.9 * contract.idleTimeoutMs;
            if (status === 200) user.lastOk = sentAt;
            else if (status === 401 && (answeredAt >= endsBy(user.sent) || idleSpent)) {
              // Slow answers let the session reach its declared lifetime or idle timeout (the
              // requests of the three users run in turn): that is expiry, not a logout.
              Object.assign(user, await newUser());
              renewed++;
            } else {
              failures.push(status);
              // Enough to tell a logout from a timing effect when reading the evidence.
              if (failedRequests.length < 10)
                failedRequests.push({
                  status,
                  node: reply.node ?? null,
                  msSinceLogin: sentAt - user.sent,
                  msSinceLastOk: sentAt - user.lastOk,
                  tookMs: answeredAt - sentAt,
                });
            }
          }
        }
      })();
      await faultUnderTraffic(
        traffic,
        () => ctx.faults.rollingRestart?.(),
        () => {
          running = false;
        },
      );
      const after = await Promise.all(
        users.map(async (u) => (await u.client.request(entry, 'GET', '/me')).status),
      );
      const evidence = {
        requests,
        failures: failures.length,
        statuses: [...new Set(failures)],
        after,
        renewedAtAbsoluteTimeout: renewed,
        transportErrors,
        failedRequests,
      };
      if (after.some((s) => s !== 200))
        return fail(
          `after the rolling restart ${after.filter((s) => s !== 200).length} of 3 users were logged out`,
          evidence,
        );
      if (failures.length > 0)
        return fail(
          `${failures.length} of ${requests} requests during the restart failed (${evidence.statuses.join(', ')})`,
          evidence,
        );
      if (requests === 0) return unknown('no request ran during the restart');
      return pass(`${requests} requests of 3 users during the restart all answered 200`, evidence);
    },
  },
  failoverCheck,
];
