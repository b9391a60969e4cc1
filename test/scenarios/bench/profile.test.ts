import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import { renderFrameTimes, summarizeCpuProfile } from '../../../scenarios/bench/profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

t.test('self time is summed per function and sorted, heaviest first', async (t) => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('load', 'file:///app/session/engine.ts', 41) },
      { id: 3, callFrame: frame('load', 'file:///app/session/engine.ts', 41) },
      { id: 4, callFrame: frame('', 'file:///app/node_modules/ioredis/built/Redis.js', 9) },
      { id: 5, callFrame: frame('(idle)') },
    ],
    samples: [2, 3, 4, 2, 1, 5],
    timeDeltas: [1000, 2000, 500, 1500, 5000, 90_000],
  };
  t.same(summarizeCpuProfile(profile, 2), [
    { frame: '(root)', selfMs: 5, share: 0.5 },
    { frame: 'load (/app/session/engine.ts:42)', selfMs: 4.5, share: 0.45 },
  ]);
  t.match(
    renderFrameTimes(summarizeCpuProfile(profile)),
    / 5\.0 % +0\.5 ms {2}\(anonymous\) \(ioredis\/built\/Redis\.js:10\)/,
  );
});

t.test('--cpu-prof writes a profile and a top-frames summary per node', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-prof-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const profiles = join(dir, 'profiles');
  await promisify(execFile)(
    process.execPath,
    [
      join(PROJECT_ROOT, 'bin', 'sessionlab.js'),
      'bench',
      ...['--targets', 'static-http', '--workloads', 'read', '--paths', 'direct'],
      ...['--reps', '1', '--duration', '1', '--warmup', '0', '--connections', '4'],
      ...['--cpu-prof', profiles, '--run-dir', join(dir, 'run')],
    ],
    { timeout: 120_000 },
  );
  const files = (await readdir(profiles)).sort();
  t.same(files, ['static-http-n1', 'static-http-n1.txt', 'static-http-n2', 'static-http-n2.txt']);
  t.ok(
    (await readdir(join(profiles, 'static-http-n1'))).some((f) => f.endsWith('.cpuprofile')),
    'the raw profiles are kept beside the summary',
  );
  const summary = await readFile(join(profiles, 'static-http-n1.txt'), 'utf8');
  t.match(summary, /^ *\d+\.\d % +\d+\.\d ms {2}\S/m);
});
