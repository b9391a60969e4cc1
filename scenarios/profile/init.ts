/**
 * `sessionlab profile init`: a starter profile from a few answers. The result is validated
 * against the schema before it is returned, so a starter always loads.
 */
import { parseProfile } from './load.ts';
import type { Profile } from './types.ts';

export interface StarterOptions {
  entry: string;
  nodes?: string[];
  user: string;
  /** The environment variable holding the password. */
  passwordEnv: string;
  loginPath: string;
  /** Form field names of the login request. */
  userField: string;
  passwordField: string;
  /** With a CSRF field: its name in the login form (the token is read from the login page). */
  csrfField?: string;
  whoamiPath: string;
  /** Regex a logged-in whoami body matches ({user} allowed). */
  loggedInRegex: string;
  logoutPath?: string;
  cookieName?: string;
}

export function starterProfile(o: StarterOptions): Profile {
  const csrf =
    o.csrfField === undefined
      ? undefined
      : {
          request: { method: 'GET' as const, path: o.loginPath },
          regex: `name="${o.csrfField}" value="([^"]+)"`,
        };
  const form: Record<string, string> = { [o.userField]: '{user}', [o.passwordField]: '{password}' };
  if (o.csrfField !== undefined) form[o.csrfField] = '{csrf}';
  const profile: Profile = {
    profile: 1,
    entry: o.entry,
    ...(o.nodes === undefined ? {} : { nodes: o.nodes }),
    ...(o.cookieName === undefined ? {} : { cookieName: o.cookieName }),
    users: [{ user: o.user, password: `env:${o.passwordEnv}` }],
    idleTimeoutMs: 0,
    absoluteTimeoutMs: 0,
    login: {
      request: { method: 'POST', path: o.loginPath, form },
      ...(csrf === undefined ? {} : { csrf }),
      success: { status: [200, 302, 303] },
    },
    whoami: {
      request: { method: 'GET', path: o.whoamiPath },
      loggedIn: { status: [200], bodyRegex: o.loggedInRegex },
      loggedOut: { status: [302, 303, 401, 403] },
    },
    ...(o.logoutPath === undefined
      ? {}
      : {
          logout: {
            request: { method: 'POST', path: o.logoutPath },
            success: { status: [200, 204, 302, 303] },
          },
        }),
  };
  parseProfile(JSON.stringify(profile), 'the starter profile', { [o.passwordEnv]: 'x' });
  return profile;
}
