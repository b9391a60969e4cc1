/**
 * The checks that can run against a profile target (../shared/PROFILE.md): the same ids and
 * requirements as their contract versions, judged through the profile's session actions
 * (login, whoami, logout, write/read, increment) instead of the CONTRACT.md routes. A check
 * absent here is skipped for a profile, with CONTRACT_ONLY's reason when it only makes sense
 * for the contract.
 */
import { SessionClient } from './client.ts';
import { nodesReading, observeAll } from './profile-context.ts';
import type { ProfileCheck, ProfileCheckContext, ProfileNeed } from './profile-context.ts';
import { PROFILE_COOKIE_CHECKS } from './profile-cookies.ts';
import { PROFILE_FAULT_CHECKS } from './profile-faults.ts';
import { PROFILE_FAILED_LOGIN_CHECKS } from './profile-failed-login.ts';
import { PROFILE_TAMPER_CHECKS } from './profile-tamper.ts';
import { PROFILE_STORE_CHECKS } from './profile-store.ts';
import { outageModes } from './outage.ts';
import type { FaultControl, StoreInspector } from './types.ts';
import { PROFILE_LIFETIME_CHECKS } from './profile-lifetime.ts';
import { PROFILE_LOGOUT_RACE_CHECKS } from './profile-logout-race.ts';
import { slackFor, MAX_WAIT_MS } from './checks/expiry.ts';
import { newMarker } from './identity.ts';
import { pooled, sleep } from './steps.ts';
import { fail, pass, unknown } from './types.ts';
import { nodeAt } from './types.ts';
import { sendProfileRequest } from '../profile/request.ts';
import type { Profile } from '../profile/types.ts';

/** Why a profile does not let a check run: the field that would enable it. */
export function missingProfileNeed(
  check: ProfileCheck,
  profile: Profile,
  faults: FaultControl,
  store: StoreInspector | undefined,
): string | undefined {
  const reasons: Record<ProfileNeed, string | false> = {
    logout: profile.logout === undefined && 'the profile has no "logout"',
    data:
      (profile.write === undefined || profile.read === undefined) &&
      'the profile has no "write" and "read"',
    counter: profile.increment === undefined && 'the profile has no "increment"',
    'two-nodes':
      (profile.nodes?.length ?? 0) < 2 && 'it needs two direct node URLs in "nodes" (or --nodes)',
    'idle-timeout':
      !profile.idleTimeoutMs && 'the profile has no "idleTimeoutMs" (the idle timeout expected)',
    'absolute-timeout':
      profile.absoluteTimeoutMs === undefined &&
      'the profile has no "absoluteTimeoutMs" (the absolute lifetime expected)',
    'https-entry':
      !profile.entry.startsWith('https:') && 'the profile\'s "entry" is not an https:// URL',
    'kill-store':
      outageModes(faults).length === 0 &&
      'no store fault commands were given (--fault-cmd kill-store=… start-store=…)',
    'kill-node':
      (!faults.killNode || !faults.startNode) &&
      'no node fault commands were given (--fault-cmd kill-node=… start-node=…)',
    store: store === undefined && 'no store access was given (--store-url)',
    'rolling-restart':
      !faults.rollingRestart &&
      'no rolling restart command was given (--fault-cmd rolling-restart=…)',
  };
  for (const need of check.needs) if (reasons[need]) return reasons[need] as string;
  return undefined;
}

/** Checks that judge CONTRACT.md's own routes, status codes or documents: never for a profile. */
export const CONTRACT_ONLY: Record<string, string> = {
  'SL-CT-01': 'it checks the exact status codes and bodies of the CONTRACT.md routes',
  'SL-CT-02': 'it checks GET /contract and the 401 of GET /me of CONTRACT.md',
  'SL-DA-01': 'it checks the exact answers of the CONTRACT.md data routes',
  'SL-DA-02': 'it checks the key rules of the CONTRACT.md data routes',
  'SL-IN-02': 'it checks the 413 of CONTRACT.md writes beyond maxSessionBytes',
  'SL-IN-03': 'it checks the 413 of CONTRACT.md writes beyond maxSessionBytes',
};

/**
 * Checks a profile run cannot make, each with what it would need: PROFILE.md does not describe
 * it, the check reads a cookie's value (opaque through a profile), or it is not ported yet.
 */
