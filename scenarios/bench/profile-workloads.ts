/**
 * The bench workloads through a profile (PROFILE.md): which of the profile's requests one
 * connection sends in a loop, as serialisable steps (they cross to the load worker), and the
 * autocannon requests built from them. `read` is the profile's `read` (its `whoami` without
 * one), `write` its `write`, `mixed` nine reads and a write, `login-churn` login and logout with
 * their CSRF requests, carrying the cookies each answer sets. Pure.
 */
import type { Request } from 'autocannon';
import type { Workload } from '../../core/results.ts';
import { fill } from '../profile/request.ts';
import type { Placeholders } from '../profile/request.ts';
import type { Profile, ProfileCsrf, ProfileRequest } from '../profile/types.ts';

/** The workloads a profile can drive; `anon` has no meaning for an app's own routes. */
export const PROFILE_WORKLOADS: readonly Workload[] = ['read', 'write', 'mixed', 'login-churn'];

/** Stand-ins for `{csrf}` and `{value}` that survive JSON and form encoding unchanged. */
const CSRF = 'SLCSRFTOKEN0';
const VALUE = 'SLBENCHVALUE0';

export interface ProfileLoadStep {
  method: ProfileRequest['method'];
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** How the body encodes a placeholder's value. */
  encoding: 'json' | 'form' | 'none';
  /** `session`: the connection's own session cookie; `jar`: the cookies this loop was given. */
  cookie: 'session' | 'jar';
  /** Group 1 of this regex in the answer is the CSRF token of the next steps. */
  csrfRegex?: string;
}

/** Why `profile` cannot drive `workload`, or undefined when it can. */
export function profileWorkloadGap(profile: Profile, workload: Workload): string | undefined {
  if (workload === 'anon') return 'the anon workload reads the CONTRACT.md data routes';
  if ((workload === 'write' || workload === 'mixed') && profile.write === undefined)
    return `the ${workload} workload needs the profile's "write"`;
  if (workload === 'login-churn' && profile.logout === undefined)
    return `the login-churn workload needs the profile's "logout"`;
  return undefined;
}

function stepOf(
  profile: Profile,
  request: ProfileRequest,
  vars: Placeholders,
  cookie: ProfileLoadStep['cookie'],
  csrfRegex?: string,
): ProfileLoadStep {
  const all = { ...vars, csrf: CSRF, value: VALUE };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...profile.headers, ...request.headers }))
    headers[name.toLowerCase()] = fill(value, all);
  const step: ProfileLoadStep = {
    method: request.method,
    path: fill(request.path, all, encodeURIComponent),
    headers,
    encoding: 'none',
    cookie,
    ...(csrfRegex === undefined ? {} : { csrfRegex }),
  };
  if (request.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    step.body = fill(JSON.stringify(request.json), all, (s) => JSON.stringify(s).slice(1, -1));
    step.encoding = 'json';
  }
  if (request.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    step.body = new URLSearchParams(
      Object.entries(request.form).map(([k, v]): [string, string] => [k, fill(v, all)]),
    ).toString();
    step.encoding = 'form';
  }
  return step;
}

/** A step with its CSRF request first, both on the loop's own cookies. */
function withCsrf(
  profile: Profile,
  request: ProfileRequest,
  csrf: ProfileCsrf | undefined,
  vars: Placeholders,
): ProfileLoadStep[] {
  const main = stepOf(profile, request, vars, 'jar');
  return csrf === undefined
    ? [main]
    : [stepOf(profile, csrf.request, vars, 'jar', csrf.regex), main];
}

/** The steps of one loop of `workload` through `profile` (see profileWorkloadGap first). */
export function profileStepsFor(
  profile: Profile,
  workload: Workload,
  vars: Placeholders,
): ProfileLoadStep[] {
  const readRequest = profile.read?.request ?? profile.whoami.request;
  const read = stepOf(profile, readRequest, vars, 'session');
  const write = () =>
    stepOf(profile, (profile.write as { request: ProfileRequest }).request, vars, 'session');
  switch (workload) {
    case 'read':
      return [read];
    case 'write':
      return [write()];
    case 'mixed':
      return [...Array.from({ length: 9 }, () => read), write()];
    case 'login-churn': {
      const logout = profile.logout as NonNullable<Profile['logout']>;
      return [
        ...withCsrf(profile, profile.login.request, profile.login.csrf, vars),
        ...withCsrf(profile, logout.request, logout.csrf, vars),
      ];
    }
    case 'anon':
      return [];
  }
}

interface LoopContext {
  /** Cookie name → value, from the answers of this loop. */
  jar?: Record<string, string>;
  csrf?: string;
}

function remember(context: LoopContext, headers: Record<string, unknown>): void {
  const raw = Object.entries(headers).find(([n]) => n.toLowerCase() === 'set-cookie')?.[1];
  const lines = (Array.isArray(raw) ? raw : [raw]).filter(
    (l): l is string => typeof l === 'string',
  );
  const jar = (context.jar ??= {});
  for (const line of lines) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (/;\s*max-age\s*=\s*0\b/i.test(line)) delete jar[name];
    else jar[name] = pair.slice(eq + 1).trim();
  }
}

/** The autocannon requests of one connection whose session cookie is `cookie`. */
export function profileAutocannonRequests(
  steps: readonly ProfileLoadStep[],
  cookie: string,
): Request[] {
  let written = 0;
  return steps.map((step) => {
    const request: Request = { method: step.method, path: step.path, headers: step.headers };
    if (step.body !== undefined) request.body = step.body;
    request.setupRequest = (built, raw) => {
      const context = raw as LoopContext;
      const token = context.csrf ?? '';
      const value = `w${++written}`;
      const encode = (s: string): string =>
        step.encoding === 'form' ? encodeURIComponent(s) : JSON.stringify(s).slice(1, -1);
      const jar = Object.entries(context.jar ?? {})
        .map(([n, v]) => `${n}=${v}`)
        .join('; ');
      const sent = step.cookie === 'session' ? cookie : jar;
      const headers: Record<string, string> = { ...step.headers };
      if (sent !== '') headers.cookie = sent;
      return {
        ...built,
        path: step.path.replaceAll(CSRF, encodeURIComponent(token)).replaceAll(VALUE, value),
        headers,
        ...(step.body === undefined
          ? {}
          : { body: step.body.replaceAll(CSRF, encode(token)).replaceAll(VALUE, encode(value)) }),
      };
    };
    request.onResponse = (_status, body, raw, headers) => {
      const context = raw as LoopContext;
      if (step.cookie === 'jar') remember(context, headers ?? {});
      if (step.csrfRegex !== undefined) {
        const token = new RegExp(step.csrfRegex).exec(body)?.[1];
        if (token !== undefined) context.csrf = token;
      }
    };
    return request;
  });
}
