/**
 * SL-ID-02's alterations: derived from the cookie's shape, structural ones for parted values,
 * and same-bytes variants (base64 padding bits, hex case) set aside rather than sent.
 */
import t from 'tap';
import { decodesToSameBytes, planAlterations } from '../../../scenarios/conformance/tamper.ts';

const id = 'Q2hvc2VuQnlUaGVTZXJ2ZXIxMjM0NTY3ODkwYWJjZGU';
const mac = 'bWFjbWFjbWFjbWFjbWFjbWFjbWFjbWFjbWFjbWFjbWE';
const signed = `${id}.k1.${mac}`;

t.test('a signed value gets every structural alteration the issue names', async (t) => {
  const labels = planAlterations(signed).alterations.map((a) => a.label);
  for (const label of [
    'part 3 of 3 removed', // signature removed
    'part 2 of 3 removed', // key id removed
    'part 1 of 3 alone (bare)', // bare id
    'part 2 of 3 swapped for key id "k2"', // another, possibly known key id
    'part 2 of 3 swapped for key id "zz-unknown-key"', // an unknown one
    'part 2 of 3 emptied',
    'part 1 of 3 duplicated',
    'truncated by one character',
    'extended by four characters',
  ])
    t.ok(labels.includes(label), label);
  const values = new Map(planAlterations(signed).alterations.map((a) => [a.label, a.value]));
  t.equal(values.get('part 3 of 3 removed'), `${id}.k1`);
  t.equal(values.get('part 2 of 3 removed'), `${id}.${mac}`);
  t.equal(values.get('part 1 of 3 alone (bare)'), id);
  t.equal(values.get('part 2 of 3 swapped for key id "k2"'), `${id}.k2.${mac}`);
  t.equal(values.get('part 2 of 3 emptied'), `${id}..${mac}`);
});

t.test('an opaque value gets flips in every third, truncation and extension', async (t) => {
  const opaque = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0';
  const plan = planAlterations(opaque);
  const flips = plan.alterations.filter((a) => a.label.startsWith('character'));
  t.equal(flips.length + plan.sameBytes.filter((l) => l.startsWith('character')).length, 40);
  t.notOk(
    plan.alterations.some((a) => a.label.startsWith('part')),
    'no parts without separators',
  );
  t.ok(plan.alterations.some((a) => a.label === 'truncated to half'));
});

t.test('a change of base64 padding bits is skipped and counted, not sent', async (t) => {
  // 'QQ' and 'QR' both decode to the single byte 0x41: only padding bits differ.
  const value = `${'QUJD'.repeat(5)}QQ`;
  t.ok(decodesToSameBytes(value, `${'QUJD'.repeat(5)}QR`));
  const plan = planAlterations(value);
  t.ok(plan.sameBytes.includes('character 21 changed'), 'the last character only carries padding');
  t.notOk(plan.alterations.some((a) => a.label === 'character 21 changed'));
  t.ok(
    plan.alterations.some((a) => a.label === 'character 20 changed'),
    'a data bit is a tamper',
  );
});

t.test('hex case is the same bytes; short parts like key ids are compared as text', async (t) => {
  t.ok(decodesToSameBytes('0123456789abcdef0123', '0123456789ABCDEF0123'));
  t.notOk(decodesToSameBytes('0123456789abcdef0123', '0123456789abcdef0124'));
  t.notOk(
    decodesToSameBytes(`${id}.k1.${mac}`, `${id}.k2.${mac}`),
    'k1 and k2 share base64 bytes, but are names',
  );
  t.notOk(decodesToSameBytes(`${id}.k1`, `${id}.k1.${mac}`), 'a different shape is a tamper');
});

t.test('a URL-encoded value is altered decoded and sent encoded again', async (t) => {
  const encoded = encodeURIComponent(`s:${id}.${mac}`);
  const plan = planAlterations(encoded);
  const bare = plan.alterations.find((a) => a.label === 'part 2 of 3 alone (bare)');
  t.equal(bare?.value, id);
  t.equal(plan.alterations.find((a) => a.label === 'part 1 of 3 removed')?.value, `${id}.${mac}`);
  t.ok(
    plan.alterations.every((a) => !a.value.includes(':')),
    'the colon stays encoded',
  );
});
