/**
 * reference-servers/bench/raw-get.ts with its two clients: each raw-GET baseline answers a data
 * read with the stored bench value from one store GET, says which baseline it is on /contract,
 * and 404s anything else. (No store-outage case: a baseline has no deadline of its own, on
 * purpose, and the memcached package never calls back for a stopped server.)
 */
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { resolveNodeConfig } from '../../../reference-servers/config.ts';
import type { NodeConfig } from '../../../reference-servers/config.ts';
import { BENCH_VALUE } from '../../../reference-servers/bench/nosession-app.ts';
import { createRawMemcachedServer } from '../../../reference-servers/bench/raw-memcached.ts';
import { createRawRedisServer } from '../../../reference-servers/bench/raw-redis.ts';
import type { RawGetServer } from '../../../reference-servers/bench/raw-get.ts';
import { memcachedFor, redisFor } from '../../helpers/services.ts';

/** What resolveNodeConfig requires of every node; the baselines use only the store URL. */
const configFor = (storeUrl: string): NodeConfig =>
  resolveNodeConfig({
    impl: 'engine',
    storeUrl,
    password: 'bench-password',
    signingKeys: `k1:${'s'.repeat(43)}`,
  });

async function listen(t: Test, raw: RawGetServer): Promise<string> {
  await new Promise<void>((resolve) => raw.server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    raw.server.closeAllConnections();
    await new Promise((resolve) => raw.server.close(resolve));
  });
  return `http://127.0.0.1:${(raw.server.address() as AddressInfo).port}`;
}

async function expectBaseline(t: Test, base: string, impl: string): Promise<void> {
  const read = await fetch(`${base}/session/data/cart`);
  t.equal(read.status, 200);
  t.equal(read.headers.get('x-node-id'), 'n1');
  t.same(await read.json(), { value: BENCH_VALUE });
  const contract = (await (await fetch(`${base}/contract`)).json()) as { impl?: string };
  t.equal(contract.impl, impl);
  const other = await fetch(`${base}/login`, { method: 'POST' });
  t.equal(other.status, 404);
  t.same(await other.json(), { error: 'no route POST /login' });
}

t.test('raw-memcached-get reads the bench value with one memcached GET', async (t) => {
  const [memcached] = await memcachedFor(t);
  if (memcached === undefined) throw new Error('no memcached started');
  const raw = await createRawMemcachedServer(configFor(`memcached://${memcached.location}`));
  t.teardown(() => raw.close());
  const base = await listen(t, raw);
  await expectBaseline(t, base, 'raw-memcached-get');
});

t.test('raw-ioredis-get reads the bench value with one redis GET', async (t) => {
  const redis = await redisFor(t);
  const raw = await createRawRedisServer(configFor(redis.url));
  t.teardown(() => raw.close().catch(() => undefined));
  await expectBaseline(t, await listen(t, raw), 'raw-ioredis-get');
});

t.test('a raw baseline refuses the wrong store kind, naming what it needs', async (t) => {
  await t.rejects(createRawMemcachedServer(configFor('redis://127.0.0.1:1')), {
    message:
      /^raw-memcached-get needs --store-url memcached:\/\/host:port, not redis:\/\/127\.0\.0\.1:1$/,
  });
});