export const NOT_VIA_PROFILE: Record<string, string> = {
  'SL-XN-02':
    'not ported to profiles yet (issue 14): it would history-check reads of "write"/"read" through the entry',
  'SL-XN-03':
    'it writes 100 distinct keys, and a profile\'s "write" stores one value under one name',
  'SL-XN-05':
    'it tells which node answered by the X-Node-Id header of CONTRACT.md, which a profile does not name',
  'SL-FX-01':
    'it compares session ids, and a profile run keeps cookie values opaque (SL-FX-02 judges fixation by behaviour)',
  'SL-FX-03':
    "it forges session ids in the target's cookie format, which a profile does not describe",
  'SL-LO-04': 'a profile has no logout-all step',
  'SL-ID-01':
    'it measures the entropy of session ids, and a profile run keeps cookie values opaque',
  'SL-IN-01':
    'it sends malformed requests to the CONTRACT.md routes; a profile describes only well-formed steps',
  'SL-DA-03': 'it needs the carry-over capability, which a profile cannot claim',
  'SL-ER-01':
    'it provokes errors on the CONTRACT.md routes (bad keys, bad JSON), which a profile does not describe',
  'SL-ER-02':
    'not ported to profiles yet (issue 14): it would search the answers of SL-FT-01 for the --store-url address and credentials',
  'SL-FT-05':
    'it needs the failover capability (acknowledged writes on replicas), which a profile cannot claim',
  'SL-ST-03': 'it needs the encrypt-at-rest capability, which a profile cannot claim',
  'SL-ST-04':
    'not ported to profiles yet (issue 14): it would count store writes around whoami with --store-url',
};

/**
 * With write/read, an anonymous write of a marker; the marker when the same cookie reads it
 * back (the app keeps anonymous session data), else undefined.
 */
async function plantAnonymous(
  ctx: ProfileCheckContext,
  client: SessionClient,
): Promise<string | undefined> {
  const { profile, actions } = ctx;
  if (profile.write === undefined || profile.read === undefined) return undefined;
  const marker = newMarker('fx02-pre');
  const vars = actions.vars(0, { value: marker });
  await sendProfileRequest(profile, client, ctx.nodes[0], profile.write.request, vars);
  return (await actions.read(client, ctx.nodes[0])) === marker ? marker : undefined;
}

