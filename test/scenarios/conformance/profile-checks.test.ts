/**
 * scenarios/conformance/profile-checks.ts: every check of the catalogue either runs through a
 * profile or says precisely why it cannot.
 */
import t from 'tap';
import { CATALOGUE } from '../../../scenarios/conformance/catalogue.ts';
import {
  CONTRACT_ONLY,
  NOT_VIA_PROFILE,
  PROFILE_CHECKS,
} from '../../../scenarios/conformance/profile-checks.ts';

t.test('each check has exactly one profile version or reason to be skipped', async (t) => {
  for (const { id } of CATALOGUE) {
    const places = [PROFILE_CHECKS, CONTRACT_ONLY, NOT_VIA_PROFILE].filter((m) => id in m);
    t.equal(places.length, 1, id);
  }
  const known = new Set(CATALOGUE.map((c) => c.id));
  for (const map of [PROFILE_CHECKS, CONTRACT_ONLY, NOT_VIA_PROFILE])
    t.same(
      Object.keys(map).filter((id) => !known.has(id)),
      [],
      'no id outside the catalogue',
    );
});

t.test('no reason is vague', async (t) => {
  for (const [id, why] of Object.entries({ ...CONTRACT_ONLY, ...NOT_VIA_PROFILE })) {
    t.notMatch(why, /for now/, id);
    t.ok(why.length > 20, id);
  }
});
