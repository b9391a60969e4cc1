/**
 * Between a request's recorded changes and the store's fields: values are JSON text, sealed
 * (encryption at rest) only when written, with the session id they are bound to. The user name
 * (`m:u`) is sealed the same way: it names a person.
 */
import { META } from './fields.ts';
import { SealingRing } from './sealing.ts';
import { applyOps } from '../core/store.ts';
import type { DeltaOp, Fields } from '../core/store.ts';

/** A recorded change: values are still plain JSON text, sealed only at commit time. */
export type PendingOp =
  | { op: 'set'; key: string; json: string }
  | { op: 'del'; key: string }
  | { op: 'incr'; key: string; by: number }
  /** Engine metadata (`m:` field), written as is (the user name sealed). */
  | { op: 'meta'; field: string; value: string };

/** The stored form of a metadata field: the user name sealed for session `id` when a ring is set. */
export function metaValue(
  field: string,
  value: string,
  id: string,
  sealing: SealingRing | undefined,
): string {
  return sealing !== undefined && field === META.user ? sealing.seal(value, id, field) : value;
}

/** The store ops for a request's changes, values sealed for session `id` when a ring is set. */
export function toStoreOps(
  pending: readonly PendingOp[],
  id: string,
  sealing: SealingRing | undefined,
): DeltaOp[] {
  return pending.map((p): DeltaOp => {
    if (p.op === 'meta')
      return { op: 'set', field: p.field, value: metaValue(p.field, p.value, id, sealing) };
    const field = `d:${p.key}`;
    if (p.op === 'set')
      return { op: 'set', field, value: sealing ? sealing.seal(p.json, id, field) : p.json };
    if (p.op === 'del') return { op: 'del', field };
    return { op: 'incr', field, by: p.by };
  });
}

/**
 * The change that seals a user name stored in clear (by a version, or a configuration, without
 * encryption at rest) or under an older key, so that any write brings the session up to the
 * primary key; none when there is nothing to re-seal or the name cannot be opened.
 */
export function resealUser(
  fields: Fields,
  id: string,
  sealing: SealingRing | undefined,
): PendingOp[] {
  const stored = fields[META.user];
  if (sealing === undefined || stored === undefined || sealing.isSealedUnderPrimary(stored))
    return [];
  const user = readField(fields, META.user, id, sealing);
  return user === undefined ? [] : [{ op: 'meta', field: META.user, value: user }];
}

/**
 * The text of a stored field (JSON for data, the name for `m:u`), opened when sealed; a value in
 * clear (written before encryption at rest was on) as is. Undefined when absent or unreadable.
 */
export function readField(
  fields: Fields,
  field: string,
  id: string | null,
  sealing: SealingRing | undefined,
): string | undefined {
  const stored = fields[field];
  if (stored === undefined || id === null || !SealingRing.isSealed(stored)) return stored;
  return sealing?.open(stored, id, field) ?? undefined;
}

/**
 * Data fields of a session being replaced, moved to its new id: sealed values are opened with
 * the old id and sealed again for the new one (the id is part of the sealed data).
 */
export function moveData(
  fields: Fields,
  oldId: string,
  newId: string,
  sealing: SealingRing | undefined,
): Fields {
  const out: Fields = {};
  for (const [field, stored] of Object.entries(fields)) {
    if (!field.startsWith('d:')) continue;
    if (!SealingRing.isSealed(stored)) out[field] = stored;
    else {
      const plain = sealing?.open(stored, oldId, field);
      if (plain !== null && plain !== undefined && sealing)
        out[field] = sealing.seal(plain, newId, field);
    }
  }
  return out;
}

/**
 * The `whole-session-writes` negative control: the delta is replayed on this request's
 * snapshot and the result written over everything, as express-session does — so concurrent
 * requests lose each other's changes.
 */
export function wholeSessionOps(
  snapshot: Fields,
  ops: readonly DeltaOp[],
): { ops: DeltaOp[]; counters: number[] } {
  const { result, fields } = applyOps(snapshot, ops, 0);
  const counters = result.status === 'ok' ? result.counters : [];
  const rewrite: DeltaOp[] = [{ op: 'clear' }];
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('d:')) rewrite.push({ op: 'set', field, value });
  }
  return { ops: rewrite, counters };
}
