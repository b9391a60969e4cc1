/**
 * `sessionlab failover-load` run tiny on engine × redis-sentinel (2 users, 0.5 s of load on each
 * side of the failover): the report's shape, a correct engine with no violation, every process
 * stopped. And the pure measure of how long answers failed. No timing is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import { unavailableMs } from '../../../scenarios/bench/failover-load.ts';
import type { FailoverLoadReport } from '../../../scenarios/bench/failover-load.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = promisify(execFile);

t.test(
  'unavailableMs: first failed answer to the first good one after the last failure',
  async (t) => {
    const at = (status: number, ms: number) => ({ op: 'read' as const, status, at: ms });
    t.equal(
      unavailableMs([at(200, 1), at(404, 2)], 0),
      0,
      'nothing failed: 0 (a 404 is an answer)',
    );
    t.equal(
      unavailableMs([at(503, 5), at(200, 10), at(200, 3), at(503, 20), at(0, 30), at(200, 42)], 4),
      37,
      'from the failure at 5 to the success at 42, good answers between do not end it',
    );
    t.equal(unavailableMs([at(503, 1), at(503, 8)], 0), 7, 'no recovery: up to the last failure');
    t.equal(
      unavailableMs([at(503, 1), at(200, 9)], 5),
      0,
      'failures before `from` are not counted',
    );
  },
);

t.test(
  'a tiny failover under load: the report, and no violation on a correct engine',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionlab-failover-load-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const json = join(dir, 'report.json');
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        'failover-load',
        ...['--concurrency', '2', '--sessions', '2', '--before', '500', '--after', '500'],
        ...['--json', json],
      ],
      { timeout: 120_000 },
    );
    const report = JSON.parse(await readFile(json, 'utf8')) as FailoverLoadReport;
    t.same(Object.keys(report), [
      'schema',
      'failoverMs',
      'unavailableMs',
      'requests',
      'byStatus',
      'loggedIn',
      'violations',
    ]);
    t.equal(report.schema, 1);
    t.ok(report.failoverMs > 0, 'the failover was measured');
    t.ok(report.unavailableMs >= 0);
    t.ok(report.requests > 0, 'the load ran');
    const counted = Object.values(report.byStatus).reduce((sum, n) => sum + n, 0);
    t.equal(counted, report.requests, 'every request is counted by status');
    for (const key of Object.keys(report.byStatus)) t.match(key, /^(login|read|write) \d+$/);
    t.ok(report.loggedIn >= 2, 'the sessions logged in before the load are checked');
    t.same(report.violations, [], 'a correct engine: no 5xx but 503, no lost login');
    t.match(stdout, /failover-load: \d+ requests, failover \d+ ms, .* 0 violation\(s\)\n$/);
  },
);

t.test('bad numbers exit with code 5 before anything starts', async (t) => {
  const failure = await run(process.execPath, [bin, 'failover-load', '--concurrency', '0']).catch(
    (error: unknown) => error as { code: number; stderr: string },
  );
  t.match(failure, {
    code: 5,
    stderr: /^sessionlab: invalid concurrency 0: expected an integer from 1 to 256\n$/,
  });
});
