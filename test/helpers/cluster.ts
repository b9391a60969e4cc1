/**
 * A local cluster for one tap test, in a temp run dir, stopped at teardown; plus login.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { startCluster } from '../../orchestrator/cluster.ts';
import type { ClusterOptions, LocalCluster } from '../../orchestrator/cluster.ts';
import { SessionClient } from '../../scenarios/conformance/client.ts';

export async function clusterFor(
  t: Test,
  options: Omit<ClusterOptions, 'runDir'> = {},
): Promise<LocalCluster> {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-cluster-'));
  const cluster = await startCluster({ logLevel: 'warn', ...options, runDir });
  t.teardown(async () => {
    await cluster.stop();
    if (t.passing()) await rm(runDir, { recursive: true, force: true });
    else console.error(`sessionlab: cluster logs kept in ${runDir}`);
  });
  return cluster;
}

/** A client logged in as `user` through `baseUrl`. */
export async function loggedIn(
  cluster: LocalCluster,
  baseUrl: string,
  user = 'alice',
): Promise<SessionClient> {
  const client = new SessionClient();
  const reply = await client.request(baseUrl, 'POST', '/login', {
    body: { user, password: cluster.password },
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return client;
}
