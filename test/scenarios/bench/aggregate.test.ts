/**
 * scenarios/bench/aggregate.ts on fixture runs: repetitions → median/min/max, the noisy flag,
 * latency of the median run, summed failures, and the headline ratios.
 */
import t from 'tap';
import type { BenchResult, LatencyMs } from '../../../core/results.ts';
import { aggregateRuns, computeRatios, median } from '../../../scenarios/bench/aggregate.ts';
import type { MeasurementKey, RunSample } from '../../../scenarios/bench/aggregate.ts';

const key: MeasurementKey = {
  target: 'engine-redis',
  workload: 'read',
  path: 'direct',
  nodes: 1,
  connections: 50,
  durationSec: 5,
  storeOpsPerRequest: { hgetall: 1, pttl: 1 },
};

const latency = (p50: number): LatencyMs => ({ p50, p90: p50 * 2, p99: p50 * 4, max: p50 * 10 });

const run = (rps: number, p50: number, failures: Partial<RunSample> = {}): RunSample => ({
  rps,
  latencyMs: latency(p50),
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  ...failures,
});

const result = (target: string, rps: number, extra: Partial<BenchResult> = {}): BenchResult => ({
  ...aggregateRuns({ ...key, target }, [run(rps, 1)]),
  ...extra,
});

t.test('median is the middle value, or the mean of the two middle values', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.equal(median([7]), 7);
  t.throws(() => median([]), RangeError);
});

t.test('three repetitions give median, min, max and the runs in measured order', async (t) => {
  const aggregated = aggregateRuns(key, [run(1000, 3), run(1040, 2), run(980, 4)]);
  t.same(aggregated.rps, { median: 1000, min: 980, max: 1040, runs: [1000, 1040, 980] });
  t.equal(aggregated.noisy, false, 'a spread of 6 % is not noisy');
  t.same(aggregated.storeOpsPerRequest, { hgetall: 1, pttl: 1 });
  t.equal(aggregated.target, 'engine-redis');
  t.equal(aggregated.durationSec, 5);
});

t.test('a result is noisy only when (max − min) / median is above 10 %', async (t) => {
  t.equal(
    aggregateRuns(key, [run(1000, 1), run(950, 1), run(1050, 1)]).noisy,
    false,
    'exactly 10 %',
  );
  t.equal(aggregateRuns(key, [run(1000, 1), run(949, 1), run(1050, 1)]).noisy, true, '10.1 %');
  t.equal(aggregateRuns(key, [run(1000, 1)]).noisy, false, 'one run has no spread');
});

t.test('latency percentiles come from the median run, not from an average', async (t) => {
  t.same(aggregateRuns(key, [run(900, 9), run(1100, 1), run(1000, 5)]).latencyMs, latency(5));
  t.same(
    aggregateRuns(key, [run(1100, 1), run(900, 9), run(1000, 5), run(950, 7)]).latencyMs,
    latency(7),
    'an even count takes the lower of the two middle runs',
  );
});

t.test(
  'errors, timeouts and non-2xx are counted separately and summed over the runs',
  async (t) => {
    const aggregated = aggregateRuns(key, [
      run(1000, 1, { errors: 2, timeouts: 1 }),
      run(1000, 1, { non2xx: 5 }),
      run(1000, 1, { errors: 1, non2xx: 1 }),
    ]);
    t.same([aggregated.errors, aggregated.timeouts, aggregated.non2xx], [3, 1, 6]);
  },
);

t.test('aggregating no runs is a set-up error', async (t) => {
  t.throws(() => aggregateRuns(key, []), RangeError);
});

t.test('ratios divide the direct medians of the same run, each on its workload', async (t) => {
  const results = [
    result('engine-redis', 9000),
    result('express-nosession', 10_000),
    result('express-session-redis', 6000),
    result('engine-http-redis', 21_000),
    result('raw-ioredis-get', 30_000),
    result('engine-http-memcached', 16_000),
    result('raw-memcached-get', 20_000),
    result('engine-redis', 8000, { workload: 'write' }),
    result('express-session-redis', 4000, { workload: 'write' }),
    result('engine-redis', 8800, { workload: 'mixed' }),
    result('express-session-redis', 8000, { workload: 'mixed' }),
    result('engine-redis', 3000, { workload: 'login-churn' }),
    result('express-session-redis', 2000, { workload: 'login-churn' }),
    result('engine-redis', 1, { workload: 'write', path: 'nginx' }),
  ];
  t.same(computeRatios(results), {
    engine_vs_express_nosession_read: 0.9,
    engine_vs_express_session_read: 1.5,
    engine_vs_express_session_write: 2,
    engine_vs_express_session_mixed: 1.1,
    engine_vs_express_session_login_churn: 1.5,
    engine_http_vs_raw_redis_read: 0.7,
    engine_http_vs_raw_memcached_read: 0.8,
  });
});

t.test('a ratio is null when a side was not measured direct on its workload', async (t) => {
  const results = [
    result('engine-redis', 9000),
    result('express-nosession', 10_000, { path: 'nginx' }),
    result('express-session-redis', 6000, { workload: 'write' }),
    result('engine-http-redis', 21_000),
    result('raw-ioredis-get', 0),
  ];
  t.same(computeRatios(results), {
    engine_vs_express_nosession_read: null,
    engine_vs_express_session_read: null,
    engine_vs_express_session_write: null,
    engine_vs_express_session_mixed: null,
    engine_vs_express_session_login_churn: null,
    engine_http_vs_raw_redis_read: null,
    engine_http_vs_raw_memcached_read: null,
  });
  t.same(computeRatios([]), {
    engine_vs_express_nosession_read: null,
    engine_vs_express_session_read: null,
    engine_vs_express_session_write: null,
    engine_vs_express_session_mixed: null,
    engine_vs_express_session_login_churn: null,
    engine_http_vs_raw_redis_read: null,
    engine_http_vs_raw_memcached_read: null,
  });
});

t.test('ratios are rounded to three decimals', async (t) => {
  const ratios = computeRatios([result('engine-redis', 2000), result('express-nosession', 3000)]);
  t.equal(ratios.engine_vs_express_nosession_read, 0.667);
});
