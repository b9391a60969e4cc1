/**
 * SL-FT-01…04 through a profile, with the run's fault control (`--fault-cmd`): the store down
 * must fail closed (no logout, no new session cookie, an error answer in time), the session
 * must work again when the store is back, survive its node's death through the entry, and a
 * rolling restart (with a new signing key) logs nobody out.
 */
import { SessionClient } from './client.ts';
import type { Reply } from './client.ts';
import { outageModes, withStoreOutage } from './outage.ts';
import type { OutageMode } from './outage.ts';
import type { ProfileCheck, ProfileCheckContext } from './profile-context.ts';
import { faultUnderTraffic, isClearing, sleep } from './steps.ts';
import { fail, pass, unknown } from './types.ts';
import { sendProfileRequest } from '../profile/request.ts';

/** A fail-closed answer comes this fast (CONTRACT.md's 503 within 2 s). */
const ANSWER_WITHIN_MS = 2000;

/** A login through `url`, retried while a restarted store reconnects (bounded: 50 × 200 ms). */
async function loginWhenBack(ctx: ProfileCheckContext, url = ctx.nodes[0]): Promise<SessionClient> {
  for (let i = 0; ; i++) {
    try {
      return await ctx.actions.login(url);
    } catch (error) {
      if (i >= 50) throw error;
      await sleep(200);
    }
  }
}

interface OutageAnswer {
  mode: OutageMode;
  node: number;
  step: string;
  status: number;
  ms: number;
  state: string;
  /** The reply set or cleared a cookie of the session. */
  cookieChanged: boolean;
}

/** whoami and read (when given) on every node at once, during one store outage. */
async function outageRound(ctx: ProfileCheckContext, mode: OutageMode): Promise<OutageAnswer[]> {
  const client = await loginWhenBack(ctx);
  for (const node of ctx.nodes) await ctx.actions.whoami(client, node);
  await sleep(ctx.settings.idleBeforeOutageMs);
  const { profile, actions } = ctx;
  const steps = [{ name: 'whoami', request: profile.whoami.request }];
  if (profile.read !== undefined) steps.push({ name: 'read', request: profile.read.request });
  const names = new Set(client.cookie.split(';').map((p) => p.split('=')[0]?.trim() ?? ''));
  const ask = async (node: string, i: number, step: (typeof steps)[number]) => {
    const started = Date.now();
    const reply: Reply | undefined = await sendProfileRequest(
      profile,
      new SessionClient(),
      node,
      step.request,
      actions.vars(),
      client.cookie,
    ).catch(() => undefined);
    const state = reply === undefined ? 'no answer' : actions.classify(reply).state;
    return {
      mode,
      node: i + 1,
      step: step.name,
      status: reply?.status ?? 0,
      ms: Date.now() - started,
      state: step.name === 'whoami' ? state : '',
      cookieChanged: (reply?.setCookie ?? []).some((l) => names.has(l.split('=')[0]?.trim() ?? '')),
    };
  };
  return withStoreOutage(
    ctx,
    () => Promise.all(ctx.nodes.flatMap((node, i) => steps.map((step) => ask(node, i, step)))),
    mode,
  );
}

/** What is wrong with an answer given with the store down, or undefined. */
function failOpen(a: OutageAnswer): string | undefined {
  if (a.state === 'out') return 'was treated as logged out';
  if (a.cookieChanged) return 'set or cleared the session cookie';
  if (a.state === 'in') return 'answered as logged in, a session its store cannot confirm';
  if (a.status > 0 && a.status < 500) return `answered ${a.status}, not an error`;
  if (a.ms > ANSWER_WITHIN_MS) return `took ${a.ms} ms`;
  return undefined;
}

type Back = 'back' | 'gone' | 'cleared' | 'silent';

