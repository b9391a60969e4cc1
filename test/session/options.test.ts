import t from 'tap';
import { resolveSessionOptions } from '../../session/options.ts';
import type { SessionOptions } from '../../session/options.ts';
import { MemoryStore } from '../../stores/memory.ts';

const base = (): SessionOptions => ({
  store: new MemoryStore(),
  signingKeys: [{ id: 'k1', secret: 's'.repeat(32) }],
});

t.test('defaults are filled in, and 0 stays a value', async (t) => {
  const resolved = resolveSessionOptions({ ...base(), absoluteTimeoutMs: 0, maxSessionBytes: 0 });
  t.equal(resolved.cookieName, 'sid');
  t.equal(resolved.sameSite, 'Lax');
  t.equal(resolved.idleTimeoutMs, 1_800_000);
  t.equal(resolved.touchAfterMs, 60_000);
  t.equal(resolved.absoluteTimeoutMs, 0);
  t.equal(resolved.maxSessionBytes, 0);
  t.equal(resolved.storeTimeoutMs, 1000);
  t.equal(resolved.idBytes, 32);
});

t.test('bad options throw at start-up naming the field', async (t) => {
  const cases: [Partial<SessionOptions>, RegExp][] = [
    [{ signingKeys: [] }, /signingKeys: expected at least one key/],
    [
      { signingKeys: [{ id: 'k1', secret: 'short' }] },
      /signingKeys "k1": the secret must have at least 32 characters/,
    ],
    [
      { signingKeys: [{ id: 'bad id', secret: 's'.repeat(32) }] },
      /invalid signingKeys id "bad id"/,
    ],
    [{ cookieName: 'a b' }, /invalid cookieName "a b"/],
    [{ idleTimeoutMs: 10 }, /invalid idleTimeoutMs 10: expected an integer >= 1000/],
    [{ idBytes: 16 }, /invalid idBytes 16: expected an integer >= 32/],
    [
      { idleTimeoutMs: 2000, touchAfterMs: 2000 },
      /invalid touchAfterMs 2000: expected less than idleTimeoutMs 2000/,
    ],
    [{ trustedProxies: ['nginx'] }, /invalid trustedProxies entry "nginx"/],
    [
      { forceSecureCookie: 'yes' as unknown as boolean },
      /invalid forceSecureCookie yes: expected true \| false/,
    ],
  ];
  for (const [patch, message] of cases) {
    t.throws(() => resolveSessionOptions({ ...base(), ...patch } as SessionOptions), {
      code: 'SESSIONLAB_ERR_INVALID_OPTION',
      message,
    });
  }
});

t.test('trusted proxies accept addresses and CIDR blocks', async (t) => {
  const { trustedProxies } = resolveSessionOptions({
    ...base(),
    trustedProxies: ['127.0.0.2', '10.0.0.0/8', '::1'],
  });
  t.equal(trustedProxies.check('127.0.0.2', 'ipv4'), true);
  t.equal(trustedProxies.check('10.1.2.3', 'ipv4'), true);
  t.equal(trustedProxies.check('127.0.0.1', 'ipv4'), false);
  t.equal(trustedProxies.check('::1', 'ipv6'), true);
});
