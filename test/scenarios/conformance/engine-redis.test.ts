/** The engine passes every MUST check (and every SHOULD) on redis, encryption at rest on. */
import t from 'tap';
import { runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, { store: 'redis', encrypt: true });
t.same(
  report.checks.filter((c) => c.verdict !== 'PASS').map((c) => `${c.id} ${c.verdict}: ${c.why}`),
  [],
);
t.equal(report.exitCode, 0);
