/**
 * The Express shop (examples/express-shop) on 2 nodes behind nginx with a real redis, checked
 * from its profile: what express-session gets right passes, its lost cart updates fail.
 */
import t from 'tap';
import { verifyProfile } from '../../scenarios/profile/verify.ts';
import {
  CACHEABLE,
  COOKIE_CHECKS_PASSED,
  exampleBehindNginx,
  verdictsOf,
} from '../helpers/example-app.ts';

const profile = await exampleBehindNginx(t, {
  name: 'express-shop',
  env: { SHOP_PASSWORD: 'shop-pw', IDLE_TIMEOUT_MS: '3000' },
  readyPath: '/login',
  cookieName: 'connect.sid',
});

t.test('profile check: the form login with CSRF, the cart and the logout all work', async (t) => {
  const steps = await verifyProfile(profile);
  t.same(
    steps.filter((s) => !s.ok),
    [],
  );
  t.equal(steps.length, 6);
});

t.test('the catalogue through the profile: lost cart updates FAIL, the rest holds', async (t) => {
  const seen = await verdictsOf(profile);
  t.match(
    seen['SL-XN-04'],
    /^FAIL: 500 increments acknowledged, but the counter went from 0 to \d+: \d+ lost updates/,
  );
  t.match(seen['SL-FX-02'], /^PASS/);
  t.match(seen['SL-LO-01'], /^PASS/);
  t.match(seen['SL-EX-01'], /^PASS/);
  t.match(seen['SL-XN-01'], /^SKIPPED: skipped: the profile has no "write" and "read"/);
  for (const id of COOKIE_CHECKS_PASSED) t.match(seen[id], /^PASS/, id);
  t.match(seen['SL-CK-07'], CACHEABLE);
  // res.clearCookie() at logout.
  t.match(seen['SL-LO-02'], /^PASS/);
});
