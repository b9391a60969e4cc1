/**
 * The catalogue against the ecosystem baselines (express-session + connect-redis, and
 * + connect-pg-simple): what the suite finds in a popular stack. The full verdicts are in the
 * README and the `make bench` report; this test pins the findings that matter and do not hang
 * on timing, on both stores.
 */
import t from 'tap';
import type { StoreKind } from '../../../stores/from-url.ts';
import { runCatalogue } from './run-catalogue.ts';

const EXPECTED: Readonly<Record<string, string>> = {
  'SL-XN-03': 'FAIL',
  'SL-XN-04': 'FAIL',
  'SL-FX-01': 'PASS',
  'SL-LO-01': 'PASS',
  'SL-LO-04': 'SKIPPED',
  'SL-EX-03': 'FAIL',
  'SL-IN-02': 'FAIL',
  'SL-IN-03': 'FAIL',
  'SL-CK-01': 'PASS',
  'SL-ST-02': 'PASS',
};

for (const store of ['redis', 'postgres'] as const satisfies readonly StoreKind[]) {
  t.test(`express-session × ${store}`, async (t) => {
    const report = await runCatalogue(t, { impl: 'express-session', store }, Object.keys(EXPECTED));
    const verdicts = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
    t.same(verdicts, EXPECTED);
    t.equal(report.exitCode, 1, 'a MUST check failed');
  });
}