export const PROFILE_CHECKS: Record<string, ProfileCheck> = {
  ...PROFILE_COOKIE_CHECKS,
  ...PROFILE_LOGOUT_RACE_CHECKS,
  ...PROFILE_LIFETIME_CHECKS,
  ...PROFILE_FAULT_CHECKS,
  ...PROFILE_FAILED_LOGIN_CHECKS,
  ...PROFILE_TAMPER_CHECKS,
  ...PROFILE_STORE_CHECKS,
  'SL-XN-01': {
    needs: ['data', 'two-nodes'],
    async run(ctx) {
      const client = await ctx.actions.login(ctx.nodes[0]);
      const value = newMarker('xn01');
      await ctx.actions.write(client, ctx.nodes[0], value);
      const wrong: string[] = [];
      for (const [i, node] of ctx.nodes.entries()) {
        const read = await ctx.actions.read(client, node);
        if (read !== value) wrong.push(`node ${i + 1} read ${JSON.stringify(read ?? null)}`);
      }
      return wrong.length === 0
        ? pass(`the value written on node 1 is read on all ${ctx.nodes.length} nodes`, { value })
        : fail(`a value written on node 1 is not read everywhere — ${wrong[0]}`, { wrong });
    },
  },
  'SL-XN-04': {
    needs: ['counter'],
    async run(ctx) {
      const total = 500;
      const client = await ctx.actions.login(ctx.nodes[0]);
      const before = (await ctx.actions.counter(client, ctx.nodes[0])) ?? 0;
      const replies = await pooled(
        Array.from(
          { length: total },
          (_, i) => () => ctx.actions.increment(client, nodeAt(ctx.nodes, i)),
        ),
        50,
      );
      const ok = replies.filter((r) => r.ok).length;
      const after = await ctx.actions.counter(client, ctx.nodes[0]);
      const evidence = { acknowledged: ok, before, after: after ?? null };
      if (after === undefined)
        return unknown('the counter read found no integer after the increments', evidence);
      if (ok !== total) return fail(`${total - ok} of ${total} increments were refused`, evidence);
      return after - before === total
        ? pass(
            `${total} concurrent increments over ${ctx.nodes.length} nodes counted exactly`,
            evidence,
          )
        : fail(
            `${total} increments acknowledged, but the counter went from ${before} to ${after}: ${total - (after - before)} lost updates`,
            evidence,
          );
    },
  },
  'SL-FX-02': {
    needs: [],
    async run(ctx) {
      const { profile, actions } = ctx;
      const client = new SessionClient();
      const url = ctx.nodes[0];
      // A pre-login session: whatever the app sets before login (whoami, CSRF page, a write).
      await sendProfileRequest(profile, client, url, profile.whoami.request, actions.vars());
      if (profile.login.csrf)
        await sendProfileRequest(profile, client, url, profile.login.csrf.request, actions.vars());
      const marker = await plantAnonymous(ctx, client);
      const before = client.cookie;
      if (!before)
        return unknown(
          'the app set no cookie before login, so there is no pre-login session to test',
        );
      await actions.login(url, client);
      const now = await actions.whoami(client, url);
      if (now.state !== 'in')
        return unknown(`after login, whoami does not say logged in: ${now.detail || now.state}`);
      const seen = await observeAll(ctx, before);
      const dataSeen = marker === undefined ? [] : await nodesReading(ctx, before, marker);
      const evidence = {
        loggedInWithPreLoginCookie: seen.loggedIn,
        preLoginDataStillReached: dataSeen,
        preLoginDataPlanted: marker !== undefined,
        inconclusive: seen.inconclusive,
      };
      if (seen.loggedIn.length > 0)
        return fail(
          `the pre-login cookie is logged in after login (session fixation) on ${seen.loggedIn.join(', ')}`,
          evidence,
        );
      if (dataSeen.length > 0)
        return fail(
          `the pre-login cookie still reaches its session after login on ${dataSeen.join(', ')}`,
          evidence,
        );
      if (seen.inconclusive.length > 0)
        return unknown(
          `whoami with the pre-login cookie was inconclusive — ${seen.inconclusive[0]}`,
          evidence,
        );
      return pass(
        `the pre-login cookie is anonymous on all ${ctx.nodes.length} nodes after login${marker === undefined ? '' : ' and no longer reaches its data'}`,
        evidence,
      );
    },
  },
  'SL-LO-01': {
    needs: ['logout'],
    async run(ctx) {
      const client = await ctx.actions.login(ctx.nodes[0]);
      const cookie = client.cookie;
      const warm = await observeAll(ctx, cookie);
      if (warm.loggedIn.length !== ctx.nodes.length)
        return unknown('the session is not logged in on every node before logout', { ...warm });
      await ctx.actions.logout(client, ctx.nodes[0]);
      const seen = await observeAll(ctx, cookie);
      const evidence = { stillLoggedIn: seen.loggedIn, inconclusive: seen.inconclusive };
      if (seen.loggedIn.length > 0)
        return fail(
          `the session outlives its logout when the old cookie is replayed — logged in on ${seen.loggedIn.join(', ')}`,
          evidence,
        );
      if (seen.inconclusive.length > 0)
        return unknown(`whoami after logout was inconclusive — ${seen.inconclusive[0]}`, evidence);
      return pass(
        `the replayed cookie is anonymous on all ${ctx.nodes.length} nodes after logout`,
        evidence,
      );
    },
  },
  'SL-EX-01': {
    needs: ['idle-timeout'],
    async run(ctx) {
      const idleTimeoutMs = ctx.profile.idleTimeoutMs ?? 0;
      const aliveAtMs = Math.round(idleTimeoutMs * 0.75);
      const goneAtMs = idleTimeoutMs + slackFor(idleTimeoutMs);
      if (goneAtMs > MAX_WAIT_MS)
        return unknown(
          `idleTimeoutMs ${idleTimeoutMs} is too long to wait for; run the app with a short one`,
        );
      // Two sessions: probing one restarts its clock, so the other is kept for the late probe.
      // `late` first: both idle clocks then start no later than `started`.
      const late = await ctx.actions.login(ctx.nodes[0]);
      const earlySent = Date.now();
      const early = await ctx.actions.login(ctx.nodes[0]);
      const started = Date.now();
      await sleep(aliveAtMs);
      const first = await observeAll(ctx, early.cookie);
      // The longest the early session can have been idle when the last probe reached a node.
      const earlyIdleMs = Date.now() - earlySent;
      await sleep(Math.max(0, goneAtMs - (Date.now() - started)));
      const second = await observeAll(ctx, late.cookie);
      const evidence = {
        idleTimeoutMs,
        aliveAtMs,
        goneAtMs,
        earlyIdleAtMostMs: earlyIdleMs,
        early: first,
        late: second,
      };
      const inconclusive = [...first.inconclusive, ...second.inconclusive];
      if (inconclusive.length > 0)
        return unknown(`whoami was inconclusive — ${inconclusive[0]}`, evidence);
      if (first.loggedIn.length < ctx.nodes.length && earlyIdleMs >= idleTimeoutMs)
        return unknown(
          `the early probe was gone, but slow requests let it idle up to ${earlyIdleMs} ms, not less than the expected ${idleTimeoutMs} ms`,
          evidence,
        );
      if (first.loggedIn.length < ctx.nodes.length)
        return fail(
          `the session was gone ${aliveAtMs} ms after its last request, before the expected ${idleTimeoutMs} ms`,
          evidence,
        );
      return second.loggedIn.length === 0
        ? pass(
            `alive on all nodes after ${aliveAtMs} ms idle, gone on all after ${goneAtMs} ms`,
            evidence,
          )
        : fail(
            `the session was still logged in ${goneAtMs} ms after its last request (expected ${idleTimeoutMs} ms) on ${second.loggedIn.join(', ')}`,
            evidence,
          );
    },
  },
};
