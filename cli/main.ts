/**
 * `sessionlab <command>`: the entry that touches argv, the environment and process.exit.
 * Exit code 5 means bad arguments; each command documents its own other codes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { InvalidOptionError } from '../session/errors.ts';
import { FAULT_OPS } from '../orchestrator/cluster.ts';
import type { ClusterState } from '../orchestrator/cluster.ts';
import { sendFault } from '../orchestrator/control.ts';
import type { FaultRequest } from '../orchestrator/control.ts';
import { PROJECT_ROOT } from '../orchestrator/nodes.ts';
import { UsageError, addClusterFlags, clusterOptionsFrom, flawHelp } from './cluster-flags.ts';
import { runUp } from './up.ts';

export const EXIT_BAD_ARGUMENTS = 5;

function defaultRunDir(command: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(PROJECT_ROOT, '.run', `${command}-${stamp}`);
}

async function readState(file: string): Promise<ClusterState> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } catch (error) {
    throw new UsageError(
      `cannot read state file ${file}: ${(error as Error).message} — is \`sessionlab up --state ${file}\` running?`,
    );
  }
}

const program = new Command('sessionlab')
  .description('Is my shared-session setup correct, secure and fast?')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

addClusterFlags(program.command('up').description('start a local cluster: stores, N nodes, nginx'))
  .option('--state <file>', 'write the cluster state (URLs, password, pids) as JSON')
  .option('--help-flaws', 'list the flaw switches and exit')
  .action(async (flags: Record<string, unknown>) => {
    if (flags.helpFlaws) return void process.stdout.write(`${flawHelp()}\n`);
    const options = clusterOptionsFrom(
      flags,
      (flags.runDir as string | undefined) ?? defaultRunDir('up'),
    );
    await runUp(options, flags.state as string | undefined);
  });

program
  .command('fault')
  .description('drive a fault in a running `sessionlab up`')
  .argument('<op>', 'kill | pause | resume | restart | start | rolling-restart')
  .argument('[target]', 'node | store')
  .argument('[index]', '0-based index of the node or store process', '0')
  .requiredOption('--state <file>', 'the state file of the running `sessionlab up`')
  .action(
    async (op: string, target: string | undefined, index: string, flags: { state: string }) => {
      const ops = [...FAULT_OPS, 'rolling-restart'];
      if (!ops.includes(op))
        throw new UsageError(`invalid op "${op}": expected ${ops.join(' | ')}`);
      if (op !== 'rolling-restart' && target !== 'node' && target !== 'store') {
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_ARGUMENTS;
  } else if (error instanceof UsageError || error instanceof InvalidOptionError) {
    process.stderr.write(`sessionlab: ${error.message}\n`);
    process.exitCode = EXIT_BAD_ARGUMENTS;
  } else {
    process.stderr.write(`sessionlab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 4;
  }
}
