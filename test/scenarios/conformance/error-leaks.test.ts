/** What SL-ER-01/02 call a leak in an error body, and what they let through. */
import t from 'tap';
import { leaksIn } from '../../../scenarios/conformance/checks/errors.ts';

t.test('public error messages give nothing away', async (t) => {
  for (const text of [
    '{"error":"session store unavailable; try again shortly"}',
    '{"error":"invalid key: expected [A-Za-z0-9_.-]{1,64}"}',
    '{"error":"wrong user name or password"}',
    '{"error":"no route GET /er-no-such-route"}',
  ])
    t.same(leaksIn(text, 'the-test-password'), [], text);
});

t.test('internals in an error body are named', async (t) => {
  t.same(leaksIn('{"error":"redis unreachable at redis://127.0.0.1:6390"}', 'pw'), [
    'a store URL',
    'a network address',
  ]);
  t.same(leaksIn('{"error":"connect ECONNREFUSED 10.0.0.7:11211"}', 'pw'), [
    'a network address',
    'a socket error',
  ]);
  t.same(leaksIn('Error: boom\n    at open (/srv/app/session/engine.ts:120:11)', 'pw'), [
    'a stack trace',
    'a file path',
  ]);
  t.same(leaksIn('{"error":"login to redis://app:s3cret@cache failed"}', 'pw'), [
    'a store URL',
    'a credential in a URL',
  ]);
  t.same(leaksIn('{"error":"expected password hunter22-long"}', 'hunter22-long'), ['the password']);
});
