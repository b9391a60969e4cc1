/**
 * What a store's `rotate` (take and create in one transaction) must guarantee, as checks that
 * return a problem or null, so the same checks can be shown to catch flawed rotations
 * (rotation.test.ts) and pass on a store that has one (behaviour-postgres.test.ts).
 */
import { generateId } from '../../session/signing.ts';
import type { Fields, RotationBuild, RotationResult, SessionStore } from '../../core/store.ts';
import type { StorePair } from './behaviour.ts';

type Rotate = (oldId: string, newId: string, build: RotationBuild) => Promise<RotationResult>;

export interface RotationCheck {
  name: string;
  /** A problem seen, or null. `rotateA`/`rotateB` rotate through store a and store b. */
  run(pair: StorePair, rotateA: Rotate, rotateB: Rotate): Promise<string | null>;
}

const TTL = 60_000;
const OLD: Fields = { 'm:c': '1', 'm:u': 'ada', 'd:cart': '["tea"]' };
const newId = (): string => generateId(32);
/** The new session: the taken data fields (none when nothing was taken) and a login mark. */
const carry: RotationBuild = (taken) => ({
  fields: {
    ...Object.fromEntries(Object.entries(taken ?? {}).filter(([f]) => f.startsWith('d:'))),
    'm:a': '2',
  },
  ttlMs: TTL,
});

async function fieldsOf(store: SessionStore, id: string): Promise<Fields | null> {
  return (await store.load(id))?.fields ?? null;
}

/** JSON with object keys sorted (jsonb keeps its own key order). */
const json = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );

export const ROTATION_CHECKS: readonly RotationCheck[] = [
  {
    name: 'a rotation moves the data to the new id, and the old id is gone',
    async run({ a, b }, rotateA) {
      const [oldId, id] = [newId(), newId()];
      await a.create(oldId, OLD, TTL);
      const result = await rotateA(oldId, id, carry);
      if (json(result) !== json({ taken: OLD, created: true }))
        return `rotate gave ${json(result)}`;
      const moved = await fieldsOf(b, id);
      if (json(moved) !== json({ 'd:cart': '["tea"]', 'm:a': '2' }))
        return `new id holds ${json(moved)}`;
      const old = await fieldsOf(b, oldId);
      return old === null ? null : `the old id still reads ${json(old)}`;
    },
  },
  {
    name: 'a rotation to an id in use changes nothing, the old session included',
    async run({ a, b }, rotateA) {
      const [oldId, busy] = [newId(), newId()];
      await a.create(oldId, OLD, TTL);
      await a.create(busy, { 'm:c': '9' }, TTL);
      const result = await rotateA(oldId, busy, carry);
      if (result.created) return 'created over a live session';
      const [old, other] = [await fieldsOf(b, oldId), await fieldsOf(b, busy)];
      if (json(old) !== json(OLD)) return `the old session now reads ${json(old)}`;
      return json(other) === json({ 'm:c': '9' }) ? null : `the busy id now reads ${json(other)}`;
    },
  },
  {
    name: 'a rotation whose build throws rethrows that error and changes nothing',
    async run({ a, b }, rotateA) {
      const [oldId, id] = [newId(), newId()];
      await a.create(oldId, OLD, TTL);
      const refused = new Error('too large');
      const outcome = await rotateA(oldId, id, () => {
        throw refused;
      }).then(
        (result) => `resolved ${json(result)}`,
        (error: unknown) => (error === refused ? null : `rejected with ${String(error)}`),
      );
      if (outcome !== null) return outcome;
      const [old, created] = [await fieldsOf(b, oldId), await fieldsOf(b, id)];
      if (json(old) !== json(OLD)) return `the old session now reads ${json(old)}`;
      return created === null ? null : `the new id holds ${json(created)}`;
    },
  },
  {
    name: 'a reader on another node never finds the old id gone and the new one not there yet',
    async run({ a, b }, rotateA) {
      for (let trial = 0; trial < 10; trial++) {
        const [oldId, id] = [newId(), newId()];
        await a.create(oldId, OLD, TTL);
        let done = false;
        const rotation = rotateA(oldId, id, carry).finally(() => (done = true));
        // Old first: once it reads gone, the rotation has committed, so the new id must read.
        for (let read = 0; read < 200 && !done; read++) {
          if ((await b.load(oldId)) === null && (await b.load(id)) === null) {
            await rotation;
            return `trial ${trial}, read ${read}: neither id read as a session`;
          }
        }
        await rotation;
      }
      return null;
    },
  },
  {
    name: 'of two concurrent rotations of one id, exactly one takes the data',
    async run({ a }, rotateA, rotateB) {
      for (let trial = 0; trial < 5; trial++) {
        const [oldId, first, second] = [newId(), newId(), newId()];
        await a.create(oldId, OLD, TTL);
        const results = await Promise.all([
          rotateA(oldId, first, carry),
          rotateB(oldId, second, carry),
        ]);
        const winners = results.filter((result) => result.taken !== null).length;
        if (winners !== 1) return `trial ${trial}: ${winners} rotations took the session`;
        const carts = await Promise.all(
          [first, second].map(async (id) => (await fieldsOf(a, id))?.['d:cart']),
        );
        if (carts.filter((cart) => cart === '["tea"]').length !== 1) {
          return `trial ${trial}: the data is under ${json(carts)}`;
        }
      }
      return null;
    },
  },
];

/** A store's own `rotate`, which the checks need. */
export function rotateOf(store: SessionStore): Rotate {
  const rotate = store.rotate?.bind(store);
  if (rotate === undefined) throw new Error(`the ${store.kind} store has no rotate`);
  return rotate;
}
