/**
 * The load generator process (forked by run.ts, pinned to its own core): runs one autocannon
 * job per IPC message and answers with the run's numbers. Every connection gets its own
 * session cookie (and its own user for login-churn).
 */
import autocannon from 'autocannon';
import type { Client } from 'autocannon';
import type { EventEmitter } from 'node:events';
import * as hdr from 'hdr-histogram-js';
import type { LatencyMs } from '../../core/results.ts';
import type { LoadJob, LoadReply, LoadResult } from './run.ts';
import { autocannonRequests, stepsFor } from './workloads.ts';
import { profileAutocannonRequests } from './profile-workloads.ts';

/**
 * Constant-rate latency, free of coordinated omission: every response time goes into an
 * HdrHistogram with the interval at which its connection was meant to send, so a stall also
 * counts the requests it kept from being sent. (autocannon's own correction takes the interval
 * in seconds for a value in milliseconds, so it is switched off.)
 */
function correctedLatency(
  instance: EventEmitter,
  job: LoadJob & { rate: number },
): () => LatencyMs {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000 });
  const connections = Math.min(job.connections, job.rate);
  const intervalUs = Math.max(1, Math.round((1_000_000 * connections) / job.rate));
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
    histogram.recordValueWithExpectedInterval(Math.max(1, Math.round(ms * 1000)), intervalUs),
  );
  const at = (p: number): number => Math.round(histogram.getValueAtPercentile(p) / 10) / 100;
  return () => ({ p50: at(50), p90: at(90), p99: at(99), max: at(100) });
}

function runAutocannon(job: LoadJob): Promise<{ result: autocannon.Result; latency?: LatencyMs }> {
  const cookieOf = (i: number): string =>
    job.cookies.length === 0 ? '' : (job.cookies[i % job.cookies.length] ?? '');
  const connectionRequests = (i: number): ReturnType<typeof autocannonRequests> =>
    job.profileSteps === undefined
      ? autocannonRequests(stepsFor(job.workload, `churn${i}`, job.password), cookieOf(i))
      : profileAutocannonRequests(job.profileSteps, cookieOf(i));
  let next = 0;
  return new Promise((resolve, reject) => {
    let latency: (() => LatencyMs) | undefined;
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationSec,
        timeout: job.timeoutSec,
        requests: connectionRequests(0),
        setupClient: (client: Client) => client.setRequests(connectionRequests(next++)),
        ...(job.rate === undefined
          ? {}
          : { overallRate: job.rate, ignoreCoordinatedOmission: true }),
      },
      (error, result) =>
        error ? reject(error) : resolve({ result, ...(latency ? { latency: latency() } : {}) }),
    );
    if (job.rate !== undefined) latency = correctedLatency(instance, { ...job, rate: job.rate });
  });
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const { result, latency } = await runAutocannon(job);
  const seconds = result.duration > 0 ? result.duration : job.durationSec;
  return {
    rps: Math.round((result.requests.total / seconds) * 10) / 10,
    latencyMs: latency ?? {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
    ),
  };
}

process.on('message', (message: { id: number; job: LoadJob }) => {
  const reply = (answer: LoadReply): void => void process.send?.(answer);
  runJob(message.job).then(
    (result) => reply({ id: message.id, result }),
    (error: unknown) =>
      reply({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The bench went away: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
