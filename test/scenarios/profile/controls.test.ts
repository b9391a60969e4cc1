/**
 * The profile checks against the reference servers described by a profile: a correct cluster
 * passes every check a profile can run, and each flaw that breaks a check makes it FAIL. One
 * cluster for the whole file; the flaws are switched by rolling restarts.
 */
import t from 'tap';
import { runConformance } from '../../../scenarios/conformance/run.ts';
import { LOCAL_TIMEOUTS } from '../../../scenarios/conformance/controls.ts';
import { clusterFaults } from '../../../scenarios/conformance/faults.ts';
import { parseProfile } from '../../../scenarios/profile/load.ts';
import { verifyProfile } from '../../../scenarios/profile/verify.ts';
import type { Flaw } from '../../../reference-servers/flaws.ts';
import type { Profile } from '../../../scenarios/profile/types.ts';
import { clusterFor } from '../../helpers/cluster.ts';
import { contractProfile } from './contract-profile.ts';

// One cluster, five rolling restarts and the fault checks: longer than the default 180 s.
t.setTimeout(360_000);
const cluster = await clusterFor(t, { nodes: 2, store: 'redis', tls: true, ...LOCAL_TIMEOUTS });
const nodes = cluster.nodes.map((n) => n.url);
const cookie = (await (await fetch(`${nodes[0]}/contract`)).json()) as { cookieName: string };
const profile = parseProfile(
  JSON.stringify(contractProfile(cluster.nginx.entry, nodes, cookie.cookieName)),
  'contract-profile',
  { SL_PROFILE_TEST_PASSWORD: cluster.password },
);

const faults = clusterFaults(cluster);
// The same cluster through its HTTPS entry: the checks of Secure and __Host- need it.
const httpsProfile = { ...profile, entry: cluster.nginx.entryTls as string };
const HTTPS_ONLY = ['SL-CK-02', 'SL-CK-04'];

const through = async (p: Profile, only: string[], skip: string[] = []) => {
  const { report } = await runConformance(
    { kind: 'profile', profile: p, faults, storeUrl: cluster.stores.url },
    { only, skip },
  );
  return Object.fromEntries(report.checks.map((c) => [c.id, `${c.verdict}: ${c.why}`]));
};
/** The checks `ids`, each through the entry it needs. */
const verdicts = async (ids: string[]) => {
  const https = ids.filter((id) => HTTPS_ONLY.includes(id));
  const http = ids.filter((id) => !HTTPS_ONLY.includes(id));
  return {
    ...(http.length > 0 ? await through(profile, http) : {}),
    ...(https.length > 0 ? await through(httpsProfile, https) : {}),
  };
};

const PORTED = [
  'SL-XN-01',
  'SL-XN-04',
  'SL-FX-02',
  'SL-LO-01',
  'SL-LO-02',
  'SL-LO-03',
  'SL-EX-01',
  'SL-EX-02',
  'SL-EX-03',
  'SL-CK-01',
  'SL-CK-03',
  'SL-CK-05',
  'SL-CK-06',
  'SL-CK-07',
  'SL-FT-01',
  'SL-FT-02',
  'SL-FT-03',
  'SL-FT-04',
  'SL-ST-01',
  'SL-ST-02',
  'SL-FX-04',
  'SL-ID-03',
  'SL-ID-02',
];

t.test('a correct cluster passes every profile check and skips the rest naming why', async (t) => {
  // The timeout checks alone: the 500 increments of SL-XN-04 slow their probes on 2 cores.
  // The fault checks last: a node that restarts slowly then disturbs no other check.
  const seen = {
    ...(await through(profile, [], ['SL-EX-*', 'SL-FT-*'])),
    ...(await through(profile, ['SL-EX-*'])),
    ...(await through(httpsProfile, HTTPS_ONLY)),
    ...(await through(profile, ['SL-FT-*'])),
  };
  for (const id of [...PORTED, ...HTTPS_ONLY]) t.match(seen[id], /^PASS/, id);
  t.match(seen['SL-CT-01'], /^SKIPPED: skipped: contract-only: it checks the exact status codes/);
  t.match(seen['SL-FX-01'], /^SKIPPED: skipped: it compares session ids, and a profile run keeps/);
});

