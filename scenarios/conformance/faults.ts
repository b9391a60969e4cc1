/**
 * Fault control for the SL-FT checks: a local cluster drives its own processes; a user's
 * deployment is driven by the commands given with `--fault-cmd NAME=COMMAND` (`{node}` is
 * replaced by the node's 0-based index), run through `sh -c`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalCluster } from '../../orchestrator/cluster.ts';
import type { FaultControl } from './types.ts';

const run = promisify(execFile);

export const FAULT_COMMANDS = [
  'kill-node',
  'start-node',
  'kill-store',
  'start-store',
  'rolling-restart',
  'isolate-replicas',
  'failover',
] as const;

export function clusterFaults(cluster: LocalCluster): FaultControl {
  const stores = cluster.stores.processes.map((_, i) => i);
  const each = async (op: 'kill' | 'start' | 'pause' | 'resume'): Promise<void> => {
    for (const i of stores) await cluster.fault(op, 'store', i);
  };
  const replicated = cluster.stores.failover
    ? {
        isolateReplicas: () => cluster.isolateReplicas(),
        failover: async () => void (await cluster.failover()),
      }
    : {};
  if (stores.length === 0) {
    return {
      killNode: (i) => cluster.fault('kill', 'node', i),
      startNode: (i) => cluster.fault('start', 'node', i),
      rollingRestart: async () => void (await cluster.rollingRestart()),
    };
  }
  return {
    killNode: (i) => cluster.fault('kill', 'node', i),
    startNode: (i) => cluster.fault('start', 'node', i),
    killStore: () => each('kill'),
    startStore: () => each('start'),
    pauseStore: () => each('pause'),
    resumeStore: () => each('resume'),
    rollingRestart: async () => void (await cluster.rollingRestart()),
    ...replicated,
  };
}

export function commandFaults(commands: ReadonlyMap<string, string>): FaultControl {
  const shell = (name: string, node?: number) => async (): Promise<void> => {
    const command = (commands.get(name) as string).replaceAll('{node}', String(node ?? 0));
    await run('sh', ['-c', command], { timeout: 120_000 });
  };
  const faults: FaultControl = {};
  if (commands.has('kill-node')) faults.killNode = (i) => shell('kill-node', i)();
  if (commands.has('start-node')) faults.startNode = (i) => shell('start-node', i)();
  if (commands.has('kill-store')) faults.killStore = shell('kill-store');
  if (commands.has('start-store')) faults.startStore = shell('start-store');
  if (commands.has('rolling-restart')) faults.rollingRestart = shell('rolling-restart');
  if (commands.has('isolate-replicas')) faults.isolateReplicas = shell('isolate-replicas');
  if (commands.has('failover')) faults.failover = shell('failover');
  return faults;
}
