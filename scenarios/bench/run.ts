/**
 * Runs the load: one long-lived autocannon process (load-worker.ts) that takes jobs over IPC,
 * and CPU pinning with `taskset` so the load generator and the measured server never share a
 * core. Without taskset or with one CPU, nothing is pinned and the plan says so.
 */
import { execFile, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';
import { findExecutable } from '../../orchestrator/process.ts';
import type { Workload } from '../../core/results.ts';
import type { RunSample } from './aggregate.ts';
import type { ProfileLoadStep } from './profile-workloads.ts';

const WORKER = join(PROJECT_ROOT, 'scenarios', 'bench', 'load-worker.ts');
const execFileAsync = promisify(execFile);

export interface LoadJob {
  url: string;
  connections: number;
  durationSec: number;
  /** Seconds before a request counts as a timeout. */
  timeoutSec: number;
  workload: Workload;
  /** Cookie header values; connection i sends `cookies[i % length]`. */
  cookies: string[];
  password: string;
  /** Constant-rate mode: requests per second offered in all. */
  rate?: number;
  /** A profile target (profile-workloads.ts): these requests instead of the CONTRACT.md ones. */
  profileSteps?: ProfileLoadStep[];
}

export interface LoadResult extends RunSample {
  /** Responses received. */
  requests: number;
  /** Responses by HTTP status. */
  statusCodes: Record<string, number>;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };

/** CPU lists for `taskset -c`: the measured server on one core, the load on another. */
export interface Pinning {
  server: string;
  load: string;
  /** Every CPU: for processes that should float again. */
  all: string;
}

export interface LoadGenerator {
  pid: number;
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

/** The pinning to use, or null when taskset is missing or there is a single CPU. */
export async function choosePinning(): Promise<Pinning | null> {
  const count = cpus().length;
  if (count < 2) return null;
  try {
    await findExecutable('taskset');
  } catch {
    return null;
  }
  return { server: '0', load: String(count - 1), all: `0-${count - 1}` };
}

/** Moves every thread of `pid` onto `cpuList`. */
export async function pinProcess(pid: number, cpuList: string): Promise<void> {
  await execFileAsync(await findExecutable('taskset'), ['-a', '-p', '-c', cpuList, String(pid)], {
    timeout: 5_000,
  });
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(WORKER, [], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();
  let nextId = 0;
  let exited = false;
  const failAll = (why: string): void => {
    for (const { reject } of pending.values()) reject(new Error(`load generator ${why}`));
    pending.clear();
  };
  child.on('exit', (code, signal) => {
    exited = true;
    failAll(`exited (${signal ?? `code ${code}`})`);
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', () => reject(new Error('load generator exited before it was ready')));
  });
  child.on('message', (reply: LoadReply | { ready: true }) => {
    if (!('id' in reply)) return;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiter?.reject(new Error(`autocannon: ${reply.error}`));
    else waiter?.resolve(reply.result);
  });
  await ready;
  const pid = child.pid;
  if (pid === undefined) throw new Error('load generator has no pid');
  return {
    pid,
    run: (job) =>
      new Promise((resolve, reject) => {
        if (exited) return reject(new Error('load generator is not running'));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, job });
      }),
    close: async () => {
      if (exited) return;
      const gone = once(child, 'exit');
      child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(kill);
    },
  };
}
