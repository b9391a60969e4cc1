/** A real engine × redis cluster of two nodes with the lab server in front, torn down with `t`. */
import { join } from 'node:path';
import type { Test } from 'tap';
import { startCluster } from '../../../orchestrator/cluster.ts';
import type { LocalCluster } from '../../../orchestrator/cluster.ts';
import { freePort } from '../../../orchestrator/ports.ts';
import { startLabServer } from '../../../scenarios/lab/lab-server.ts';
import { closeAgents } from '../../../scenarios/conformance/client.ts';

export async function startLabCluster(t: Test): Promise<LocalCluster> {
  const labPort = await freePort();
  // A subfolder: stopping the cluster removes all but logs from its run dir, screenshots too.
  const runDir = join(t.testdir(), 'cluster');
  const cluster = await startCluster({ runDir, nodes: 2, labPort });
  t.teardown(() => cluster.stop());
  const lab = await startLabServer({ cluster, port: labPort, pollIntervalMs: 300 });
  t.teardown(async () => {
    await lab.close();
    await closeAgents();
  });
  return cluster;
}