export const PROFILE_FAULT_CHECKS: Record<string, ProfileCheck> = {
  'SL-FT-01': {
    needs: ['kill-store'],
    async run(ctx) {
      const seen: OutageAnswer[] = [];
      for (const mode of outageModes(ctx.faults)) seen.push(...(await outageRound(ctx, mode)));
      const wrong = seen.find((a) => failOpen(a) !== undefined);
      const idle = ctx.settings.idleBeforeOutageMs;
      if (wrong === undefined)
        return pass(
          `store down after ${idle} ms idle: all ${seen.length} answers were errors within ${ANSWER_WITHIN_MS} ms, none logged out`,
          { answers: seen },
        );
      return fail(
        `with the store ${wrong.mode === 'pause' ? 'paused' : 'killed'} after ${idle} ms idle, ${wrong.step} on node ${wrong.node} ${failOpen(wrong)}`,
        { answers: seen },
      );
    },
  },
  'SL-FT-02': {
    needs: ['kill-store'],
    async run(ctx) {
      const url = ctx.nodes[0];
      const client = await loginWhenBack(ctx);
      const mode = outageModes(ctx.faults)[0] ?? 'kill';
      await ctx.actions.whoami(client, url);
      const during = await withStoreOutage(
        ctx,
        () => ctx.actions.whoamiReply(client, url).catch(() => undefined),
        mode,
      );
      let back: Back = during?.setCookie.some(isClearing) ? 'cleared' : 'silent';
      let afterMs = 0;
      // The store is back; the app reconnects on its own schedule: poll, bounded.
      for (let i = 0; i < 50 && back === 'silent'; i++) {
        const seen = await ctx.actions.whoami(client, url);
        afterMs = i * 200;
        if (seen.state === 'in') back = 'back';
        else if (seen.state === 'out') back = 'gone';
        else await sleep(200);
      }
      const evidence = { outage: mode, duringOutage: during?.status ?? null, afterMs };
      if (back === 'back')
        return pass(
          `the session was logged in again ${afterMs} ms after the store came back`,
          evidence,
        );
      if (back === 'cleared')
        return fail(
          'the outage cleared the session cookie: a store failure logged the user out',
          evidence,
        );
      if (back === 'silent')
        return fail('whoami did not say logged in within 10 s of the store coming back', evidence);
      // A killed store keeps sessions only if it persists them, which a profile does not say.
      return mode === 'pause'
        ? fail('the session was logged out after the store, paused, came back', evidence)
        : unknown(
            'the session was gone after the store restarted: a store without persistence loses it by design, and the run cannot pause it to tell',
            evidence,
          );
    },
  },
  'SL-FT-03': {
    needs: ['kill-node', 'two-nodes'],
    async run(ctx) {
      // Logged in on node 1, which is then killed: the session must live on elsewhere.
      const client = await ctx.actions.login(ctx.nodes[0]);
      await ctx.faults.killNode?.(0);
      try {
        const seen = [];
        for (let i = 0; i < 10; i++) seen.push(await ctx.actions.whoami(client, ctx.entry));
        // A 5xx from the entry is the dead node showing through: the session did not continue.
        const bad = seen.filter((o) => o.state === 'out' || o.status >= 500);
        const unsure = seen.filter((o) => o.state === 'unknown' && o.status < 500);
        const evidence = { answers: seen.map((o) => `${o.state} ${o.status}`) };
        if (bad.length > 0)
          return fail(
            `${bad.length} of 10 whoami through the entry were not logged in with node 1 dead (${bad.map((o) => o.status).join(', ')})`,
            evidence,
          );
        return unsure.length === 0
          ? pass('10 whoami through the entry all logged in with node 1 dead', evidence)
          : unknown(
              `whoami through the entry was inconclusive with node 1 dead — ${unsure[0]?.detail ?? ''}`,
              evidence,
            );
      } finally {
        await ctx.faults.startNode?.(0);
      }
    },
  },
  'SL-FT-04': {
    needs: ['rolling-restart'],
    async run(ctx) {
      const { actions, profile, entry } = ctx;
      const absolute = profile.absoluteTimeoutMs ?? 0;
      const idle = profile.idleTimeoutMs ?? 0;
      // `sent`: when the login was sent; `lastOk`: when the last logged-in whoami was sent. A
      // loggedOut past sent + absoluteTimeoutMs, or after idleTimeoutMs without a good answer,
      // is expiry (slow answers during the restart), not a logout: that user logs in again.
      const newUser = async () => {
        const sent = Date.now();
        return { client: await loginWhenBack(ctx, entry), sent, lastOk: sent };
      };
      const users = await Promise.all([1, 2, 3].map(newUser));
      const expired = (u: (typeof users)[number], now: number) =>
        (absolute > 0 && now >= u.sent + absolute - 500) ||
        (idle > 0 && now - u.lastOk >= 0.9 * idle);
      let requests = 0;
      let renewed = 0;
      const failures: string[] = [];
      const inconclusive: string[] = [];
      let running = true;
      const traffic = (async () => {
        while (running) {
          for (const user of users) {
            const sentAt = Date.now();
            const seen = await actions
              .whoami(user.client, entry)
              .catch((error: { code?: string }) => ({
                state: 'error' as const,
                status: 0,
                detail: error.code ?? 'transport error',
              }));
            requests++;
            if (seen.state === 'in') user.lastOk = sentAt;
            else if (seen.state === 'out' && expired(user, Date.now())) {
              Object.assign(user, await newUser());
              renewed++;
            } else if (seen.state === 'out') failures.push('loggedOut');
            else if (seen.state === 'error' || seen.status >= 500)
              failures.push(String(seen.status || seen.detail));
            else inconclusive.push(seen.detail);
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
      const after = await Promise.all(users.map((u) => actions.whoami(u.client, entry)));
      const out = after.filter((o) => o.state !== 'in').length;
      const evidence = {
        requests,
        failures: failures.length,
        answers: [...new Set(failures)],
        after: after.map((o) => o.state),
        renewedAtTimeouts: renewed,
        inconclusive: inconclusive.slice(0, 3),
      };
      if (out > 0)
        return fail(`after the rolling restart ${out} of 3 users were not logged in`, evidence);
      if (failures.length > 0)
        return fail(
          `${failures.length} of ${requests} whoami during the restart failed (${evidence.answers.join(', ')})`,
          evidence,
        );
      if (inconclusive.length > 0)
        return unknown(`whoami during the restart was inconclusive — ${inconclusive[0]}`, evidence);
      if (requests === 0) return unknown('no request ran during the restart');
      return pass(`${requests} whoami of 3 users during the restart all logged in`, evidence);
    },
  },
};
