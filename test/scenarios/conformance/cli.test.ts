/** `sessionlab conformance` from the command line: catalogue, exit codes, output files. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import type { ConformanceReport } from '../../../core/results.ts';
import { clusterFor } from '../../helpers/cluster.ts';
import { renderCoverageMarkdown } from '../../../scenarios/conformance/coverage.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [bin, 'conformance', ...args], { timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

t.test('--list prints every check id', async (t) => {
  const { code, stdout } = await run(['--list']);
  t.equal(code, 0);
  for (const id of [
    'SL-XN-01',
    'SL-FX-01',
    'SL-LO-04',
    'SL-EX-03',
    'SL-CK-07',
    'SL-ID-01',
    'SL-IN-02',
    'SL-FT-04',
    'SL-ST-04',
  ])
    t.match(stdout, id);
});

t.test('bad arguments exit 5 with one line', async (t) => {
  t.match(await run(['--store', 'mongo']), { code: 5, stderr: /invalid --store "mongo"/ });
  t.match(await run(['--only', 'SL-NOPE-*']), { code: 5, stderr: /left no check to run/ });
  t.match(await run(['--nodes', 'http://127.0.0.1:1']), { code: 5, stderr: /--password/ });
  t.match(await run(['--nodes', 'http://127.0.0.1:1', '--password', 'x']), {
    code: 5,
    stderr: /did not answer GET \/contract/,
  });
});

t.test(
  'a flawed local cluster exits 1 and writes JSON and JUnit naming the failed check',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionlab-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const json = join(dir, 'r.json');
    const junit = join(dir, 'r.xml');
    const result = await run([
      '--nodes',
      '2',
      '--flaw',
      'no-httponly',
      '--only',
      'SL-CK-01,SL-CK-03',
      '--json',
      json,
      '--junit',
      junit,
      '--run-dir',
      join(dir, 'run'),
    ]);
    t.equal(result.code, 1);
    t.match(result.stdout, /SL-CK-01 \| MUST \| \*\*FAIL\*\*/);
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
    t.same(
      report.checks.map((c) => [c.id, c.verdict]),
      [
        ['SL-CK-01', 'FAIL'],
        ['SL-CK-03', 'PASS'],
      ],
    );
    t.match(await readFile(junit, 'utf8'), /<testcase [^>]*name="SL-CK-01[^"]*"[^>]*>\s*<failure/);
  },
);

t.test(
  'an external target given by URLs passes, with store checks skipped without --store-url',
  async (t) => {
    const cluster = await clusterFor(t, { nodes: 2, idleTimeoutMs: 2000, absoluteTimeoutMs: 8000 });
    const nodes = cluster.nodes.map((n) => n.url).join(',');
    const result = await run([
      '--nodes',
      nodes,
      '--entry',
      cluster.nginx.entry,
      '--password',
      cluster.password,
      '--only',
      'SL-XN-01,SL-LO-01,SL-ST-01,SL-FT-01',
    ]);
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /SL-ST-01 \| MUST \| \*\*SKIPPED\*\* \| skipped: no store access/);
    t.match(result.stdout, /SL-FT-01 \| MUST \| \*\*SKIPPED\*\*/);
    t.match(result.stdout, /SL-XN-01 \| MUST \| \*\*PASS\*\*/);
  },
);

t.test('--coverage prints the statement table; a bad idle spell exits 5', async (t) => {
  const { code, stdout } = await run(['--coverage']);
  t.equal(code, 0);
  t.equal(stdout, renderCoverageMarkdown());
  t.match(await run(['--idle-before-outage-ms', 'abc']), {
    code: 5,
    stderr: /invalid --idle-before-outage-ms "abc": expected 0 to 600000/,
  });
});
