/**
 * The Fastify app (examples/fastify-notes) on 2 nodes behind nginx with a real redis, checked
 * from its profile: what @fastify/session gets right passes, its lost counter updates fail.
 */
import t from 'tap';
import { verifyProfile } from '../../scenarios/profile/verify.ts';
import {
  CACHEABLE,
  COOKIE_CHECKS_PASSED,
  NO_ANONYMOUS_DATA,
  exampleBehindNginx,
  verdictsOf,
} from '../helpers/example-app.ts';

const profile = await exampleBehindNginx(t, {
  name: 'fastify-notes',
  env: { APP_PASSWORD: 'notes-pw', IDLE_TIMEOUT_MS: '3000' },
  readyPath: '/api/note',
  cookieName: 'sessionId',
});

t.test(
  'profile check: the JSON login, the note, the counter and the logout all work',
  async (t) => {
    const steps = await verifyProfile(profile);
    t.same(
      steps.filter((s) => !s.ok),
      [],
    );
    t.equal(steps.length, 7);
  },
);

t.test(
  'the catalogue through the profile: lost counter updates FAIL, logout and idle expiry PASS',
  async (t) => {
    const seen = await verdictsOf(profile);
    t.match(
      seen['SL-XN-04'],
      /^FAIL: 500 increments acknowledged, but the counter went from 0 to \d+: \d+ lost updates/,
    );
    // No cookie before login (saveUninitialized: false, anonymous writes refused): nothing to fixate.
    t.match(seen['SL-FX-02'], /^UNKNOWN: the app set no cookie before login/);
    t.match(seen['SL-LO-01'], /^PASS/);
    t.match(seen['SL-EX-01'], /^PASS/);
    t.match(seen['SL-XN-01'], /^PASS/);
    for (const id of COOKIE_CHECKS_PASSED) t.match(seen[id], /^PASS/, id);
    t.match(seen['SL-CK-07'], CACHEABLE);
    t.match(seen['SL-FX-04'], NO_ANONYMOUS_DATA);
    // session.destroy() ends the session but sends no Set-Cookie that expires it.
    t.match(seen['SL-LO-02'], /^FAIL: logout did not expire the session cookie/);
  },
);
