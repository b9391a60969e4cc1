/**
 * The bench's two tables — results and headline ratios — as Markdown. The one renderer behind
 * `sessionlab bench` on a terminal and the report's Markdown. Pure.
 */
import { escapeMarkdownCell as cell } from './escape.ts';
import { BENCH_RATIOS, directResult } from '../core/results.ts';
import type { BenchReport, BenchResult, Workload } from '../core/results.ts';
import { RATIO_GOALS, finiteOrNull, formatNumber } from './summarize.ts';

export function markdownTable(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

/** `HGETALL 1, PTTL 1`; empty when the store was not measured. */
function formatOps(ops: BenchResult['storeOpsPerRequest']): string {
  if (ops === undefined || ops === null || typeof ops !== 'object') return '';
  const entries = Object.entries(ops).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0
    ? 'none'
    : entries.map(([op, n]) => `${cell(op)} ${cell(n)}`).join(', ');
}

export function benchResultTable(bench: BenchReport): string[] {
  const results = Array.isArray(bench.results) ? bench.results : [];
  return markdownTable(
    [
      'target',
      'workload',
      'path',
      'nodes',
      'connections',
      'req/s (median)',
      'min – max',
      'p50 ms',
      'p99 ms',
      'errors',
      'store ops/req',
      'CPU µs/req',
    ],
    results.map((result) => [
      cell(result.target),
      `${cell(result.workload)}${finiteOrNull(result.rate) === null ? '' : ` @ ${formatNumber(result.rate)} req/s`}`,
      cell(result.path),
      formatNumber(result.nodes),
      formatNumber(result.connections),
      `${formatNumber(result.rps?.median)}${result.noisy ? ' (noisy)' : ''}`,
      `${formatNumber(result.rps?.min)} – ${formatNumber(result.rps?.max)}`,
      formatNumber(result.latencyMs?.p50, 2),
      formatNumber(result.latencyMs?.p99, 2),
      formatNumber(
        (finiteOrNull(result.errors) ?? 0) +
          (finiteOrNull(result.timeouts) ?? 0) +
          (finiteOrNull(result.non2xx) ?? 0),
      ),
      formatOps(result.storeOpsPerRequest),
      formatNumber(result.cpuUsPerRequest, 1),
    ]),
  );
}

/** Median req/s of a target on a workload, direct; null when it was not measured. */
function directRps(bench: BenchReport, target: string, workload: Workload): number | null {
  const results = Array.isArray(bench.results) ? bench.results : [];
  return finiteOrNull(directResult(results, target, workload)?.rps?.median);
}

/** `41 % / 63 %`: each side's req/s as a share of the load generator's ceiling. */
function ceilingShare(bench: BenchReport, over: string, under: string, workload: Workload): string {
  const ceiling = finiteOrNull(bench.loadCeilingRps);
  if (ceiling === null || ceiling === 0) return 'not measured';
  const share = (target: string): string => {
    const rps = directRps(bench, target, workload);
    return rps === null ? '—' : `${Math.round((rps / ceiling) * 100)} %`;
  };
  return `${share(over)} / ${share(under)}`;
}

export function benchRatioTable(bench: BenchReport): string[] {
  const ceiling = finiteOrNull(bench.loadCeilingRps);
  return [
    ...markdownTable(
      ['ratio', 'value', 'goal', 'met', 'sides vs load ceiling'],
      RATIO_GOALS.map(({ name, goal, meaning }) => {
        const value = finiteOrNull(bench.ratios?.[name]);
        const { over, under, workload } = BENCH_RATIOS[name];
        return [
          `\`${name}\` (${meaning})`,
          value === null ? 'not measured' : value.toFixed(2),
          `≥ ${goal.toFixed(2)}`,
          value === null ? '—' : value >= goal ? 'yes' : '**no**',
          ceilingShare(bench, over, under, workload),
        ];
      }),
    ),
    '',
    ceiling === null
      ? 'Load ceiling (static node:http answer, read, direct): not measured.'
      : `Load ceiling (static node:http answer, read, direct): ${formatNumber(ceiling)} req/s. ` +
        'A side near 100 % measures the load generator, not the server.',
  ];
}
