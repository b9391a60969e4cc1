/**
 * maxSessionsPerUser on a real redis: a login's work is bounded by the limit, not by how many
 * sessions the user has had. Work is counted with INFO commandstats, never timed.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { generateId } from '../../session/signing.ts';
import { RedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';
import { cookieFrom, startTestNode } from './app.ts';
import type { TestNode } from './app.ts';

const server = await redisFor(t);
const KEYS = [{ id: 'k1', secret: 'x'.repeat(32) }];
const TTL = 600_000;
const PRIOR = 3_000;

const admin = new Redis(server.url);
const store = new RedisStore({ url: server.url });
await store.connect();
t.teardown(async () => {
  admin.disconnect();
  await store.close();
});

/** Commands redis ran since the last reset, by name (the INFO itself not counted). */
async function commandsSinceReset(): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name = '', calls = '0'] = match;
    if (name !== 'info') counts.set(name, Number(calls));
  }
  return counts;
}

const total = (counts: Map<string, number>): number =>
  [...counts.values()].reduce((a, b) => a + b, 0);

/** `count` live sessions of `user`, indexed as logins would be (under the node's limit). */
async function seed(node: TestNode, user: string, count: number): Promise<string[]> {
  const userKey = node.engine.userKey(user);
  const ids = Array.from({ length: count }, () => generateId(32));
  await Promise.all(ids.map((id) => store.create(id, { 'm:c': '1' }, TTL)));
  for (const id of ids) await store.indexUser(userKey, id, TTL, 1_000_000);
  return ids;
}

/** Logs `user` in once; returns the commands redis ran for it. */
async function measuredLogin(node: TestNode, user: string): Promise<Map<string, number>> {
  await admin.config('RESETSTAT');
  const res = await node.request('POST', '/login', { body: { user } });
  t.equal(res.status, 200);
  cookieFrom(res);
  return commandsSinceReset();
}

t.test('a login under the limit costs the same with 1 or 3,000 prior sessions', async (t) => {
  const node = await startTestNode(t, {
    store,
    signingKeys: KEYS,
    maxSessionsPerUser: 10_000,
  });
  await seed(node, 'one', 1);
  await seed(node, 'many', PRIOR);
  const one = await measuredLogin(node, 'one');
  const many = await measuredLogin(node, 'many');
  t.same(many, one, `the same commands: ${JSON.stringify(Object.fromEntries(many))}`);
  t.notOk(many.has('zrange'), 'the index is not read back while under the limit');
});

t.test('over the limit, the oldest sessions end and the next login stays bounded', async (t) => {
  const limit = 100;
  // The first login ends 2,900 sessions at once: a long store deadline, this machine is shared.
  const node = await startTestNode(t, {
    store,
    signingKeys: KEYS,
    maxSessionsPerUser: limit,
    storeTimeoutMs: 30_000,
  });
  const user = 'over';
  const ids = await seed(node, user, PRIOR);
  await measuredLogin(node, user);
  const userKey = node.engine.userKey(user);
  const left = await store.userSessions(userKey);
  t.equal(left.length, limit, 'the index holds the limit');
  const alive = await Promise.all(ids.map((id) => store.load(id)));
  t.equal(alive.filter(Boolean).length, limit - 1, 'every older session ended');
  const kept = new Set(ids.filter((_, i) => alive[i] !== null));
  t.equal(left.filter((id) => kept.has(id)).length, limit - 1, 'the index holds the live ones');
  const next = await measuredLogin(node, user);
  t.ok(
    (next.get('exists') ?? 0) <= limit + 2,
    `existence checks bounded by the limit (one per other id, two in scripts): ${next.get('exists')}`,
  );
  t.ok(total(next) <= limit + 20, `commands bounded by the limit: ${total(next)}`);
  const cookie = cookieFrom(await node.request('POST', '/login', { body: { user } }));
  t.same((await node.request('POST', '/logout-all', { cookie })).body, { ended: limit });
  t.same(await store.userSessions(userKey), []);
});

t.test('an index written as a plain set (before sorted sets) is still read', async (t) => {
  const node = await startTestNode(t, { store, signingKeys: KEYS });
  const user = 'legacy';
  const userKey = node.engine.userKey(user);
  const ids = [generateId(32), generateId(32)];
  for (const id of ids) await store.create(id, { 'm:c': '1' }, TTL);
  await admin.sadd(`sl:u:{${userKey}}`, ...ids);
  t.same((await store.userSessions(userKey)).sort(), [...ids].sort());
  const cookie = cookieFrom(await node.request('POST', '/login', { body: { user } }));
  t.equal(await admin.type(`sl:u:{${userKey}}`), 'zset', 'converted on login');
  t.same((await node.request('POST', '/logout-all', { cookie })).body, { ended: 3 });
});

t.test(
  'with userIndexSecret the index key is a keyed hash, kept across key rotation',
  async (t) => {
    const userIndexSecret = 'u'.repeat(32);
    const k2 = { id: 'k2', secret: 'y'.repeat(32) };
    const before = await startTestNode(t, { store, signingKeys: KEYS, userIndexSecret });
    const after = await startTestNode(t, { store, signingKeys: [k2, ...KEYS], userIndexSecret });
    const user = 'zoe-keyed';
    const cookie = cookieFrom(await before.request('POST', '/login', { body: { user } }));
    const unkeyed = createHash('sha256').update(`user:${user}`).digest('base64url').slice(0, 22);
    t.equal(await admin.exists(`sl:u:{${unkeyed}}`), 0, 'not the unsalted SHA-256 of the name');
    const keys = await admin.keys('sl:u:*');
    t.ok(keys.includes(`sl:u:{${before.engine.userKey(user)}}`), 'the keyed index exists');
    t.notOk(
      keys.some((key) => key.includes(user)),
      'no index key holds the name',
    );
    t.equal(after.engine.userKey(user), before.engine.userKey(user), 'rotation keeps the key');
    t.same((await after.request('POST', '/logout-all', { cookie })).body, { ended: 1 });
  },
);
