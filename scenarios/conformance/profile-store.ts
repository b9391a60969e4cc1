/**
 * SL-ST-01 and SL-ST-02 through a profile, with `--store-url`: the session's store keys (the
 * ones holding a value written through the profile's `write`) expire within the expected idle
 * timeout, and none remain after `logout`.
 */
import { judgeLeft, judgeTtls } from './checks/store.ts';
import { newMarker } from './identity.ts';
import type { ProfileCheck, ProfileCheckContext } from './profile-context.ts';
import { unknown } from './types.ts';
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
      return judgeTtls(keys, (ctx.profile.idleTimeoutMs ?? 0) + 1000);
    },
  },
  'SL-ST-02': {
    needs: ['store', 'data', 'logout'],
    async run(ctx) {
      const { store, url, client, marker, keys } = await storedSession(ctx);
      if (keys.length === 0) return unknown(`${NOT_FOUND}, even before logout`);
      await ctx.actions.logout(client, url);
      return judgeLeft(await store.keysHolding(marker), keys.length);
    },
  },
};
