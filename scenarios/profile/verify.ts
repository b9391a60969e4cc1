/**
 * `sessionlab profile check`: walks a profile once — anonymous whoami, login, whoami, the data
 * steps, logout, whoami — and proves the indicators tell logged-in from anonymous. Each step
 * says what it sent and what came back; the first failure ends the walk.
 */
import { SessionClient } from '../conformance/client.ts';
import { newMarker } from '../conformance/identity.ts';
import { ProfileActions } from './actions.ts';
import type { LoginState } from './actions.ts';
import type { Profile } from './types.ts';
import { StepError } from '../../core/errors.ts';

export interface VerifyStep {
  step: string;
  ok: boolean;
  detail: string;
}

async function expectState(
  actions: ProfileActions,
  client: SessionClient,
  url: string,
  step: string,
  expected: LoginState,
): Promise<VerifyStep> {
  const seen = await actions.whoami(client, url);
  const { method, path } = actions.profile.whoami.request;
  const label = expected === 'in' ? 'loggedIn' : 'loggedOut';
  return seen.state === expected
    ? { step, ok: true, detail: `${method} ${path} answered ${seen.status}: matches ${label}` }
    : {
        step,
        ok: false,
        detail: `${method} ${path} answered ${seen.status}, expected it to match ${label} only: ${seen.detail || `it matches ${seen.state === 'in' ? 'loggedIn' : 'loggedOut'}`}`,
      };
}

/** Runs every step the profile describes through `url` (the entry when omitted). */
export async function verifyProfile(profile: Profile, url = profile.entry): Promise<VerifyStep[]> {
  const actions = new ProfileActions(profile);
  const client = new SessionClient();
  const steps: VerifyStep[] = [];
  const walk: [string, () => Promise<VerifyStep>][] = [
    ['anonymous whoami', () => expectState(actions, client, url, 'anonymous whoami', 'out')],
    [
      'login',
      async () => {
        await actions.login(url, client);
        return { step: 'login', ok: true, detail: 'the login matched "success"' };
      },
    ],
    ['whoami after login', () => expectState(actions, client, url, 'whoami after login', 'in')],
  ];
  if (profile.write && profile.read)
    walk.push([
      'write and read',
      async () => {
        const value = newMarker('check');
        await actions.write(client, url, value);
        const read = await actions.read(client, url);
        return read === value
          ? { step: 'write and read', ok: true, detail: `wrote and read back ${value}` }
          : {
              step: 'write and read',
              ok: false,
              detail: `wrote ${value}, read ${JSON.stringify(read ?? null)}`,
            };
      },
    ]);
  if (profile.increment)
    walk.push([
      'increment',
      async () => {
        const before = (await actions.counter(client, url)) ?? 0;
        const done = await actions.increment(client, url);
        const after = await actions.counter(client, url);
        return done.ok && after === before + 1
          ? { step: 'increment', ok: true, detail: `the counter went from ${before} to ${after}` }
          : {
              step: 'increment',
              ok: false,
              detail: `the increment ${done.ok ? 'succeeded' : 'did not match "success"'}; the counter went from ${before} to ${JSON.stringify(after ?? null)}`,
            };
      },
    ]);
  if (profile.logout) {
    walk.push([
      'logout',
      async () => {
        await actions.logout(client, url);
        return { step: 'logout', ok: true, detail: 'the logout matched "success"' };
      },
    ]);
    walk.push([
      'whoami after logout',
      () => expectState(actions, client, url, 'whoami after logout', 'out'),
    ]);
  }
  for (const [name, run] of walk) {
    const result = await run().catch((error: unknown) => {
      if (error instanceof StepError) return { step: name, ok: false, detail: error.message };
      const code = String((error as { code?: unknown }).code ?? '');
      return { step: name, ok: false, detail: `no answer from ${url} (${code || String(error)})` };
    });
    steps.push(result);
    if (!result.ok) break;
  }
  return steps;
}
