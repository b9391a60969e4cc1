import t from 'tap';
import { SigningRing, generateId } from '../../session/signing.ts';

const k1 = { id: 'k1', secret: 'a'.repeat(32) };
const k2 = { id: 'k2', secret: 'b'.repeat(32) };

t.test('ids carry 256 random bits, url-safe', async (t) => {
  const ids = new Set(Array.from({ length: 1000 }, () => generateId(32)));
  t.equal(ids.size, 1000, 'no repeats in 1,000 ids');
  for (const id of ids) t.match(id, /^[A-Za-z0-9_-]{43}$/);
});

t.test('a value signed by the primary verifies and is not stale', async (t) => {
  const ring = new SigningRing([k1, k2]);
  const id = generateId(32);
  const value = ring.sign(id);
  t.match(value, new RegExp(`^${id}\\.k1\\.[A-Za-z0-9_-]{43}$`));
  t.same(ring.verify(value), { id, stale: false });
});

t.test('a value signed by an older key verifies and is marked for re-issue', async (t) => {
  const id = generateId(32);
  const old = new SigningRing([k2]).sign(id);
  t.same(new SigningRing([k1, k2]).verify(old), { id, stale: true });
  t.equal(new SigningRing([k1]).verify(old), null, 'a retired key no longer verifies');
});

t.test('flipping any bit of any part is rejected', async (t) => {
  const ring = new SigningRing([k1]);
  const value = ring.sign(generateId(32));
  let accepted = 0;
  for (let i = 0; i < value.length; i++) {
    for (let bit = 0; bit < 7; bit++) {
      const flipped =
        value.slice(0, i) +
        String.fromCharCode(value.charCodeAt(i) ^ (1 << bit)) +
        value.slice(i + 1);
      if (ring.verify(flipped) !== null) accepted++;
    }
  }
  t.equal(accepted, 0, 'no altered value verified');
});

t.test('malformed values are rejected without throwing', async (t) => {
  const ring = new SigningRing([k1]);
  for (const value of [
    '',
    '.',
    '..',
    'abc',
    'a.b.c.d',
    `${generateId(32)}.k9.xyz`,
    'é'.repeat(50),
    '%00',
  ]) {
    t.equal(ring.verify(value), null, JSON.stringify(value));
  }
});
