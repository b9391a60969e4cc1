/**
 * The catalogue against the ecosystem baseline (express-session + connect-redis): what the
 * suite finds in a popular stack. The full verdicts are in the README and the `make bench`
 * report; this test pins the findings that matter.
 */
import t from 'tap';
import { runCatalogue } from './run-catalogue.ts';

const only = [
  'SL-XN-03',
  'SL-XN-04',
  'SL-FX-01',
  'SL-LO-01',
  'SL-LO-04',
  'SL-EX-03',
  'SL-IN-02',
  'SL-CK-01',
];
const report = await runCatalogue(t, { impl: 'express-session', store: 'redis' }, only);
const verdicts = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));

t.same(verdicts, {
  'SL-XN-03': 'FAIL',
  'SL-XN-04': 'FAIL',
  'SL-FX-01': 'PASS',
  'SL-LO-01': 'PASS',
  'SL-LO-04': 'SKIPPED',
  'SL-EX-03': 'FAIL',
  'SL-IN-02': 'FAIL',
  'SL-CK-01': 'PASS',
});
t.equal(report.exitCode, 1, 'a MUST check failed');
