/**
 * The catalogue's verdicts on an app's own session library through its drop-in adapter
 * (reference-servers/adapters/), 2 nodes behind nginx on a real store. The checks pinned here
 * are the ones whose verdict does not hang on timing: what the library gets wrong FAILs (lost
 * updates, no absolute lifetime, no size limit), what it gets right PASSes. The README table has
 * the full run.
 */
import type { Test } from 'tap';
import type { Impl } from '../../../reference-servers/config.ts';
import type { StoreKind } from '../../../stores/from-url.ts';
import { runCatalogue } from './run-catalogue.ts';

/** The verdicts every adapter shares; a file adds or overrides its library's own. */
export const ADAPTER_VERDICTS: Readonly<Record<string, string>> = {
  'SL-XN-04': 'FAIL',
  'SL-FX-01': 'PASS',
  'SL-FX-02': 'PASS',
  'SL-FX-03': 'PASS',
  'SL-FX-04': 'PASS',
  'SL-LO-01': 'PASS',
  'SL-LO-02': 'PASS',
  'SL-LO-04': 'SKIPPED',
  'SL-EX-03': 'FAIL',
  'SL-CK-01': 'PASS',
  'SL-CK-03': 'PASS',
  'SL-CK-05': 'PASS',
  'SL-CT-02': 'PASS',
  'SL-DA-01': 'PASS',
  'SL-DA-03': 'PASS',
  'SL-IN-02': 'FAIL',
};

export async function assertAdapterVerdicts(
  t: Test,
  impl: Impl,
  store: StoreKind,
  expected: Readonly<Record<string, string>> = ADAPTER_VERDICTS,
): Promise<void> {
  const report = await runCatalogue(t, { impl, store }, Object.keys(expected));
  const verdicts = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
  t.same(verdicts, expected, `${impl} × ${store}: the library's weaknesses FAIL, the rest PASS`);
  t.equal(report.exitCode, 1, 'a MUST check failed');
  t.match(report.target.nodes, [/:\d+\/_sessionlab$/, /:\d+\/_sessionlab$/], 'through the prefix');
}
