/**
 * The Koa app (examples/koa-cart) on 2 nodes behind nginx with a real redis, checked from its
 * profile: what koa-session gets right passes, its lost basket updates fail.
 */
import t from 'tap';
import {
  CACHEABLE,
  COOKIE_CHECKS_PASSED,
  LOST_UPDATES,
  NO_ANONYMOUS_DATA,
  exampleBehindNginx,
  profileCheckOf,
  verdictsOf,
} from '../helpers/example-app.ts';

const profile = await exampleBehindNginx(t, {
  name: 'koa-cart',
  env: { KOA_PASSWORD: 'koa-pw', IDLE_TIMEOUT_MS: '3000' },
  readyPath: '/login',
  cookieName: 'koa.cart',
});

t.test('profile check: form login with CSRF, note, basket and logout work', async (t) => {
  t.same(await profileCheckOf(profile), { failed: [], steps: 7 });
});

t.test('the catalogue: lost basket updates FAIL; fixation, logout, expiry PASS', async (t) => {
  const seen = await verdictsOf(profile);
  t.match(seen['SL-XN-04'], LOST_UPDATES);
  // The login page puts a CSRF token in an anonymous session; login regenerates it.
  t.match(seen['SL-FX-02'], /^PASS/);
  t.match(seen['SL-LO-01'], /^PASS/);
  t.match(seen['SL-EX-01'], /^PASS/);
  t.match(seen['SL-XN-01'], /^PASS/);
  for (const id of COOKIE_CHECKS_PASSED) t.match(seen[id], /^PASS/, id);
  t.match(seen['SL-CK-07'], CACHEABLE);
  t.match(seen['SL-FX-04'], NO_ANONYMOUS_DATA);
  // ctx.session = null sends an expired cookie.
  t.match(seen['SL-LO-02'], /^PASS/);
});
