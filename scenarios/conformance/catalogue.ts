/**
 * The catalogue: every check with its stable id, in report order. Ids never change meaning;
 * new checks get new ids.
 */
import { contractChecks } from './checks/contract.ts';
import { cookieChecks } from './checks/cookie.ts';
import { crossNodeChecks } from './checks/cross-node.ts';
import { dataChecks } from './checks/data.ts';
import { errorChecks } from './checks/errors.ts';
import { expiryChecks } from './checks/expiry.ts';
import { faultChecks } from './checks/faults.ts';
import { fixationChecks } from './checks/fixation.ts';
import { idChecks } from './checks/ids.ts';
import { inputChecks } from './checks/input.ts';
import { logoutChecks } from './checks/logout.ts';
import { storeChecks } from './checks/store.ts';
import type { CheckDefinition } from './types.ts';

export const CATALOGUE: readonly CheckDefinition[] = [
  ...crossNodeChecks,
  ...fixationChecks,
  ...logoutChecks,
  ...expiryChecks,
  ...cookieChecks,
  ...idChecks,
  ...inputChecks,
  ...contractChecks,
  ...dataChecks,
  ...errorChecks,
  ...faultChecks,
  ...storeChecks,
];

/** `SL-XN-*`, `SL-??-01`: `*` any run of characters, `?` one. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Checks whose id matches some `only` glob (all when none) and no `skip` glob. */
export function selectChecks(
  only: readonly string[],
  skip: readonly string[],
  catalogue = CATALOGUE,
): CheckDefinition[] {
  const onlies = only.map(globToRegExp);
  const skips = skip.map(globToRegExp);
  return catalogue.filter(
    (c) =>
      (onlies.length === 0 || onlies.some((r) => r.test(c.id))) && !skips.some((r) => r.test(c.id)),
  );
}
