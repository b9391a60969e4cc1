/**
 * `sessionlab fault` and `sessionlab down`: act on a running `sessionlab up` through its state
 * file (the control channel and pids it names).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FAULT_OPS } from '../orchestrator/cluster.ts';
import type { ClusterState } from '../orchestrator/cluster.ts';
import { CLUSTER_FAULT_OPS, sendFault } from '../orchestrator/control.ts';
import type { FaultRequest } from '../orchestrator/control.ts';
import { UsageError } from '../core/errors.ts';

export async function readState(file: string): Promise<ClusterState> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } catch (error) {
    throw new UsageError(
      `cannot read state file ${file}: ${(error as Error).message} — is \`sessionlab up --state ${file}\` running?`,
    );
  }
}

export function registerFault(program: Command): void {
  program
    .command('fault')
    .description('drive a fault in a running `sessionlab up`')
    .argument(
      '<op>',
      'kill | pause | resume | restart | start (of a target); rolling-restart | failover | isolate-replicas',
    )
    .argument('[target]', 'node | store')
    .argument('[index]', '0-based index of the node or store process', '0')
    .requiredOption('--state <file>', 'the state file of the running `sessionlab up`')
    .action(
      async (op: string, target: string | undefined, index: string, flags: { state: string }) => {
        const whole: readonly string[] = CLUSTER_FAULT_OPS;
        const ops = [...FAULT_OPS, ...whole];
        if (!ops.includes(op))
          throw new UsageError(`invalid op "${op}": expected ${ops.join(' | ')}`);
        if (!whole.includes(op) && target !== 'node' && target !== 'store') {
          throw new UsageError(`invalid target "${target ?? ''}": expected node | store`);
        }
        if (!/^\d+$/.test(index))
          throw new UsageError(`invalid index "${index}": expected 0, 1, ...`);
        const state = await readState(flags.state);
        if (!state.control) throw new UsageError(`${flags.state} has no control channel`);
        const request = {
          op,
          ...(target === undefined ? {} : { target }),
          index: Number(index),
        } as FaultRequest;
        process.stdout.write(`${JSON.stringify(await sendFault(state.control, request))}\n`);
      },
    );

  program
    .command('down')
    .description('stop a running `sessionlab up`')
    .requiredOption('--state <file>', 'its state file')
    .action(async (flags: { state: string }) => {
      const state = await readState(flags.state);
      process.kill(state.pids.up, 'SIGTERM');
      process.stdout.write(`sent SIGTERM to sessionlab up (pid ${state.pids.up})\n`);
    });
}
