/**
 * `sessionlab failover-load`: a local cluster (engine nodes behind nginx on redis-sentinel or
 * redis-cluster), a bounded mixed load through nginx with the store failed over in the middle
 * (scenarios/bench/failover-load.ts), and the report: failover duration, requests by status, the
 * guarantee's violations. Exit 1 when there is any violation.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { startCluster } from '../orchestrator/cluster.ts';
import { resolveFailoverLoadOptions, runFailoverLoad } from '../scenarios/bench/failover-load.ts';
import { defaultRunDir } from './cluster-flags.ts';
import { UsageError } from '../core/errors.ts';
import { EXIT } from '../core/exit-codes.ts';

const STORES = ['redis-sentinel', 'redis-cluster'] as const;

interface Flags {
  store: string;
  nodes: string;
  concurrency: string;
  sessions: string;
  before: string;
  after: string;
  replicaAcks?: string;
  json?: string;
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid ${flag} "${value}": expected an integer`);
  return Number(value);
}

export function registerFailoverLoad(program: Command): void {
  program
    .command('failover-load')
    .description('mixed load through nginx while the store fails over; what users saw')
    .option('--store <kind>', STORES.join(' | '), 'redis-sentinel')
    .option('--nodes <n>', 'engine nodes behind nginx', '2')
    .option('--concurrency <n>', 'users sending requests at the same time', '8')
    .option('--sessions <n>', 'sessions logged in before the load', '16')
    .option('--before <ms>', 'load before the failover', '2000')
    .option('--after <ms>', 'load after the failover', '3000')
    .option('--replica-acks <n>', 'replicas each login and logout waits for (default 1)')
    .option('--json <file>', 'write the report to this file')
    .action(async (flags: Flags) => {
      const store = STORES.find((s) => s === flags.store);
      if (store === undefined)
        throw new UsageError(`invalid --store "${flags.store}": expected ${STORES.join(' | ')}`);
      const nodes = integer('--nodes', flags.nodes);
      if (nodes < 1 || nodes > 16) throw new UsageError('invalid --nodes: expected 1 to 16');
      const options = {
        concurrency: integer('--concurrency', flags.concurrency),
        sessions: integer('--sessions', flags.sessions),
        beforeMs: integer('--before', flags.before),
        afterMs: integer('--after', flags.after),
      };
      resolveFailoverLoadOptions(options); // bad numbers fail before anything starts
      const replicaAcks =
        flags.replicaAcks === undefined ? 1 : integer('--replica-acks', flags.replicaAcks);
      const cluster = await startCluster({
        runDir: defaultRunDir('failover-load'),
        store,
        nodes,
        replicaAcks,
      });
      try {
        const report = await runFailoverLoad({
          entry: cluster.nginx.entry,
          password: cluster.password,
          failover: () => cluster.failover(),
          ...options,
        });
        const text = JSON.stringify(report, null, 2);
        if (flags.json !== undefined) await writeFile(flags.json, `${text}\n`);
        process.stdout.write(`${text}\n`);
        process.stdout.write(
          `failover-load: ${report.requests} requests, failover ${report.failoverMs} ms, ` +
            `failed answers for ${report.unavailableMs} ms, ${report.violations.length} violation(s)\n`,
        );
        if (report.violations.length > 0) process.exitCode = EXIT.fail;
      } finally {
        await cluster.stop();
      }
    });
}
