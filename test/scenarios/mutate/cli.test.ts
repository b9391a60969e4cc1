/** `sessionlab mutate` from the command line: the list, usage errors, and one mutant end to end. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import type { MutationReport } from '../../../core/results.ts';
import { MUTANTS } from '../../../scenarios/mutate/mutants.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [bin, 'mutate', ...args], {
    timeout: 150_000,
    env: { ...process.env, SESSIONLAB_PASSWORD: '' },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

t.test('--list prints every mutant with the checks meant to kill it', async (t) => {
  const { code, stdout } = await run(['--list']);
  t.equal(code, 0);
  for (const m of MUTANTS) t.match(stdout, new RegExp(`^${m.name} `, 'm'), m.name);
  t.equal(stdout.match(/meant for SL-/g)?.length, MUTANTS.length);
});

t.test('bad arguments exit 5 with a clear message', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--mutants', 'nope'], /unknown mutant "nope"/],
    [['--parallel', '0'], /invalid --parallel "0": expected 1 to 8/],
    [['--nodes', 'http://127.0.0.1:1'], /two or more node URLs/],
    [['--nodes', 'http://127.0.0.1:1,http://127.0.0.1:2'], /--password/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await run(args);
    t.equal(code, 5, args.join(' '));
    t.match(stderr, message);
  }
});

t.test(
  'one mutant end to end: killed, exit 0, JSON, Markdown and a report directory',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionlab-mutate-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const { code, stdout } = await run([
      '--mutants',
      'counter-as-string',
      '--quick',
      '--run-dir',
      join(dir, 'run'),
      '--json',
      join(dir, 'm.json'),
      '--markdown',
      join(dir, 'm.md'),
      '--out',
      join(dir, 'out'),
    ]);
    t.equal(code, 0);
    const report = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as MutationReport;
    t.match(report, { schema: 1, quick: true, killed: 1, total: 1 });
    t.same(report.mutants[0]?.killedBy, ['SL-DA-01']);
    t.match(stdout, /Mutation score: 1\/1 killed \(100 %\)/);
    t.equal(await readFile(join(dir, 'm.md'), 'utf8'), stdout);
    t.match(await readFile(join(dir, 'out', 'index.html'), 'utf8'), /id="mutation"/);
    t.match(await readFile(join(dir, 'out', 'summary.md'), 'utf8'), /## Mutation testing/);
  },
);
