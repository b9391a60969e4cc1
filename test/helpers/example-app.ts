/**
 * An example app (examples/NAME/app.ts) on 2 nodes behind nginx with a real redis, for one tap
 * test, and its profile loaded with the test's URLs. Everything stops at teardown.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { freePorts } from '../../orchestrator/ports.ts';
import { ManagedProcess } from '../../orchestrator/process.ts';
import { runConformance } from '../../scenarios/conformance/run.ts';
import { parseProfile } from '../../scenarios/profile/load.ts';
import { verifyProfile } from '../../scenarios/profile/verify.ts';
import type { Profile } from '../../scenarios/profile/types.ts';
import { nginxFor } from './nginx.ts';
import { redisFor } from './services.ts';

export interface ExampleOptions {
  /** The folder under examples/. */
  name: string;
  /** The app's own environment (its password variable, idle timeout). */
  env: Record<string, string>;
  /** A path that answers (any status below 500) once the app is up. */
  readyPath: string;
  cookieName: string;
}

export async function exampleBehindNginx(t: Test, o: ExampleOptions): Promise<Profile> {
  const redis = await redisFor(t);
  const ports = await freePorts(2);
  const dir = await mkdtemp(join(tmpdir(), `sessionlab-${o.name}-`));
  t.teardown(async () => {
    if (t.passing()) await rm(dir, { recursive: true, force: true });
    else console.error(`sessionlab: ${o.name} logs kept in ${dir}`);
  });
  for (const port of ports) {
    const url = `http://127.0.0.1:${port}`;
    const app = new ManagedProcess({
      name: `${o.name} at ${url}`,
      command: process.execPath,
      args: ['--import', 'tsx', `examples/${o.name}/app.ts`],
      env: { ...process.env, ...o.env, PORT: String(port), REDIS_URL: redis.url },
      cwd: PROJECT_ROOT,
      logFile: join(dir, `${o.name}-${port}.log`),
      ready: async () =>
        ((await fetch(`${url}${o.readyPath}`).catch(() => undefined))?.status ?? 500) < 500,
      readyTimeoutMs: 60_000,
    });
    await app.start();
    t.teardown(() => app.stop());
  }
  const nginx = await nginxFor(t, {
    upstreams: ports.map((port) => ({ host: '127.0.0.1', port })),
    cookieName: o.cookieName,
  });
  const file = `examples/${o.name}/profile.json`;
  return parseProfile(await readFile(join(PROJECT_ROOT, file), 'utf8'), file, o.env, {
    entry: nginx.entry,
    nodes: ports.map((port) => `http://127.0.0.1:${port}`),
  });
}

/** The failing steps of `sessionlab profile check` (none expected) and how many ran. */
export async function profileCheckOf(
  profile: Profile,
): Promise<{ failed: Awaited<ReturnType<typeof verifyProfile>>; steps: number }> {
  const steps = await verifyProfile(profile);
  return { failed: steps.filter((s) => !s.ok), steps: steps.length };
}

/**
 * The catalogue through `profile`: each check id → "VERDICT: why". Without SL-LO-03: its 50
 * raced logouts decide nothing these tests may pin (a race) and slow the expiry probes.
 */
export async function verdictsOf(profile: Profile): Promise<Record<string, string>> {
  const { report } = await runConformance({ kind: 'profile', profile }, { skip: ['SL-LO-03'] });
  return Object.fromEntries(report.checks.map((c) => [c.id, `${c.verdict}: ${c.why}`]));
}

/**
 * What every example passes: HttpOnly, SameSite, Path=/ host-only, size, a tampered cookie
 * logged out, the cookie in no body.
 */
export const COOKIE_CHECKS_PASSED = [
  'SL-CK-01',
  'SL-CK-03',
  'SL-CK-05',
  'SL-CK-06',
  'SL-ID-02',
  'SL-ID-03',
];
/** SL-FX-04 on an app that refuses anonymous writes. */
export const NO_ANONYMOUS_DATA =
  /^UNKNOWN: still anonymous after the failed login, but the app keeps no anonymous data/;
/** SL-CK-07 on an app that sends no Cache-Control: no-store. */
export const CACHEABLE = /^FAIL: .+ lack Cache-Control: no-store$/;

/** SL-XN-04's verdict on an app whose session library writes the whole session back. */
export const LOST_UPDATES =
  /^FAIL: 500 increments acknowledged, but the counter went from 0 to \d+: \d+ lost updates/;
