/**
 * `sessionlab bench` end to end on a tiny matrix (engine × redis beside Express without a
 * session, read, direct, one run of 1 s): smoke, store operations per request, autocannon,
 * aggregation, the JSON report and the table. No timing is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import type { BenchReport } from '../../../core/results.ts';

const bin = join(PROJECT_ROOT, 'bin', 'sessionlab.js');
const run = promisify(execFile);

/** Command lines of live processes that mention `text`. */
async function processesMentioning(text: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const lines = await Promise.all(
    pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
  );
  return lines.map((line) => line.replaceAll('\0', ' ')).filter((line) => line.includes(text));
}

t.test('a quick bench on a tiny matrix writes a schema-1 report of verified targets', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-bench-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'bench.json');
  const runDir = join(dir, 'run');
  const { stdout, stderr } = await run(
    process.execPath,
    [
      bin,
      'bench',
      '--quick',
      ...['--targets', 'engine-redis,express-nosession,static-http', '--workloads', 'read'],
      ...['--paths', 'direct', '--reps', '1', '--duration', '1', '--connections', '10'],
      ...['--json', json, '--run-dir', runDir],
    ],
    { timeout: 120_000 },
  );
  t.match(stderr, /bench: engine-redis: smoke ok\n/);
  t.match(stderr, /bench: express-nosession: smoke ok\n/);
  t.match(stderr, /bench: static-http: smoke ok\n/);

  const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
  t.equal(report.schema, 1);
  t.equal(report.quick, true);
  t.ok(Number.isFinite(Date.parse(report.startedAt)), 'startedAt is an ISO date');
  t.ok(report.durationMs > 0);
  t.same(
    report.results.map((r) => [
      r.target,
      r.workload,
      r.path,
      r.nodes,
      r.connections,
      r.durationSec,
    ]),
    [
      ['engine-redis', 'read', 'direct', 1, 10, 1],
      ['express-nosession', 'read', 'direct', 1, 10, 1],
      ['static-http', 'read', 'direct', 1, 10, 1],
    ],
  );
  for (const result of report.results) {
    t.ok(result.rps.median > 0, `${result.target} answered requests`);
    t.same(result.rps.runs, [result.rps.median], 'one run: its rate is the median');
    t.equal(result.rps.min, result.rps.max);
    t.equal(result.noisy, false);
    t.same(Object.keys(result.latencyMs), ['p50', 'p90', 'p99', 'max']);
    t.ok(Object.values(result.latencyMs).every((ms) => typeof ms === 'number' && ms >= 0));
    t.equal(typeof result.errors, 'number');
    t.equal(typeof result.timeouts, 'number');
    t.equal(result.non2xx, 0, `${result.target} answered every read with 2xx`);
    t.ok(
      typeof result.cpuUsPerRequest === 'number' && result.cpuUsPerRequest > 0,
      `${result.target}: CPU µs per request measured (${result.cpuUsPerRequest})`,
    );
  }
  t.equal(
    report.loadCeilingRps,
    report.results[2]?.rps.median,
    'the load ceiling is the static answer rate',
  );
  const [engine, noSession] = report.results;
  t.same(
    engine?.storeOpsPerRequest,
    { evalsha_ro: 1, hgetall: 1, pttl: 1 },
    'a session read is one read-only script doing HGETALL + PTTL',
  );
  t.same(noSession?.storeOpsPerRequest, {}, 'Express without a session never asks the store');
  const ratio = report.ratios.engine_vs_express_nosession_read;
  t.ok(typeof ratio === 'number' && ratio > 0);
  t.equal(report.ratios.engine_vs_express_session_read, null);
  t.equal(report.ratios.engine_http_vs_raw_redis_read, null);

  t.match(stdout, /^\| target \| workload \| path \| nodes \| connections \| req\/s \(median\)/);
  t.match(stdout, /\| engine-redis \| read \| direct \| 1 \|/);
  t.match(stdout, /\| `engine_vs_express_nosession_read` \([^)]+\) \| \d+\.\d\d \| ≥ 0\.90 \|/);
  t.same(await processesMentioning(runDir), [], 'redis and every node are stopped');
});

