/**
 * `sessionlab up` and `sessionlab conformance` on a password-protected redis given by
 * `--store-url`: the nodes reach it, a 503 in its outage names no address or credential, and
 * the password is in no output, state file, log or node command line.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { ClusterState } from '../../orchestrator/cluster.ts';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { waitFor } from '../../orchestrator/ports.ts';
import { runRedisCli } from '../../orchestrator/services.ts';
import { SessionClient } from '../../scenarios/conformance/client.ts';
import { redisFor } from '../helpers/services.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = promisify(execFile);
const PASSWORD = 'app-Pw-7f3c';

const redis = await redisFor(t);
await runRedisCli(redis.port, ['ACL', 'SETUSER', 'app', 'on', `>${PASSWORD}`, '~*', '+@all']);
await runRedisCli(redis.port, ['CONFIG', 'SET', 'requirepass', 'root-Pw-91aa']);
const storeUrl = `redis://app:${PASSWORD}@127.0.0.1:${redis.port}`;

async function logsOf(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const logs = entries.filter((e) => e.isFile() && e.name.endsWith('.log'));
  return (await Promise.all(logs.map((e) => readFile(join(e.parentPath, e.name), 'utf8')))).join(
    '\n',
  );
}

t.test(
  'up --store-url runs on a password-protected redis and never shows the password',
  async (t) => {
    const dir = t.testdir();
    const stateFile = join(dir, 'state.json');
    const runDir = join(dir, 'run');
    const args = ['up', '--store-url', storeUrl, '--nodes', '1', '--state', stateFile];
    const up = spawn(process.execPath, [bin, ...args, '--run-dir', runDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    up.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    t.teardown(() => up.kill('SIGKILL'));
    await waitFor(async () => out.includes('Ctrl-C stops everything.'), {
      what: 'sessionlab up',
      timeoutMs: 30_000,
    });
    const stateText = await readFile(stateFile, 'utf8');
    const state = JSON.parse(stateText) as ClusterState;
    t.match(out, `store      redis://app:***@127.0.0.1:${redis.port}`);
    t.equal(state.storeUrl, `redis://app:***@127.0.0.1:${redis.port}`);
    t.equal(state.store, 'redis');
    const client = new SessionClient();
    const login = await client.request(state.entry, 'POST', '/login', {
      body: { user: 'alice', password: state.password },
    });
    t.equal(login.status, 200, 'a login is stored in the protected redis');
    t.equal((await client.request(state.entry, 'GET', '/me')).status, 200);
    const nodePid = state.pids.nodes[0];
    const cmdline = await readFile(`/proc/${nodePid}/cmdline`, 'utf8');
    t.notMatch(cmdline, PASSWORD, 'the node command line carries no password');

    redis.process.pause();
    const outage = await client.request(state.entry, 'GET', '/me');
    redis.process.resume();
    t.equal(outage.status, 503);
    t.same(JSON.parse(outage.text), { error: 'session store unavailable; try again shortly' });
    t.notMatch(outage.text, String(redis.port), 'no address in the body');
    t.equal((await client.request(state.entry, 'GET', '/me')).status, 200, 'back after it');

    const fault = await run(process.execPath, [
      bin,
      'fault',
      'pause',
      'store',
      '--state',
      stateFile,
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (error: unknown) => error as { code: number; stderr: string },
    );
    t.not(fault.code, 0, 'a store fault on a store sessionlab did not start is refused');
    t.match(fault.stderr, 'the store was given by --store-url', 'and says why');
    t.equal((await client.request(state.entry, 'GET', '/me')).status, 200, 'nothing changed');

    up.kill('SIGINT');
    t.equal(await exited, 0);
    const logs = await logsOf(runDir);
    t.match(logs, 'store error', 'the outage is logged');
    for (const [what, text] of [
      ['output', out],
      ['state file', stateText],
      ['logs', logs],
    ] as const)
      t.notMatch(text, PASSWORD, `no password in the ${what}`);
  },
);

t.test('conformance --store-url inspects a password-protected redis', async (t) => {
  const dir = t.testdir();
  const result = await run(process.execPath, [
    bin,
    'conformance',
    ...['--nodes', '1', '--store-url', storeUrl, '--only', 'SL-ST-02'],
    ...['--run-dir', join(dir, 'run'), '--json', join(dir, 'report.json')],
  ]);
  const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
    checks: { id: string; verdict: string }[];
  };
  t.match(report.checks, [{ id: 'SL-ST-02', verdict: 'PASS' }]);
  t.notMatch(result.stdout + result.stderr, PASSWORD);
});
