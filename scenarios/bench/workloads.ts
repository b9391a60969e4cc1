/**
 * What one bench connection sends, in a loop, per workload: as plain steps (the store-ops script
 * replays them with the scenario client) and as autocannon requests carrying that connection's
 * own session cookie. Pure.
 */
import type { Request } from 'autocannon';
import type { Workload } from '../../core/results.ts';
import { BENCH_KEY, BENCH_VALUE } from '../../reference-servers/bench/nosession-app.ts';

export const WORKLOADS: readonly Workload[] = ['read', 'write', 'mixed', 'login-churn', 'anon'];

/** Replaced by a fresh id in every request body, so that each write changes the session. */
export const UNIQUE_ID = '[<id>]';

/** Writes per read in `mixed`: one write after this many reads. */
const MIXED_READS = 9;

export interface Step {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** `session`: the connection's own cookie; `login`: the one the last login set; `none`. */
  cookie: 'session' | 'login' | 'none';
  /** Remember the Set-Cookie of the answer for later `login` steps. */
  keepsCookie?: boolean;
}

const DATA_PATH = `/session/data/${BENCH_KEY}`;

/** The steps of one loop of `workload`; `user`/`password` are for login-churn. */
export function stepsFor(workload: Workload, user: string, password: string): Step[] {
  const read: Step = { method: 'GET', path: DATA_PATH, cookie: 'session' };
  const write: Step = {
    method: 'PUT',
    path: DATA_PATH,
    body: { value: `${BENCH_VALUE}:${UNIQUE_ID}` },
    cookie: 'session',
  };
  switch (workload) {
    case 'read':
      return [read];
    case 'write':
      return [write];
    case 'mixed':
      return [...Array.from({ length: MIXED_READS }, () => read), write];
    case 'login-churn':
      return [
        {
          method: 'POST',
          path: '/login',
          body: { user, password },
          cookie: 'none',
          keepsCookie: true,
        },
        { method: 'POST', path: '/logout', cookie: 'login' },
      ];
    case 'anon':
      return [{ method: 'GET', path: '/session/data', cookie: 'none' }];
  }
}

/** `name=value` of the first Set-Cookie line, from headers in any letter case. */
export function cookieFromHeaders(
  headers: Record<string, unknown> | undefined,
): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'set-cookie');
  const value: unknown = entry?.[1];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.split(';', 1)[0] : undefined;
}

interface LoginContext {
  cookie?: string;
}

/** The autocannon requests of one connection whose session cookie is `cookie`. */
export function autocannonRequests(steps: readonly Step[], cookie: string): Request[] {
  return steps.map((step) => {
    const headers: Record<string, string> = {};
    if (step.body !== undefined) headers['content-type'] = 'application/json';
    if (step.cookie === 'session' && cookie !== '') headers.cookie = cookie;
    const request: Request = { method: step.method, path: step.path, headers };
    const body = step.body === undefined ? undefined : JSON.stringify(step.body);
    if (body !== undefined) request.body = body;
    if (step.keepsCookie) {
      request.onResponse = (_status, _body, context, responseHeaders) => {
        const kept = cookieFromHeaders(responseHeaders);
        if (kept !== undefined) (context as LoginContext).cookie = kept;
      };
    }
    if (body?.includes(UNIQUE_ID)) {
      // Not autocannon's idReplacement: its Content-Length guesses the id length (v8).
      let written = 0;
      request.setupRequest = (built) => ({
        ...built,
        body: body.replace(UNIQUE_ID, `w${++written}`),
      });
    }
    if (step.cookie === 'login') {
      request.setupRequest = (built, context) => {
        const kept = (context as LoginContext).cookie;
        return kept === undefined
          ? built
          : { ...built, headers: { ...built.headers, cookie: kept } };
      };
    }
    return request;
  });
}
