/** The engine passes every MUST check (and every SHOULD) on redis, encryption at rest on. */
import t from 'tap';
import { runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, { store: 'redis', encrypt: true });
// SL-FT-05 (replica failover) needs replicas: a single redis claims no `failover`.
t.same(
  report.checks
    .filter((c) => c.verdict !== 'PASS')
    .map((c) => `${c.id} ${c.verdict}${c.verdict === 'SKIPPED' ? '' : `: ${c.why}`}`),
  ['SL-FT-05 SKIPPED'],
);
t.equal(report.exitCode, 0);
