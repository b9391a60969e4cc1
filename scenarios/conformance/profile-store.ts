/**
 * SL-ST-01 and SL-ST-02 through a profile, with `--store-url`: the session's store keys (the
 * ones holding a value written through the profile's `write`) expire within the expected idle
 * timeout, and none remain after `logout`.
 */
import { redactKey } from './checks/store.ts';
import { newMarker } from './identity.ts';
import type { ProfileCheck, ProfileCheckContext } from './profile-context.ts';
import { fail, pass, unknown } from './types.ts';
import type { StoreInspector } from './types.ts';

const NOT_FOUND = 'no store key holds the value written through the profile\'s "write"';

async function storedSession(ctx: ProfileCheckContext) {
  const url = ctx.nodes[0];
  const client = await ctx.actions.login(url);
  const marker = newMarker('st');
  await ctx.actions.write(client, url, marker);
  const store = ctx.store as StoreInspector;
  return { store, url, client, marker, keys: await store.keysHolding(marker) };
}

export const PROFILE_STORE_CHECKS: Record<string, ProfileCheck> = {
  'SL-ST-01': {
    needs: ['store', 'data', 'idle-timeout'],
    async run(ctx) {
      const { keys } = await storedSession(ctx);
      if (keys.length === 0) return unknown(`${NOT_FOUND}, so its TTL cannot be read`);
      const limit = (ctx.profile.idleTimeoutMs ?? 0) + 1000;
      const bad = keys.filter((k) => k.ttlMs < 0 || k.ttlMs > limit);
      const evidence = {
        keys: keys.map((k) => ({ key: redactKey(k.key), ttlMs: k.ttlMs })),
        limitMs: limit,
      };
      return bad.length === 0
        ? pass(`${keys.length} key(s) of the session expire within ${limit} ms`, evidence)
        : fail(
            `${redactKey(bad[0]?.key ?? '')} has ${bad[0]?.ttlMs === -1 ? 'no TTL' : `a TTL of ${bad[0]?.ttlMs} ms`}, over the expected idleTimeoutMs + 1 s (${limit} ms)`,
            evidence,
          );
    },
  },
  'SL-ST-02': {
    needs: ['store', 'data', 'logout'],
    async run(ctx) {
      const { store, url, client, marker, keys } = await storedSession(ctx);
      if (keys.length === 0) return unknown(`${NOT_FOUND}, even before logout`);
      await ctx.actions.logout(client, url);
      const left = await store.keysHolding(marker);
      return left.length === 0
        ? pass(`after logout none of the ${keys.length} key(s) that held the session's data remain`)
        : fail(
            `${left.length} key(s) of the logged-out session remain, e.g. ${redactKey(left[0]?.key ?? '')}`,
            { keys: left.map((k) => redactKey(k.key)) },
          );
    },
  },
};
