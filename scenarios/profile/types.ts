/**
 * The target profile (../shared/PROFILE.md, version 1): how the scenarios talk to an app that
 * does not implement CONTRACT.md. profile.schema.json is the whole format; these types mirror it.
 */

export interface ProfileRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to `entry` and to each node; placeholders allowed. */
  path: string;
  headers?: Record<string, string>;
  /** A JSON body (placeholders replaced in its string values). */
  json?: unknown;
  /** An application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
}

/** A request made with the client's cookies just before, and a regex whose group 1 is the token. */
export interface ProfileCsrf {
  request: ProfileRequest;
  regex: string;
}

/** Every property given must hold. */
export interface ProfileMatcher {
  status?: number[];
  /** Header name → regex. */
  headers?: Record<string, string>;
  bodyRegex?: string;
  jsonPointer?: string;
  equals?: unknown;
}

/** Where a value is read from a response: a JSON pointer, or a regex with one group. */
export interface ProfileReader {
  request: ProfileRequest;
  jsonPointer?: string;
  regex?: string;
}

export interface ProfileStep {
  request: ProfileRequest;
  csrf?: ProfileCsrf;
  success: ProfileMatcher;
}

export interface Profile {
  profile: 1;
  entry: string;
  nodes?: string[];
  cookieName?: string;
  users: { user: string; password: string }[];
  /** What the team expects (0: none). */
  idleTimeoutMs?: number;
  absoluteTimeoutMs?: number;
  /** Sent with every request. */
  headers?: Record<string, string>;
  login: ProfileStep;
  whoami: { request: ProfileRequest; loggedIn: ProfileMatcher; loggedOut: ProfileMatcher };
  logout?: ProfileStep;
  write?: ProfileStep;
  read?: ProfileReader;
  increment?: ProfileStep & { read: ProfileReader };
}
