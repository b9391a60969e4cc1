/**
 * SL-ST: what the store itself holds — TTLs that match the idle timeout, nothing left after
 * logout, no plaintext with encryption at rest, and no writes for plain reads. SKIPPED without
 * `--store-url`. A session's keys are the ones holding a marker written through it (never an id
 * read out of the cookie, which may be opaque).
 */
import { newMarker, writeMarker } from '../identity.ts';
import { login } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition, Outcome, StoreInspector } from '../types.ts';

/** Long random runs in a key name (ids) shown as `<id>`: evidence names the key, not the session. */
export const redactKey = (key: string): string => key.replace(/[A-Za-z0-9_-]{16,}/g, '<id>');

async function storedSession(ctx: CheckContext): Promise<{
  store: StoreInspector;
  url: string;
  client: Awaited<ReturnType<typeof login>>;
  marker: string;
  keys: { key: string; ttlMs: number }[];
}> {
  const url = ctx.target.nodes[0];
  const client = await login(ctx, url);
  const marker = newMarker('st');
  await writeMarker(ctx, client, marker);
  const store = ctx.store as StoreInspector;
  return { store, url, client, marker, keys: await store.keysHolding(marker) };
}

const NOT_FOUND = 'no store key holds the marker written through the session';

/** SL-ST-01's verdict on a session's keys: each expires, within `limitMs`. */
export function judgeTtls(keys: { key: string; ttlMs: number }[], limitMs: number): Outcome {
  const bad = keys.filter((k) => k.ttlMs < 0 || k.ttlMs > limitMs);
  const evidence = {
    keys: keys.map((k) => ({ key: redactKey(k.key), ttlMs: k.ttlMs })),
    limitMs,
  };
  return bad.length === 0
    ? pass(`${keys.length} key(s) of the session expire within ${limitMs} ms`, evidence)
    : fail(
        `${redactKey(bad[0]?.key ?? '')} has ${bad[0]?.ttlMs === -1 ? 'no TTL' : `a TTL of ${bad[0]?.ttlMs} ms`}, over idleTimeoutMs + 1 s (${limitMs} ms)`,
        evidence,
      );
}

/** SL-ST-02's verdict: the keys still holding the session's marker after logout, of `before`. */
export function judgeLeft(left: { key: string }[], before: number): Outcome {
  return left.length === 0
    ? pass(`after logout none of the ${before} key(s) that held the session's data remain`)
    : fail(
        `${left.length} key(s) of the logged-out session remain, e.g. ${redactKey(left[0]?.key ?? '')}`,
        { keys: left.map((k) => redactKey(k.key)) },
      );
}

export const storeChecks: CheckDefinition[] = [
  {
    id: 'SL-ST-01',
    title: 'every stored session has a TTL no longer than idleTimeoutMs + 1 s',
    level: 'MUST',
    refs: ['ASVS-5.0-7.3.1', 'CWE-613'],
    covers: ['lifetime.idle'],
    needs: ['store'],
    provenBy: ['no-idle-timeout'],
    async run(ctx) {
      const { keys } = await storedSession(ctx);
      if (keys.length === 0) return unknown(`${NOT_FOUND}, so its TTL cannot be read`);
      return judgeTtls(keys, ctx.target.contract.idleTimeoutMs + 1000);
    },
  },
  {
    id: 'SL-ST-02',
    title: 'nothing of a logged-out session remains in the store',
    level: 'MUST',
    refs: ['ASVS-5.0-7.4.1', 'CWE-613'],
    covers: ['logout.removes'],
    needs: ['store'],
    provenBy: ['cookie-only-logout'],
    async run(ctx) {
      const idle = ctx.target.contract.idleTimeoutMs;
      let inconclusive: Outcome | undefined;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const { store, url, client, marker, keys } = await storedSession(ctx);
        if (keys.length === 0) return unknown(`${NOT_FOUND}, even before logout`);
        // A session that answers here cannot expire by itself before 0.9 × idleTimeoutMs from
        // now (a lazy touch refreshes it once a tenth of it is spent). A listing that ends later
        // cannot tell a logout that removed the keys from keys that expired (a slow store
        // listing on a loaded machine, with short test timeouts): try again, then UNKNOWN.
        const alive = Date.now();
        const me = await client.request(url, 'GET', '/me');
        await client.request(url, 'POST', '/logout');
        // The listing, and each key found before logout looked up by name (a listing such as
        // memcached's LRU crawl can miss an item that was just rewritten).
        const left = new Map((await store.keysHolding(marker)).map((k) => [k.key, k]));
        for (const k of keys)
          if ((await store.values(k.key)).some((value) => value.includes(marker)))
            left.set(k.key, k);
        const tookMs = Date.now() - alive;
        if (left.size > 0 || me.status !== 200 || idle <= 0 || tookMs < 0.9 * idle)
          return judgeLeft([...left.values()], keys.length);
        inconclusive = unknown(
          `the store listing after logout ended ${tookMs} ms after the session last answered, past 0.9 × idleTimeoutMs (${idle} ms): its keys may have expired by themselves (${attempt} tries)`,
        );
      }
      return inconclusive as Outcome;
    },
  },
  {
    id: 'SL-ST-03',
    title: 'stored values are not plaintext',
    level: 'SHOULD',
    refs: ['ASVS-5.0-14.2.4', 'CWE-312'],
    covers: [],
    capability: 'encrypt-at-rest',
    needs: ['store'],
    provenBy: ['plaintext-at-rest'],
    async run(ctx) {
      const { store, url, client, keys } = await storedSession(ctx);
      if (keys.length === 0) return unknown(NOT_FOUND);
      const secret = `st03-secret-${Date.now()}`;
      await client.request(url, 'PUT', '/session/data/secret', { body: { value: secret } });
      for (const { key } of keys) {
        if ((await store.values(key)).some((v) => v.includes(secret)))
          return fail(`the value written is stored in clear under ${redactKey(key)}`);
      }
      return pass(`the value written appears in none of the ${keys.length} stored key(s)`);
    },
  },
  {
    id: 'SL-ST-04',
    title: 'a plain session read causes no store write',
    level: 'SHOULD',
    refs: [],
    covers: [],
    needs: ['store'],
    exclusive: true,
    provenBy: ['touch-every-read'],
    async run(ctx) {
      const { store, url, client } = await storedSession(ctx);
      await client.request(url, 'PUT', '/session/data/r', { body: { value: 1 } });
      const before = await store.writeCount();
      for (let i = 0; i < 20; i++) await client.request(url, 'GET', '/session/data/r');
      const writes = (await store.writeCount()) - before;
      return writes === 0
        ? pass('20 reads caused no store write', { writes })
        : fail(`20 plain reads caused ${writes} store writes`, { writes });
    },
  },
];
