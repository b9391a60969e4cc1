import t from 'tap';
import { parseProfile } from '../../../scenarios/profile/load.ts';
import { starterProfile } from '../../../scenarios/profile/init.ts';
import { contractProfile } from './contract-profile.ts';

const env = { SL_PROFILE_TEST_PASSWORD: 's3cret' };
const base = contractProfile('http://127.0.0.1:8080', ['http://127.0.0.1:8081'], 'sid');
const text = (change: (p: Record<string, unknown>) => void = () => undefined): string => {
  const copy = structuredClone(base) as unknown as Record<string, unknown>;
  change(copy);
  return JSON.stringify(copy);
};
const usage = (message: RegExp) => ({ code: 'SESSIONLAB_ERR_USAGE', message });

t.test('a valid profile loads with its env: secrets resolved', async (t) => {
  const profile = parseProfile(text(), 'p.json', env);
  t.equal(profile.users[0]?.password, 's3cret');
  t.equal(profile.entry, 'http://127.0.0.1:8080');
});

t.test('a missing environment variable is a usage error naming it', async (t) => {
  t.throws(() => parseProfile(text(), 'p.json', {}), usage(/\$SL_PROFILE_TEST_PASSWORD/));
});

t.test('--entry and --nodes override the file', async (t) => {
  const profile = parseProfile(text(), 'p.json', env, {
    entry: 'http://127.0.0.1:9000',
    nodes: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'],
  });
  t.equal(profile.entry, 'http://127.0.0.1:9000');
  t.same(profile.nodes, ['http://127.0.0.1:9001', 'http://127.0.0.1:9002']);
});

t.test('schema errors name the field and what is allowed', async (t) => {
  t.throws(
    () =>
      parseProfile(
        text((p) => delete p.whoami),
        'p.json',
        env,
      ),
    usage(/whoami: is required/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => ((p.login as { request: { method: string } }).request.method = 'FETCH')),
        'p.json',
        env,
      ),
    usage(/\/login\/request\/method: expected one of GET \| POST \| PUT \| PATCH \| DELETE/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => (p.profile = 2)),
        'p.json',
        env,
      ),
    usage(/\/profile: expected 1/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => (p.cookiename = 'x')),
        'p.json',
        env,
      ),
    usage(/unknown field "cookiename"/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => ((p.login as { request: Record<string, unknown> }).request.form = { a: 'b' })),
        'p.json',
        env,
      ),
    usage(/\/login\/request: give at most one of "json" and "form"/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => (p.entry = 'staging.example.com')),
        'p.json',
        env,
      ),
    usage(/\/entry: expected to match/),
  );
  t.throws(
    () =>
      parseProfile(
        text((p) => delete p.read),
        'p.json',
        env,
      ),
    usage(/read/),
  );
});

t.test('a regex that does not compile is named by its field', async (t) => {
  t.throws(
    () =>
      parseProfile(
        text((p) => ((p.whoami as { loggedIn: Record<string, unknown> }).loggedIn.bodyRegex = '(')),
        'p.json',
        env,
      ),
    usage(/\/whoami\/loggedIn\/bodyRegex: Invalid regular expression/),
  );
});

t.test('text that is not JSON says so', async (t) => {
  t.throws(() => parseProfile('{', 'p.json', env), usage(/p\.json is not JSON/));
});

t.test('profile init writes a starter that loads', async (t) => {
  const starter = starterProfile({
    entry: 'http://127.0.0.1:3000',
    user: 'alice',
    passwordEnv: 'SHOP_PASSWORD',
    loginPath: '/login',
    userField: 'email',
    passwordField: 'password',
    csrfField: '_csrf',
    whoamiPath: '/account',
    loggedInRegex: 'Signed in as {user}',
    logoutPath: '/logout',
  });
  const loaded = parseProfile(JSON.stringify(starter), 'starter', { SHOP_PASSWORD: 'pw' });
  t.same(loaded.login.request.form, { email: '{user}', password: '{password}', _csrf: '{csrf}' });
  t.equal(loaded.login.csrf?.regex, 'name="_csrf" value="([^"]+)"');
  t.equal(loaded.users[0]?.password, 'pw');
  t.same(loaded.logout?.request, { method: 'POST', path: '/logout' });
});
