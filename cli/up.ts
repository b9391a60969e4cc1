/**
 * `sessionlab up`: starts a local cluster, prints its URLs, writes the state file, serves fault
 * operations, and on SIGINT/SIGTERM stops everything it started (logs stay in the run dir).
 */
import { writeFile, rm } from 'node:fs/promises';
import { relative } from 'node:path';
import { startCluster } from '../orchestrator/cluster.ts';
import type { ClusterOptions, ClusterState } from '../orchestrator/cluster.ts';
import type { Command } from 'commander';
import { serveControl } from '../orchestrator/control.ts';
import { freePort } from '../orchestrator/ports.ts';
import { startLabServer } from '../scenarios/lab/lab-server.ts';
import { addClusterFlags, clusterOptionsFrom, defaultRunDir, flawHelp } from './cluster-flags.ts';

function describe(state: ClusterState, stateFile: string | undefined): string {
  const lines = [
    `sessionlab up: ${state.impl} × ${state.store}, ${state.nodes.length} nodes behind nginx (${state.lb})${state.flaws.length ? `, flaws: ${state.flaws.join(', ')}` : ''}`,
    `  lab        ${state.entry}/_lab/   (open it in a browser; the guide is docs/README.md)`,
    `  entry      ${state.entry}`,
    ...(state.entryTls ? [`  entry TLS  ${state.entryTls}  (self-signed: curl -k)`] : []),
    ...state.nodes.map((url, i) => `  node n${i + 1}    ${url}`),
    `  store      ${state.storeUrl}`,
    `  password   ${state.password}`,
    `  logs       ${relative(process.cwd(), state.runDir) || '.'}`,
    ...(stateFile ? [`  state      ${stateFile}`] : []),
    '',
    'Try:',
    `  curl -si -c jar -H 'content-type: application/json' -d '{"user":"alice","password":"${state.password}"}' ${state.entry}/login`,
    `  curl -si -b jar ${state.entry}/me`,
    'Ctrl-C stops everything.',
  ];
  return lines.join('\n');
}

export async function runUp(options: ClusterOptions, stateFile: string | undefined): Promise<void> {
  process.stderr.write(`starting ${options.store} store, ${options.nodes ?? 3} nodes and nginx…\n`);
  // nginx learns the lab's port up front; the lab server starts once the cluster it drives is up.
  const labPort = await freePort();
  const cluster = await startCluster({ ...options, labPort });
  let channel = { url: '', token: '' };
  const saveState = async (): Promise<void> => {
    const text = `${JSON.stringify(cluster.state(channel), null, 2)}\n`;
    if (stateFile) await writeFile(stateFile, text, { mode: 0o600 });
  };
  const control = await serveControl(cluster, saveState);
  const lab = await startLabServer({ cluster, port: labPort, onChange: saveState });
  channel = { url: control.url, token: control.token };
  await saveState();
  const state = cluster.state(channel);
  process.stdout.write(`${describe(state, stateFile)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('stopping…\n');
  await lab.close();
  await control.close();
  await cluster.stop();
  if (stateFile) await rm(stateFile, { force: true });
  process.stderr.write('stopped; logs kept in the run directory\n');
}

export function registerUp(program: Command): void {
  addClusterFlags(
    program.command('up').description('start a local cluster: stores, N nodes, nginx'),
  )
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
}
