/**
 * `sessionlab soak`: one engine node on redis, a long run of mixed requests straight to it
 * (scenarios/bench/soak.ts), the node's RSS at start, middle and end. Not part of `make test`:
 * the full million takes minutes. Exit 1 when memory did not level off or a request failed.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { startCluster } from '../orchestrator/cluster.ts';
import { runSoak } from '../scenarios/bench/soak.ts';
import { defaultRunDir } from './cluster-flags.ts';
import { UsageError } from '../core/errors.ts';
import { EXIT } from '../core/exit-codes.ts';

export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description('mixed requests on one node; its RSS at start, middle and end must level off')
    .option('--requests <n>', 'requests in all', '1000000')
    .option('--json <file>', 'write the soak report to this file')
    .action(async (flags: { requests: string; json?: string }) => {
      const requests = Number(flags.requests);
      if (!/^\d+$/.test(flags.requests) || requests < 1)
        throw new UsageError(`invalid --requests "${flags.requests}": expected an integer >= 1`);
      const cluster = await startCluster({ runDir: defaultRunDir('soak'), nodes: 1 });
      try {
        const [node] = cluster.nodes;
        const pid = node?.process.pid;
        if (node === undefined || pid === undefined)
          throw new Error('the soak node is not running');
        const report = await runSoak({ url: node.url, pid, password: cluster.password, requests });
        if (flags.json !== undefined)
          await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
        const { start, middle, end } = report.rssMib;
        process.stdout.write(
          `soak: ${report.requests} requests, RSS ${start} → ${middle} → ${end} MiB ` +
            `(${report.leveledOff ? 'levels off' : 'KEEPS GROWING'}); ${JSON.stringify(report.outcomes)}\n`,
        );
        const failed = Object.keys(report.outcomes).some((k) => !/ (200|204)$/.test(k));
        if (!report.leveledOff || failed) process.exitCode = EXIT.fail;
      } finally {
        await cluster.stop();
      }
    });
}
