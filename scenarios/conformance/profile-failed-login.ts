/**
 * SL-FX-04 through a profile: a wrong password leaves the visitor anonymous and keeps the
 * data its anonymous session held (when the app keeps anonymous data at all).
 */
import { SessionClient } from './client.ts';
import { newMarker } from './identity.ts';
import type { ProfileCheck } from './profile-context.ts';
import { fail, pass, unknown } from './types.ts';
import { sendProfileRequest } from '../profile/request.ts';
import { StepError } from '../../core/errors.ts';

export const PROFILE_FAILED_LOGIN_CHECKS: Record<string, ProfileCheck> = {
  'SL-FX-04': {
    needs: ['data'],
    async run(ctx) {
      const { profile, actions } = ctx;
      const url = ctx.nodes[0];
      const client = new SessionClient();
      const marker = newMarker('fx04');
      const write = profile.write as NonNullable<typeof profile.write>;
      await sendProfileRequest(
        profile,
        client,
        url,
        write.request,
        actions.vars(0, { value: marker }),
      );
      const kept = (await actions.read(client, url)) === marker;
      const vars = actions.vars(0);
      const wrong = { ...vars, password: `${vars.password ?? ''}-wrong` };
      const accepted = await actions.step('login', profile.login, client, url, wrong).then(
        () => true,
        (error: unknown) => {
          if (error instanceof StepError) return false;
          throw error;
        },
      );
      const after = await actions.whoami(client, url);
      const read = await actions.read(client, url);
      const evidence = { anonymousDataKept: kept, whoami: after.state, status: after.status };
      if (accepted) return fail('a wrong password matched the login\'s "success"', evidence);
      if (after.state === 'in') return fail('after a failed login whoami says logged in', evidence);
      if (after.state === 'unknown')
        return unknown(
          `whoami after the failed login was inconclusive — ${after.detail}`,
          evidence,
        );
      if (!kept)
        return unknown(
          'still anonymous after the failed login, but the app keeps no anonymous data to check it was kept',
          evidence,
        );
      return read === marker
        ? pass('refused, still anonymous, and the anonymous data is still there', evidence)
        : fail(
            `the failed login lost the data the session held (read ${JSON.stringify(read ?? null)})`,
            evidence,
          );
    },
  },
};
