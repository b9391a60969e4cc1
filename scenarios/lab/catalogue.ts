/** Every lab experiment, in the guide's order; names are stable (`sessionlab lab <name>`). */
import type { Experiment } from './experiment.ts';
import { cookie, fixation, lostUpdates, monitoring, storeOutage } from './experiments-safety.ts';
import { memory, rotation, sticky, timeouts } from './experiments-servers.ts';

export const EXPERIMENTS: readonly Experiment[] = [
  memory,
  sticky,
  timeouts,
  rotation,
  lostUpdates,
  storeOutage,
  cookie,
  fixation,
  monitoring,
];

export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((experiment) => experiment.name === name);
}
