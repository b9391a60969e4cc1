/**
 * The bench as text for a terminal: the plan before it runs; after, the report's Markdown
 * tables of the results and the headline ratios against their goals. Pure.
 */
import type { BenchReport } from '../../core/results.ts';
import { benchRatioTable, benchResultTable } from '../../reports/bench-tables.ts';
import { estimateSeconds } from './plan.ts';
import type { BenchOptions, Measurement } from './plan.ts';
import type { Pinning } from './run.ts';

export const labelOf = (m: Measurement): string => `${m.target.name} ${m.workload} ${m.path}`;

export function renderPlan(
  options: BenchOptions,
  planned: readonly Measurement[],
  pinning: Pinning | null,
): string[] {
  return [
    `plan: ${planned.length} measurements, ${planned.filter((m) => m.reps === options.reps).length} × ${options.reps} rep(s) and the rest × 1, of ${options.durationSec} s ` +
      `(+${options.warmupSec} s warm-up), ${options.connections} connections, ` +
      `${options.sessions} sessions; about ${estimateSeconds(options, planned)} s of load plus start-up`,
    ...planned.map((m) => `  ${labelOf(m)}${m.reps === 1 && options.reps > 1 ? ' (1 rep)' : ''}`),
    pinning === null
      ? 'pinning: none (taskset missing or a single CPU): load and servers share the CPUs'
      : `pinning: load generator on CPU ${pinning.load}, the measured node on CPU ${pinning.server} ` +
        '(direct); stores and the nginx path float',
  ];
}

/** The results and ratio tables, as in the report's Markdown (one renderer for both). */
export function renderReport(report: BenchReport): string {
  const lines = [
    ...benchResultTable(report),
    '',
    'ratios (direct to one node, medians of this run):',
    ...benchRatioTable(report),
  ];
  return `${lines.join('\n')}\n`;
}
