import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { UsageError } from '../../../core/errors.ts';
import { runConformance } from '../../../scenarios/conformance/run.ts';

t.test('a selection that leaves no check is a usage error, before anything starts', async (t) => {
  await t.rejects(
    runConformance(
      { kind: 'external', nodes: ['http://127.0.0.1:9'], password: 'pw' },
      { only: ['SL-NO-SUCH'] },
    ),
    new UsageError('--only/--skip left no check to run (see --list)'),
  );
});

t.test('an external target that does not answer is a usage error naming it', async (t) => {
  const error = await runConformance(
    { kind: 'external', nodes: ['http://127.0.0.1:9'], password: 'pw' },
    { only: ['SL-XN-01'] },
  ).catch((e: unknown) => e);
  t.type(error, Error);
  t.match(String((error as Error).message), '127.0.0.1:9');
});

t.test('a local cluster is started, checked and stopped, and the report returned', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-run-'));
  t.teardown(() => rm(runDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const { report } = await runConformance(
    { kind: 'local', cluster: { runDir, store: 'redis', nodes: 2 } },
    { only: ['SL-XN-01'], onProgress: (line) => lines.push(line) },
  );
  t.same(
    report.checks.map((c) => [c.id, c.verdict]),
    [['SL-XN-01', 'PASS']],
  );
  t.equal(report.exitCode, 0);
  t.equal(report.target.impl, 'engine');
  t.match(lines.join('\n'), /SL-XN-01 PASS/);
});