t.test(
  'through the plain-HTTP entry, the HTTPS cookie checks are skipped naming "entry"',
  async (t) => {
    const seen = await through(profile, HTTPS_ONLY);
    for (const id of HTTPS_ONLY)
      t.equal(seen[id], `SKIPPED: skipped: the profile's "entry" is not an https:// URL`, id);
  },
);

// Flaws that cannot break each other's check share a restart (each restart costs ~20 s).
const controls: [Flaw, string][][] = [
  [
    ['memory-store', 'SL-XN-01'],
    ['memory-store', 'SL-FT-03'],
  ],
  [
    ['whole-session-writes', 'SL-XN-04'],
    ['fail-open', 'SL-FT-01'],
    ['single-key', 'SL-FT-04'],
  ],
  // A padded cookie fails its signature: no check that needs a working session shares it.
  [
    ['fat-cookie', 'SL-CK-06'],
    ['logout-keeps-cookie', 'SL-LO-02'],
  ],
  [
    ['no-rotate', 'SL-FX-02'],
    ['no-idle-timeout', 'SL-EX-01'],
    ['no-idle-timeout', 'SL-ST-01'],
    ['no-absolute-timeout', 'SL-EX-03'],
    ['resurrect', 'SL-LO-03'],
    ['logout-on-store-error', 'SL-FT-02'],
    ['no-httponly', 'SL-CK-01'],
    ['no-samesite', 'SL-CK-03'],
    ['insecure-cookie', 'SL-CK-02'],
    ['insecure-cookie', 'SL-CK-04'],
  ],
  [
    ['keep-old-id', 'SL-FX-02'],
    ['cookie-only-logout', 'SL-LO-01'],
    ['cookie-only-logout', 'SL-ST-02'],
    ['wide-cookie-scope', 'SL-CK-05'],
    ['no-cache-control', 'SL-CK-07'],
    ['no-touch', 'SL-EX-02'],
    ['failed-login-destroys', 'SL-FX-04'],
    ['leak-id', 'SL-ID-03'],
    ['skip-signature', 'SL-ID-02'],
  ],
];
for (const group of controls) {
  t.test(group.map(([flaw, id]) => `${id} fails against ${flaw}`).join(', '), async (t) => {
    await cluster.setFlaws([...new Set(group.map(([flaw]) => flaw))]);
    const seen = await verdicts(group.map(([, id]) => id));
    for (const [, id] of group) t.match(seen[id], /^FAIL|^NON_STRICT/, seen[id] ?? 'no result');
  });
}

t.test('profile check walks every step through the entry and reports each', async (t) => {
  await cluster.setFlaws([]);
  const steps = await verifyProfile(profile);
  t.same(
    steps.map((s) => `${s.step} ${s.ok}`),
    [
      'anonymous whoami true',
      'login true',
      'whoami after login true',
      'write and read true',
      'increment true',
      'logout true',
      'whoami after logout true',
    ],
  );
});

t.test('profile check names the failing step and what came back', async (t) => {
  const wrongIndicator = structuredClone(profile);
  wrongIndicator.whoami.loggedIn = { status: [200], bodyRegex: 'Signed in as' };
  const steps = await verifyProfile(wrongIndicator);
  const last = steps.at(-1);
  t.equal(last?.step, 'whoami after login');
  t.equal(last?.ok, false);
  t.match(last?.detail, /GET \/me answered 200, .*neither loggedIn \(body does not match/);
  const badPassword = structuredClone(profile);
  badPassword.users = [{ user: 'alice', password: 'wrong' }];
  const login = (await verifyProfile(badPassword)).at(-1);
  t.match(login, {
    step: 'login',
    ok: false,
    detail: /^login: POST \/login through .* status 401, expected 200/,
  });
});
