/**
 * The engine with `envelope` cookies (a new opaque string on every response, same session)
 * gets the verdicts of the plain engine: every check PASS or SKIPPED, on redis with encryption
 * at rest — identity is decided by behaviour, not by comparing cookie strings.
 */
import t from 'tap';
import { runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, { store: 'redis', encrypt: true, cookieFormat: 'envelope' });
t.same(
  report.checks
    .filter((c) => c.verdict !== 'PASS' && c.verdict !== 'SKIPPED')
    .map((c) => `${c.id} ${c.verdict}: ${c.why}`),
  [],
);
t.equal(report.exitCode, 0);
