/**
 * The bench as text for a terminal: the plan before it runs; after, a Markdown table of the
 * results and the headline ratios against their goals. Pure.
 */
import type { BenchReport, BenchResult } from '../../core/results.ts';
import { RATIOS } from './aggregate.ts';
import type { RatioName } from './aggregate.ts';
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
    `plan: ${planned.length} measurements × ${options.reps} rep(s) of ${options.durationSec} s ` +
      `(+${options.warmupSec} s warm-up), ${options.connections} connections, ` +
      `${options.sessions} sessions; about ${estimateSeconds(options, planned)} s of load plus start-up`,
    ...planned.map((m) => `  ${labelOf(m)}`),
    pinning === null
      ? 'pinning: none (taskset missing or a single CPU): load and servers share the CPUs'
      : `pinning: load generator on CPU ${pinning.load}, the measured node on CPU ${pinning.server} ` +
        '(direct); stores and the nginx path float',
  ];
}

const HEADER = [
  'target',
  'workload',
  'path',
  'req/s',
  'min–max',
  'noisy',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'errors',
  'timeouts',
  'non-2xx',
  'store ops/req',
];

const formatOps = (ops: BenchResult['storeOpsPerRequest']): string => {
  if (ops === undefined) return '';
  const entries = Object.entries(ops).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([op, n]) => `${op} ${n}`).join(', ');
};

const whole = (n: number): string => Math.round(n).toLocaleString('en-US');

function row(result: BenchResult): string[] {
  const { rps, latencyMs: l } = result;
  return [
    result.target,
    result.workload,
    result.path === 'nginx' ? `nginx ×${result.nodes}` : 'direct',
    whole(rps.median),
    `${whole(rps.min)}–${whole(rps.max)}`,
    result.noisy ? 'noisy' : '',
    String(l.p50),
    String(l.p90),
    String(l.p99),
    String(l.max),
    String(result.errors),
    String(result.timeouts),
    String(result.non2xx),
    formatOps(result.storeOpsPerRequest),
  ];
}

function table(rows: string[][]): string[] {
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head = HEADER, ...body] = rows;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

export function renderRatios(ratios: BenchReport['ratios']): string[] {
  return (Object.keys(RATIOS) as RatioName[]).map((name) => {
    const { over, under, goal } = RATIOS[name];
    const value = ratios[name];
    const verdict = value === null ? 'not measured' : value >= goal ? 'met' : 'MISSED';
    const shown = value === null ? '–' : value.toFixed(2);
    return `  ${name.padEnd(34)} ${shown.padStart(5)}  goal ≥ ${goal.toFixed(2)}  ${verdict}  (${over} / ${under})`;
  });
}

export function renderReport(report: BenchReport): string {
  const lines = [
    ...table([HEADER, ...report.results.map(row)]),
    '',
    'ratios (read workload, direct to one node, medians of this run):',
    ...renderRatios(report.ratios),
  ];
  return `${lines.join('\n')}\n`;
}
