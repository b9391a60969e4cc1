/**
 * One lab experiment: the same probe against two real local clusters started side by side — the
 * popular (broken) setup and the engine — and whether the guarantee held on each.
 */
import { join } from 'node:path';
import { startCluster } from '../../orchestrator/cluster.ts';
import type { ClusterOptions, LocalCluster } from '../../orchestrator/cluster.ts';
import { closeAgents } from '../conformance/client.ts';

export type SetupOptions = Omit<ClusterOptions, 'runDir'>;

export interface Setup {
  /** One line: what runs, e.g. `express-session × redis, 2 nodes`. */
  label: string;
  cluster: SetupOptions;
}

export interface Experiment {
  name: string;
  /** The guide chapter (file under docs/) that quotes this experiment. */
  chapter: string;
  title: string;
  /** The guarantee the probe checks, as the guide states it. */
  guarantee: string;
  broken: Setup;
  fixed: Setup;
  /** Drives one cluster, writes what it saw line by line; true when the guarantee held. */
  probe(cluster: LocalCluster, say: (line: string) => void): Promise<boolean>;
}

export interface SideResult {
  label: string;
  lines: string[];
  held: boolean;
}

export interface ExperimentResult {
  name: string;
  title: string;
  guarantee: string;
  broken: SideResult;
  fixed: SideResult;
  /** What the guide claims: the broken setup fails, the engine does not. */
  asClaimed: boolean;
}

/** Lab clusters are small and quiet: two nodes unless the experiment says otherwise. */
const LAB_DEFAULTS: SetupOptions = { nodes: 2, logLevel: 'warn' };

async function runSide(experiment: Experiment, setup: Setup, runDir: string): Promise<SideResult> {
  const cluster = await startCluster({ ...LAB_DEFAULTS, ...setup.cluster, runDir });
  const lines: string[] = [];
  try {
    const held = await experiment.probe(cluster, (line) => lines.push(line));
    return { label: setup.label, lines, held };
  } catch (error) {
    lines.push(`probe failed: ${(error as Error).message}`);
    return { label: setup.label, lines, held: false };
  } finally {
    await cluster.stop();
  }
}

/** Runs both sides at once (each on its own ports and store) and compares them. */
export async function runExperiment(
  experiment: Experiment,
  runDir: string,
): Promise<ExperimentResult> {
  const [broken, fixed] = await Promise.all([
    runSide(experiment, experiment.broken, join(runDir, `${experiment.name}-broken`)),
    runSide(experiment, experiment.fixed, join(runDir, `${experiment.name}-fixed`)),
  ]);
  return {
    name: experiment.name,
    title: experiment.title,
    guarantee: experiment.guarantee,
    broken,
    fixed,
    asClaimed: !broken.held && fixed.held,
  };
}

/** Closes the shared HTTP agents once every experiment of a run is done. */
export const closeLabClients = closeAgents;
