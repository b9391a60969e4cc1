/**
 * Report directories on disk, and `sessionlab report --from DIR` as a person runs it.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { defaultReportDir, readResults, writeReportDir } from '../../reports/write.ts';
import { FIXTURE_DIR, fixtureResults } from './fixtures/load.ts';
import { ResultsError } from '../../core/errors.ts';

const run = promisify(execFile);
const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');

async function sessionlab(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

t.test('writeReportDir writes the four files and readResults reads the run back', async (t) => {
  const dir = join(t.testdir(), 'nested', 'run');
  const results = fixtureResults();
  const written = await writeReportDir(dir, results);
  t.equal(written.dir, dir);
  t.same(
    written.files.map((file) => file.slice(dir.length + 1)),
    ['results.json', 'summary.md', 'junit.xml', 'index.html'],
  );
  t.same((await readdir(dir)).sort(), ['index.html', 'junit.xml', 'results.json', 'summary.md']);
  t.same(await readResults(dir), results);
  t.match(await readFile(join(dir, 'index.html'), 'utf8'), /^<!doctype html>/);
});

t.test('the default report directory is a timestamped folder under reports/out', async (t) => {
  t.equal(
    defaultReportDir(new Date('2025-06-01T10:00:00.123Z')),
    join(PROJECT_ROOT, 'reports', 'out', '2025-06-01T10-00-00-123Z'),
  );
});

t.test('readResults says what is wrong with a directory that is not a report', async (t) => {
  const dir = t.testdir({
    empty: {},
    'not-json': { 'results.json': '{ nope' },
    'schema-2': { 'results.json': JSON.stringify({ ...fixtureResults(), schema: 2 }) },
    'no-checks': {
      'results.json': JSON.stringify({ ...fixtureResults(), conformance: [{ target: {} }] }),
    },
  });
  const problem = async (name: string): Promise<ResultsError> => {
    const error = await readResults(join(dir, name)).then(
      () => null,
      (e: unknown) => e,
    );
    if (!(error instanceof ResultsError)) throw new Error(`${name}: expected a ResultsError`);
    t.equal(error.code, 'SESSIONLAB_ERR_BAD_RESULTS');
    return error;
  };
  t.match(
    (await problem('empty')).message,
    /^no results\.json in .*empty — is it a report directory/,
  );
  t.match((await problem('missing')).message, /^no results\.json in .*missing/);
  t.match((await problem('not-json')).message, /results\.json is not valid JSON: /);
  t.match(
    (await problem('schema-2')).message,
    /results\.json has schema 2; this sessionlab reads schema 1/,
  );
  t.match(
    (await problem('no-checks')).message,
    /has a conformance\[0\] without a "target" object and a "checks" array/,
  );
});

t.test('sessionlab report re-renders a report directory into --out', async (t) => {
  const out = join(t.testdir(), 'out');
  const result = await sessionlab(['report', '--from', FIXTURE_DIR, '--out', out]);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, `${join(out, 'index.html')}\n`);
  t.same((await readdir(out)).sort(), ['index.html', 'junit.xml', 'results.json', 'summary.md']);
  t.equal(
    await readFile(join(out, 'results.json'), 'utf8'),
    await readFile(join(FIXTURE_DIR, 'results.json'), 'utf8'),
    'results.json is copied as it was',
  );
});

t.test('sessionlab report without --out renders into the --from directory', async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, 'results.json'), JSON.stringify(fixtureResults()));
  const result = await sessionlab(['report', '--from', dir]);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, `${join(dir, 'index.html')}\n`);
  t.same((await readdir(dir)).sort(), ['index.html', 'junit.xml', 'results.json', 'summary.md']);
});

t.test('sessionlab report with a bad directory exits 5 with one line', async (t) => {
  const dir = t.testdir({ old: { 'results.json': JSON.stringify({ schema: 2 }) } });
  const missing = await sessionlab(['report', '--from', join(dir, 'nope')]);
  t.equal(missing.code, 5);
  t.match(
    missing.stderr,
    /^sessionlab: --from: no results\.json in .*nope — is it a report directory/,
  );
  t.equal(missing.stderr.trim().split('\n').length, 1);
  const old = await sessionlab(['report', '--from', join(dir, 'old')]);
  t.equal(old.code, 5);
  t.match(old.stderr, /has schema 2; this sessionlab reads schema 1/);
  await mkdir(join(dir, 'blocked'));
  await writeFile(join(dir, 'blocked', 'file'), '');
  const badOut = await sessionlab([
    'report',
    '--from',
    FIXTURE_DIR,
    '--out',
    join(dir, 'blocked', 'file'),
  ]);
  t.equal(badOut.code, 5);
  t.match(badOut.stderr, /^sessionlab: --out: cannot write the report into /);
  const noFrom = await sessionlab(['report']);
  t.equal(noFrom.code, 5);
  t.match(noFrom.stderr, /required option '--from <dir>' not specified/);
});
