/**
 * The shipped mutants: realistic behaviour changes a session-layer implementer might make,
 * one each, none of them a flaw switch of the reference servers. They live in the proxy, so they
 * hold whatever the servers behind it become.
 */
import { UsageError } from '../../core/errors.ts';
import { IDENTITY } from './kit.ts';
import type { Mutant } from './kit.ts';
import { CONTRACT_MUTANTS } from './mutants-contract.ts';
import { COOKIE_MUTANTS } from './mutants-cookie.ts';
import { OUTAGE_MUTANTS } from './mutants-outage.ts';
import { STATE_MUTANTS } from './mutants-state.ts';

export const MUTANTS: readonly Mutant[] = [
  ...COOKIE_MUTANTS,
  ...OUTAGE_MUTANTS,
  ...CONTRACT_MUTANTS,
  ...STATE_MUTANTS,
];

/** The mutants named (all when `names` is empty); `identity` is accepted too. */
export function selectMutants(names: readonly string[]): Mutant[] {
  if (names.length === 0) return [...MUTANTS];
  const known = new Map([IDENTITY, ...MUTANTS].map((m) => [m.name, m]));
  return names.map((name) => {
    const mutant = known.get(name);
    if (mutant === undefined)
      throw new UsageError(`unknown mutant "${name}": see \`sessionlab mutate --list\``);
    return mutant;
  });
}
