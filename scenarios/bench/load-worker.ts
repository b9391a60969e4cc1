/**
 * The load generator process (forked by run.ts, pinned to its own core): runs one autocannon
 * job per IPC message and answers with the run's numbers. Every connection gets its own
 * session cookie (and its own user for login-churn).
 */
import autocannon from 'autocannon';
import type { Client } from 'autocannon';
import type { LoadJob, LoadReply, LoadResult } from './run.ts';
import { autocannonRequests, stepsFor } from './workloads.ts';

async function runJob(job: LoadJob): Promise<LoadResult> {
  const connectionRequests = (i: number): ReturnType<typeof autocannonRequests> =>
    autocannonRequests(
      stepsFor(job.workload, `churn${i}`, job.password),
      job.cookies.length === 0 ? '' : (job.cookies[i % job.cookies.length] ?? ''),
    );
  let next = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    timeout: job.timeoutSec,
    requests: connectionRequests(0),
    setupClient: (client: Client) => client.setRequests(connectionRequests(next++)),
  });
  const seconds = result.duration > 0 ? result.duration : job.durationSec;
  return {
    rps: Math.round((result.requests.total / seconds) * 10) / 10,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
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
