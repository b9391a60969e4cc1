/**
 * The `envelope` cookie format: the signed id sealed under a fresh IV, re-issued on every
 * successful response; anything that does not open is no session (401, never 5xx).
 */
import t from 'tap';
import { CookieEnvelope } from '../../session/envelope.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from './app.ts';

const k1 = { id: 'k1', secret: '1'.repeat(32) };
const k2 = { id: 'k2', secret: '2'.repeat(32) };

t.test('an envelope opens to what was sealed, under any key of the ring', async (t) => {
  const sealed = new CookieEnvelope([k2]).seal('id.k2.mac');
  t.match(sealed, /^[A-Za-z0-9_-]+$/, 'base64url, no separators');
  t.equal(new CookieEnvelope([k1, k2]).open(sealed), 'id.k2.mac');
  t.equal(new CookieEnvelope([k1]).open(sealed), null, 'a key not in the ring does not open it');
});

t.test('the same value sealed twice gives two different envelopes', async (t) => {
  const envelope = new CookieEnvelope([k1]);
  t.not(envelope.seal('id.k1.mac'), envelope.seal('id.k1.mac'));
});

t.test('an altered, truncated, extended or non-canonical envelope does not open', async (t) => {
  const envelope = new CookieEnvelope([k1]);
  const sealed = envelope.seal('id.k1.mac');
  const flipped = `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`;
  for (const bad of [flipped, sealed.slice(0, -1), `${sealed}AAAA`, `${sealed}=`, '', 'short'])
    t.equal(envelope.open(bad), null, bad.slice(0, 30));
});

const server = await redisFor(t);

t.test('an envelope engine re-issues the cookie on every success, never on a 401', async (t) => {
  const store = new RedisStore({ url: server.url, timeoutMs: 500 });
  await store.connect();
  t.teardown(() => store.close());
  const node = await startTestNode(t, { store, signingKeys: [k1], cookieFormat: 'envelope' });
  const anonymous = await node.request('PUT', '/data/x', { body: { value: 1 } });
  const first = cookieFrom(anonymous);
  t.equal(anonymous.status, 204);
  const read = await node.request('GET', '/data/x', { cookie: first });
  t.equal(read.status, 200);
  t.same(read.body, { value: 1 });
  const second = cookieFrom(read);
  t.not(second, first, 'a read re-seals the cookie');
  t.same(
    (await node.request('GET', '/data/x', { cookie: first })).body,
    { value: 1 },
    'the old envelope still opens',
  );
  const me = await node.request('GET', '/me', { cookie: second });
  t.equal(me.status, 401);
  t.same(me.setCookie, [], 'a 401 sets no cookie');
  const [name = '', value = ''] = second.split('=');
  const forged = await node.request('GET', '/data/x', {
    cookie: `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`,
  });
  t.equal(forged.status, 404, 'a broken envelope is no session');
  t.same(forged.setCookie, []);
});
