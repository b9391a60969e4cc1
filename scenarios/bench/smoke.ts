/**
 * Verify before measuring: a target is only benchmarked once a login on one node is read on
 * another (and through nginx), and logout ends the session everywhere. Also the known request
 * script the store operations per request are counted around.
 */
import { randomBytes } from 'node:crypto';
import type { Workload } from '../../core/results.ts';
import { BENCH_KEY, BENCH_VALUE } from '../../reference-servers/bench/nosession-app.ts';
import { SessionClient } from '../conformance/client.ts';
import type { Reply } from '../conformance/client.ts';
import { loginWithData, syntheticCookies } from './sessions.ts';
import type { RunningTarget } from './targets.ts';
import { stepsFor, UNIQUE_ID } from './workloads.ts';

/** Requests the known script sends (whole loops of the workload's steps). */
const SCRIPT_REQUESTS = 20;
const DATA_PATH = `/session/data/${BENCH_KEY}`;
const randomId = (): string => randomBytes(12).toString('base64url');

export interface SmokeResult {
  passed: boolean;
  /** One sentence per failed check. */
  failures: string[];
}

export async function smokeTarget(target: RunningTarget, password: string): Promise<SmokeResult> {
  const failures: string[] = [];
  try {
    if (target.spec.sessions) await smokeSessions(target, password, failures);
    else await smokeConstant(target, failures);
  } catch (error) {
    failures.push(`request failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { passed: failures.length === 0, failures };
}

async function smokeSessions(
  target: RunningTarget,
  password: string,
  failures: string[],
): Promise<void> {
  const first = target.nodes[0];
  const last = target.nodes.at(-1);
  if (first === undefined || last === undefined) throw new Error('the target has no node');
  const client = await loginWithData(first.url, 'smoke', password);
  const expectValue = (reply: Reply, where: string): void => {
    const value = (reply.body as { value?: unknown } | undefined)?.value;
    if (reply.status !== 200 || value !== BENCH_VALUE)
      failures.push(`read at ${where} after login at ${first.id}: ${reply.status} ${reply.text}`);
  };
  const crossNode = await client.request(last.url, 'GET', DATA_PATH);
  expectValue(crossNode, last.id);
  if (crossNode.node !== last.id) failures.push(`${last.url} answered as ${crossNode.node}`);
  if (target.nginx !== undefined) {
    for (let i = 0; i < target.nodes.length; i++)
      expectValue(await client.request(target.nginx.entry, 'GET', DATA_PATH), 'nginx');
  }
  const cookie = client.cookie;
  const logout = await client.request(first.url, 'POST', '/logout');
  if (logout.status !== 204)
    failures.push(`logout at ${first.id}: ${logout.status} ${logout.text}`);
  const afterLogout = await new SessionClient().request(last.url, 'GET', DATA_PATH, { cookie });
  if (afterLogout.status !== 404)
    failures.push(`read at ${last.id} after logout: ${afterLogout.status}, expected 404`);
}

async function smokeConstant(target: RunningTarget, failures: string[]): Promise<void> {
  const [cookie = ''] = syntheticCookies(1);
  const urls = [
    ...target.nodes.map((node) => node.url),
    ...(target.nginx ? [target.nginx.entry] : []),
  ];
  for (const url of urls) {
    const reply = await new SessionClient().request(url, 'GET', DATA_PATH, { cookie });
    const value = (reply.body as { value?: unknown } | undefined)?.value;
    if (reply.status !== 200 || value !== BENCH_VALUE)
      failures.push(`read at ${url}: ${reply.status} ${reply.text}`);
  }
}

/**
 * Prepares the known script of `workload` at `baseUrl` (a fresh session, so no TTL refresh is
 * due) and returns it: it sends whole loops of the workload's steps, about 20 requests, one at
 * a time, and resolves with how many it sent.
 */
export async function prepareScript(
  baseUrl: string,
  workload: Workload,
  sessions: boolean,
  password: string,
): Promise<() => Promise<number>> {
  const steps = stepsFor(workload, 'script', password);
  const cookie = sessions
    ? (await loginWithData(baseUrl, 'script', password)).cookie
    : (syntheticCookies(1)[0] ?? '');
  const loops = Math.max(1, Math.round(SCRIPT_REQUESTS / steps.length));
  return async () => {
    const client = new SessionClient();
    for (let loop = 0; loop < loops; loop++) {
      for (const step of steps) {
        const body =
          step.body === undefined
            ? {}
            : {
                rawBody: JSON.stringify(step.body).replaceAll(UNIQUE_ID, `${loop}-${randomId()}`),
                headers: { 'content-type': 'application/json' },
              };
        const sent =
          step.cookie === 'session' ? { cookie } : step.cookie === 'none' ? { cookie: '' } : {};
        await client.request(baseUrl, step.method, step.path, { ...body, ...sent });
      }
    }
    return loops * steps.length;
  };
}
