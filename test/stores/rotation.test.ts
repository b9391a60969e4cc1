import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStore } from '../../stores/memory.ts';
import type { RotationBuild, RotationResult, SessionStore } from '../../core/store.ts';
import { ROTATION_CHECKS } from './rotation.ts';

type Rotate = (oldId: string, newId: string, build: RotationBuild) => Promise<RotationResult>;

// Flawed rotations, each of which one or more checks must catch (the memory store underneath).
const FLAWED: Record<string, { rotate: (store: SessionStore) => Rotate; caughtBy: number[] }> = {
  'take, a pause, then create (what the engine does without rotate)': {
    rotate: (store) => async (oldId, newId, build) => {
      const taken = await store.take(oldId);
      await sleep(20);
      const { fields, ttlMs } = build(taken);
      return { taken, created: await store.create(newId, fields, ttlMs) };
    },
    caughtBy: [1, 2, 3],
  },
  'read, then delete (two rotations both take the data)': {
    rotate: (store) => async (oldId, newId, build) => {
      const taken = (await store.load(oldId))?.fields ?? null;
      const { fields, ttlMs } = build(taken);
      if (!(await store.create(newId, fields, ttlMs))) return { taken, created: false };
      await store.destroy(oldId);
      return { taken, created: true };
    },
    caughtBy: [4],
  },
  'create, keeping the old id': {
    rotate: (store) => async (oldId, newId, build) => {
      const taken = (await store.load(oldId))?.fields ?? null;
      const { fields, ttlMs } = build(taken);
      return { taken, created: await store.create(newId, fields, ttlMs) };
    },
    caughtBy: [0],
  },
};

for (const [flaw, { rotate, caughtBy }] of Object.entries(FLAWED)) {
  t.test(`the rotation checks catch: ${flaw}`, async (t) => {
    for (const index of caughtBy) {
      const check = ROTATION_CHECKS[index]!;
      const store = new MemoryStore();
      await store.connect();
      const problem = await check.run({ a: store, b: store }, rotate(store), rotate(store));
      await store.close();
      t.type(problem, 'string', `${check.name}: ${problem}`);
    }
  });
}
