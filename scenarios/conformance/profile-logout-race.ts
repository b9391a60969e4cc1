/**
 * SL-LO-03 through a profile: writes racing a logout on another node never bring the session
 * back. After each race the logged-out cookie must be anonymous and reach none of the values
 * written, on every node (a write that lands after logout may start a new session, never one
 * the old cookie reaches).
 */
import { newMarker } from './identity.ts';
import { clientWith, ignoreStepError, nodesReading, observeAll } from './profile-context.ts';
import type { ProfileCheck } from './profile-context.ts';
import { fail, pass, unknown } from './types.ts';

const TRIALS = 50;
const WRITES = 5;

export const PROFILE_LOGOUT_RACE_CHECKS: Record<string, ProfileCheck> = {
  'SL-LO-03': {
    needs: ['data', 'logout', 'two-nodes'],
    async run(ctx) {
      const [first, second] = ctx.nodes as unknown as [string, string];
      const witnesses: string[] = [];
      const inconclusive: string[] = [];
      for (let trial = 0; trial < TRIALS && witnesses.length === 0; trial++) {
        const client = await ctx.actions.login(first);
        const cookie = client.cookie;
        const value = newMarker(`lo03-${trial}`);
        // Each write as its own visitor holding the old cookie: a new cookie it gets stays its own.
        const writes = Array.from({ length: WRITES }, () =>
          ctx.actions.write(clientWith(cookie), second, value).catch(ignoreStepError),
        );
        await Promise.all([...writes, ctx.actions.logout(client, first)]);
        const seen = await observeAll(ctx, cookie);
        const reading = await nodesReading(ctx, cookie, value);
        if (seen.loggedIn.length > 0)
          witnesses.push(
            `trial ${trial + 1}: the logged-out cookie is logged in again on ${seen.loggedIn.join(', ')} after writes raced its logout`,
          );
        if (reading.length > 0)
          witnesses.push(
            `trial ${trial + 1}: a write racing the logout brought the session back — the logged-out cookie reads it on ${reading.join(', ')}`,
          );
        inconclusive.push(...seen.inconclusive.map((d) => `trial ${trial + 1}, ${d}`));
      }
      const evidence = { trials: TRIALS, witnesses, inconclusive: inconclusive.slice(0, 5) };
      if (witnesses.length > 0) return fail(witnesses[0] as string, evidence);
      if (inconclusive.length > 0)
        return unknown(
          `whoami after a raced logout was inconclusive — ${inconclusive[0]}`,
          evidence,
        );
      return pass(
        `in ${TRIALS} trials of ${WRITES} writes on node 2 racing a logout on node 1, the old cookie never came back`,
        evidence,
      );
    },
  },
};
