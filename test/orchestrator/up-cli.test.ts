/**
 * `sessionlab up` as a person runs it: prints URLs that work, writes the state file, drives a
 * fault through `sessionlab fault`, and leaves no process behind after SIGINT.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { ClusterState } from '../../orchestrator/cluster.ts';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { waitFor } from '../../orchestrator/ports.ts';
import { SessionClient } from '../../scenarios/conformance/client.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = promisify(execFile);

const fetchLabPage = (entry: string) => new SessionClient().request(entry, 'GET', '/_lab/');

t.test('up starts a working cluster and stops every process it started', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-up-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'state.json');
  const up = spawn(
    process.execPath,
    [
      bin,
      'up',
      '--store',
      'redis',
      '--nodes',
      '2',
      '--state',
      stateFile,
      '--run-dir',
      join(dir, 'run'),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
  t.teardown(() => up.kill('SIGKILL'));
  await waitFor(async () => out.includes('Ctrl-C stops everything.'), {
    what: 'sessionlab up',
    timeoutMs: 30_000,
  });
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as ClusterState;
  t.match(out, new RegExp(`entry +${state.entry}`));
  t.match(out, new RegExp(`lab +${state.entry}/_lab/ `), 'the lab URL is printed');
  const lab = await fetchLabPage(state.entry);
  t.equal(lab.status, 200, 'the lab page is served there');
  t.match(lab.text, '<title>sessionlab — live lab</title>');
  t.equal(state.nodes.length, 2);
  const client = new SessionClient();
  t.equal(
    (
      await client.request(state.entry, 'POST', '/login', {
        body: { user: 'alice', password: state.password },
      })
    ).status,
    200,
  );
  t.equal((await client.request(state.nodes[1] ?? '', 'GET', '/me')).status, 200);

  const fault = await run(process.execPath, [
    bin,
    'fault',
    'kill',
    'node',
    '0',
    '--state',
    stateFile,
  ]);
  t.same(JSON.parse(fault.stdout), { done: 'kill node 0' });
  t.equal(
    (await client.request(state.entry, 'GET', '/me')).status,
    200,
    'nginx routes around the killed node',
  );
  const bad = await run(process.execPath, [
    bin,
    'fault',
    'explode',
    'node',
    '--state',
    stateFile,
  ]).catch((e: { code: number; stderr: string }) => e);
  t.match(bad, { code: 5, stderr: /invalid op "explode"/ });

  const pids = [state.pids.nginx, ...state.pids.nodes, ...state.pids.stores].filter(
    (p): p is number => p !== undefined,
  );
  up.kill('SIGINT');
  t.equal(await exited, 0, 'up exits 0 after SIGINT');
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  t.same(alive, [], 'no process it started is left');
  await t.rejects(readFile(stateFile), { code: 'ENOENT' }, 'the state file is removed');
});

t.test('bad arguments exit 5 with one clear line', async (t) => {
  const result = await run(process.execPath, [bin, 'up', '--store', 'mongo']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  t.match(result, {
    code: 5,
    stderr:
      'sessionlab: invalid --store "mongo": expected redis | redis-cluster | redis-sentinel | memcached | memory | postgres\n',
  });
});
