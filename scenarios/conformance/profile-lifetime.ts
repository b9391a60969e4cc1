/**
 * SL-EX-02 and SL-EX-03 through a profile: activity keeps a session alive past the idle
 * timeout the profile expects, and ends it at the absolute lifetime it expects despite
 * activity. Waits beyond MAX_WAIT_MS are not attempted: UNKNOWN, with the reason.
 */
import { MAX_WAIT_MS, slackFor } from './checks/expiry.ts';
import type { ProfileCheck } from './profile-context.ts';
import { sleep } from './steps.ts';
import { fail, nodeAt, pass, unknown } from './types.ts';

const tooLong = (field: string, ms: number) =>
  unknown(`${field} ${ms} is too long to wait for; run the app with a short one`);

export const PROFILE_LIFETIME_CHECKS: Record<string, ProfileCheck> = {
  'SL-EX-02': {
    needs: ['idle-timeout'],
    async run(ctx) {
      const idleTimeoutMs = ctx.profile.idleTimeoutMs ?? 0;
      const span = 2 * idleTimeoutMs;
      if (span > MAX_WAIT_MS) return tooLong('idleTimeoutMs', idleTimeoutMs);
      const client = await ctx.actions.login(ctx.nodes[0]);
      const started = Date.now();
      // A whoami every quarter of the idle timeout, rotating over the nodes.
      for (let i = 0; Date.now() - started < span; i++) {
        const sent = Date.now();
        const seen = await ctx.actions.whoami(client, nodeAt(ctx.nodes, i));
        const evidence = { node: (i % ctx.nodes.length) + 1, status: seen.status, idleTimeoutMs };
        if (seen.state === 'unknown') return unknown(`whoami was inconclusive — ${seen.detail}`);
        if (seen.state === 'out')
          return fail(
            `the session ended ${sent - started} ms after login although a request came every ${idleTimeoutMs / 4} ms`,
            evidence,
          );
        await sleep(idleTimeoutMs / 4);
      }
      return pass(
        `kept alive for ${span} ms (twice the expected idle timeout) by requests spread over ${ctx.nodes.length} nodes`,
      );
    },
  },
  'SL-EX-03': {
    needs: ['absolute-timeout'],
    async run(ctx) {
      const absoluteTimeoutMs = ctx.profile.absoluteTimeoutMs ?? 0;
      if (absoluteTimeoutMs === 0)
        return fail(
          'the profile expects no absolute timeout (absoluteTimeoutMs: 0): an active session lives forever',
        );
      const slackMs = slackFor(absoluteTimeoutMs);
      if (absoluteTimeoutMs + slackMs > MAX_WAIT_MS)
        return tooLong('absoluteTimeoutMs', absoluteTimeoutMs);
      const idleTimeoutMs = ctx.profile.idleTimeoutMs || absoluteTimeoutMs;
      // Early ends are timed from when login was sent, late ones from its reply: both in the app's favour.
      const loginSent = Date.now();
      const client = await ctx.actions.login(ctx.nodes[0]);
      const loggedIn = Date.now();
      const step = Math.max(100, Math.min(idleTimeoutMs / 4, 1000));
      for (let i = 0; Date.now() - loggedIn < absoluteTimeoutMs + slackMs; i++) {
        const seen = await ctx.actions.whoami(client, nodeAt(ctx.nodes, i));
        if (seen.state === 'unknown') return unknown(`whoami was inconclusive — ${seen.detail}`);
        if (seen.state === 'out') {
          const at = Date.now() - loginSent;
          return at >= absoluteTimeoutMs - slackMs
            ? pass(
                `an active session ended ${at} ms after login (expected ${absoluteTimeoutMs} ms)`,
              )
            : fail(
                `the active session ended after ${at} ms, well before the expected ${absoluteTimeoutMs} ms`,
              );
        }
        await sleep(step);
      }
      return fail(
        `a session kept active was still logged in ${absoluteTimeoutMs + slackMs} ms after login (expected ${absoluteTimeoutMs} ms)`,
      );
    },
  },
};
