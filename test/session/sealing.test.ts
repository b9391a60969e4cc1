import t from 'tap';
import { metaValue, readField, resealUser, toStoreOps } from '../../session/codec.ts';
import { SealingRing } from '../../session/sealing.ts';

const e1 = { id: 'e1', secret: 'c'.repeat(32) };
const e2 = { id: 'e2', secret: 'd'.repeat(32) };

t.test('a sealed value opens for the same session and field only', async (t) => {
  const ring = new SealingRing([e1]);
  const sealed = ring.seal('{"card":"4111"}', 'sid-1', 'd:pay');
  t.ok(SealingRing.isSealed(sealed));
  t.notMatch(sealed, /4111/, 'no plaintext in the stored form');
  t.equal(ring.open(sealed, 'sid-1', 'd:pay'), '{"card":"4111"}');
  t.equal(ring.open(sealed, 'sid-2', 'd:pay'), null, 'moved to another session');
  t.equal(ring.open(sealed, 'sid-1', 'd:other'), null, 'moved to another key');
});

t.test('sealing the same value twice gives different ciphertexts', async (t) => {
  const ring = new SealingRing([e1]);
  t.not(ring.seal('x', 's', 'd:k'), ring.seal('x', 's', 'd:k'));
});

t.test('values under an older key stay readable; retired keys do not', async (t) => {
  const old = new SealingRing([e2]).seal('"v"', 's', 'd:k');
  t.equal(new SealingRing([e1, e2]).open(old, 's', 'd:k'), '"v"');
  t.equal(new SealingRing([e1]).open(old, 's', 'd:k'), null);
  t.match(
    new SealingRing([e1, e2]).seal('"v"', 's', 'd:k'),
    /^\$s1\.e1\./,
    'new seals use the primary',
  );
});

t.test('an altered ciphertext does not open', async (t) => {
  const ring = new SealingRing([e1]);
  const sealed = ring.seal('"secret"', 's', 'd:k');
  const body = Buffer.from(sealed.slice('$s1.e1.'.length), 'base64url');
  for (const at of [0, 13, body.length - 1]) {
    const copy = Buffer.from(body);
    copy[at] = (copy[at] ?? 0) ^ 1;
    t.equal(ring.open(`$s1.e1.${copy.toString('base64url')}`, 's', 'd:k'), null, `byte ${at}`);
  }
  t.equal(ring.open('$s1.e1.short', 's', 'd:k'), null);
  t.equal(ring.open('$s1.nodot', 's', 'd:k'), null);
});

t.test('of the metadata only the user name is sealed, and only with a ring', async (t) => {
  const ring = new SealingRing([e1]);
  const user = metaValue('m:u', 'alice', 'sid-1', ring);
  t.match(user, /^\$s1\.e1\./);
  t.equal(readField({ 'm:u': user }, 'm:u', 'sid-1', ring), 'alice');
  t.equal(readField({ 'm:u': user }, 'm:u', 'sid-2', ring), undefined, 'bound to the session');
  t.equal(metaValue('m:x', '1700000000000', 'sid-1', ring), '1700000000000', 'deadline in clear');
  t.equal(metaValue('m:u', 'alice', 'sid-1', undefined), 'alice', 'no ring: in clear');
});

t.test('a user name in clear reads as is and is sealed by the next write', async (t) => {
  const ring = new SealingRing([e1]);
  t.equal(readField({ 'm:u': 'alice' }, 'm:u', 'sid-1', ring), 'alice');
  t.same(resealUser({ 'm:u': 'alice' }, 'sid-1', ring), [
    { op: 'meta', field: 'm:u', value: 'alice' },
  ]);
  const [op] = toStoreOps(resealUser({ 'm:u': 'alice' }, 'sid-1', ring), 'sid-1', ring);
  t.match(op, { op: 'set', field: 'm:u', value: /^\$s1\.e1\./ });
  t.same(
    resealUser({ 'm:u': metaValue('m:u', 'alice', 'sid-1', ring) }, 'sid-1', ring),
    [],
    'sealed',
  );
  t.same(resealUser({ 'm:u': 'alice' }, 'sid-1', undefined), [], 'no ring');
  t.same(resealUser({}, 'sid-1', ring), [], 'anonymous');
});

t.test(
  'a user name under an older key is re-sealed under the primary; an unknown one is not',
  async (t) => {
    const older = metaValue('m:u', 'alice', 'sid-1', new SealingRing([e2]));
    const [op] = toStoreOps(
      resealUser({ 'm:u': older }, 'sid-1', new SealingRing([e1, e2])),
      'sid-1',
      new SealingRing([e1, e2]),
    );
    t.match(op, { op: 'set', field: 'm:u', value: /^\$s1\.e1\./ });
    t.same(
      resealUser({ 'm:u': older }, 'sid-1', new SealingRing([e1])),
      [],
      'e2 retired: nothing to open',
    );
    t.same(resealUser({ 'm:u': older }, 'sid-2', new SealingRing([e1, e2])), [], 'another session');
  },
);