t.test('bad arguments exit with code 5 and one line naming the problem', async (t) => {
  const failure = await run(process.execPath, [bin, 'bench', '--workloads', 'browse']).catch(
    (error: unknown) => error as { code: number; stderr: string },
  );
  t.match(failure, {
    code: 5,
    stderr:
      /^sessionlab: invalid workload "browse": expected read \| write \| mixed \| login-churn \| anon\n$/,
  });
  const reps = await run(process.execPath, [bin, 'bench', '--reps', 'many']).catch(
    (error: unknown) => error as { code: number; stderr: string },
  );
  t.match(reps, { code: 5, stderr: /^sessionlab: invalid --reps "many": expected a number\n$/ });
});

t.test('constant-rate mode offers a fixed rate and reports corrected latency', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-bench-rate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'bench.json');
  const { stdout } = await run(
    process.execPath,
    [
      bin,
      'bench',
      ...['--targets', 'static-http', '--rate', '200', '--paths', 'direct'],
      ...['--reps', '1', '--duration', '1', '--warmup', '0', '--connections', '4'],
      ...['--json', json, '--run-dir', join(dir, 'run')],
    ],
    { timeout: 120_000 },
  );
  const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
  t.same(
    report.results.map((r) => [r.target, r.workload, r.rate]),
    [['static-http', 'read', 200]],
  );
  const [result] = report.results;
  t.ok((result?.rps.median ?? 0) > 0, 'requests were answered');
  t.ok(
    Object.values(result?.latencyMs ?? {}).every((ms) => typeof ms === 'number' && ms > 0),
    'every percentile comes from the corrected histogram',
  );
  t.match(stdout, /\| static-http \| read @ 200 req\/s \| direct \|/);
});

t.test('constant-rate mode takes only the read workload', async (t) => {
  const failed = await run(
    process.execPath,
    [bin, 'bench', '--rate', '100', '--workloads', 'write'],
    {
      timeout: 30_000,
    },
  ).catch((error: unknown) => error as { code: number; stderr: string });
  t.match(failed, {
    code: 5,
    stderr: /constant-rate mode measures the read workload only/,
  });
});

t.test('the WAIT rows: login-churn over Sentinel with replicaAcks 0 and 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-bench-wait-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'bench.json');
  const runDir = join(dir, 'run');
  const { stdout } = await run(
    process.execPath,
    [
      bin,
      'bench',
      ...['--targets', 'engine-redis-sentinel-wait*', '--workloads', 'login-churn'],
      ...['--paths', 'direct', '--reps', '1', '--duration', '1', '--warmup', '0'],
      ...['--connections', '4', '--json', json, '--run-dir', runDir],
    ],
    { timeout: 120_000 },
  );
  const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
  t.same(
    report.results.map((r) => [r.target, r.workload, r.path]),
    [
      ['engine-redis-sentinel-wait0', 'login-churn', 'direct'],
      ['engine-redis-sentinel-wait1', 'login-churn', 'direct'],
    ],
  );
  const [without, withAcks] = report.results;
  for (const result of report.results) {
    t.ok(result.rps.median > 0, `${result.target} answered logins`);
    t.equal(result.non2xx, 0, `${result.target}: every login and logout succeeded`);
  }
  t.equal(without?.storeOpsPerRequest?.wait, undefined, 'replicaAcks 0 never sends WAIT');
  t.ok((withAcks?.storeOpsPerRequest?.wait ?? 0) > 0, 'replicaAcks 1 sends WAIT on the primary');
  t.match(stdout, /\| engine-redis-sentinel-wait1 \| login-churn \| direct \| 1 \|/);
  t.same(await processesMentioning(runDir), [], 'the sentinels, redis and every node are stopped');
});
