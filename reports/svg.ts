/**
 * Bench charts as hand-written inline SVG: horizontal bars on a shared linear axis, with
 * optional min–max whiskers and goal markers. Colours are attributes, so a chart stands alone.
 * Every chart has a table beside it in the page; the SVG is only the picture.
 */
import { escapeXml as x } from './escape.ts';
import type { BenchReport, BenchResult } from '../core/results.ts';
import { RATIO_GOALS, finiteOrNull, formatNumber } from './summarize.ts';

interface Bar {
  value: number | null;
  fill: string;
  /** Shown after the bar, and in its tooltip. */
  text: string;
  whisker?: { min: number; max: number };
  goal?: number;
}

interface Row {
  label: string;
  bars: Bar[];
}

interface Chart {
  title: string;
  unit: string;
  rows: Row[];
  legend: { name: string; fill: string }[];
}

const WIDTH = 760;
const LABEL_WIDTH = 250;
const PLOT_RIGHT = WIDTH - 110;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const ROW_GAP = 12;
const TOP = 44;

export const WORKLOAD_FILLS: Record<string, string> = {
  read: '#3b6fb6',
  write: '#c8702a',
  mixed: '#6a8f3a',
  'login-churn': '#8a5aa8',
  anon: '#4a9a9a',
};
const OTHER_FILL = '#8c959f';
const LATENCY_FILLS = { p50: '#9ec5ea', p90: '#5a9bd4', p99: '#2f6aa8', max: '#17375e' };
const MEETS_GOAL = '#2e8540';
const MISSES_GOAL = '#c62828';

/** An axis end of 1, 2 or 5 × 10^k at or above `value`, and its round tick values. */
function niceAxis(value: number): { max: number; ticks: number[] } {
  const power = 10 ** Math.floor(Math.log10(value > 0 ? value : 1));
  const leading = [1, 2, 5, 10].find((step) => step * power >= value) ?? 10;
  const intervals = leading === 2 ? 4 : 5;
  const max = leading * power;
  return { max, ticks: Array.from({ length: intervals + 1 }, (_, i) => (max * i) / intervals) };
}

function compact(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toFixed(1))}k`;
  return String(Number(value.toFixed(2)));
}

function shorten(label: string, max = 38): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

function renderChart(chart: Chart): string {
  const values = chart.rows.flatMap((row) =>
    row.bars.flatMap((bar) => [bar.value ?? 0, bar.whisker?.max ?? 0, bar.goal ?? 0]),
  );
  const { max, ticks: tickValues } = niceAxis(Math.max(0, ...values) * 1.05);
  const scale = (value: number): number =>
    LABEL_WIDTH + (Math.max(0, Math.min(value, max)) / max) * (PLOT_RIGHT - LABEL_WIDTH);
  const parts: string[] = [];
  let y = TOP;
  for (const row of chart.rows) {
    const rowHeight = row.bars.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" font-size="12" fill="#1f2328"><title>${x(row.label)}</title>${x(shorten(row.label))}</text>`,
    );
    row.bars.forEach((bar, i) => {
      const top = y + i * (BAR_HEIGHT + BAR_GAP);
      const middle = top + BAR_HEIGHT / 2;
      let end = LABEL_WIDTH;
      if (bar.value !== null) {
        end = scale(bar.value);
        parts.push(
          `<rect class="bar" x="${LABEL_WIDTH}" y="${top}" width="${(end - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.fill}"><title>${x(`${row.label}: ${bar.text}`)}</title></rect>`,
        );
      }
      if (bar.whisker) {
        const [from, to] = [scale(bar.whisker.min), scale(bar.whisker.max)];
        end = Math.max(end, to);
        parts.push(
          `<path class="whisker" d="M${from.toFixed(1)} ${middle}H${to.toFixed(1)}M${from.toFixed(1)} ${top + 3}V${top + BAR_HEIGHT - 3}M${to.toFixed(1)} ${top + 3}V${top + BAR_HEIGHT - 3}" stroke="#1f2328" stroke-width="1.5" fill="none"/>`,
        );
      }
      if (bar.goal !== undefined) {
        const goalX = scale(bar.goal).toFixed(1);
        parts.push(
          `<line class="goal" x1="${goalX}" x2="${goalX}" y1="${top - 3}" y2="${top + BAR_HEIGHT + 3}" stroke="#1f2328" stroke-width="2" stroke-dasharray="3 2"><title>goal ${bar.goal.toFixed(2)}</title></line>`,
        );
        end = Math.max(end, Number(goalX));
      }
      parts.push(
        `<text x="${(end + 6).toFixed(1)}" y="${middle + 4}" font-size="11" fill="#1f2328">${x(bar.text)}</text>`,
      );
    });
    y += rowHeight + ROW_GAP;
  }
  const height = y + 4;
  const ticks = tickValues.map((value) => {
    const tickX = scale(value).toFixed(1);
    return `<line x1="${tickX}" x2="${tickX}" y1="${TOP - 6}" y2="${height - 8}" stroke="#d0d7de"/><text x="${tickX}" y="${TOP - 10}" text-anchor="middle" font-size="10" fill="#57606a">${compact(value)}</text>`;
  });
  const legend = chart.legend.map(
    (item, i) =>
      `<rect x="${LABEL_WIDTH + i * 110}" y="6" width="10" height="10" fill="${item.fill}"/><text x="${LABEL_WIDTH + i * 110 + 14}" y="15" font-size="11" fill="#1f2328">${x(item.name)}</text>`,
  );
  return [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${x(chart.title)}">`,
    `<title>${x(chart.title)}</title>`,
    `<text x="8" y="15" font-size="11" fill="#57606a">${x(chart.unit)}</text>`,
    ...legend,
    ...ticks,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** Median requests per second per target × workload on one path, with min–max whiskers. */
export function renderThroughputChart(
  results: readonly BenchResult[],
  path: 'direct' | 'nginx',
): string | null {
  const rows = results
    .filter((result) => result.path === path)
    .map((result) => {
      const min = finiteOrNull(result.rps?.min);
      const max = finiteOrNull(result.rps?.max);
      const bar: Bar = {
        value: finiteOrNull(result.rps?.median),
        fill: Object.hasOwn(WORKLOAD_FILLS, result.workload)
          ? (WORKLOAD_FILLS[result.workload] ?? OTHER_FILL)
          : OTHER_FILL,
        text: `${formatNumber(result.rps?.median)} req/s${result.noisy ? ' (noisy)' : ''}`,
      };
      if (min !== null && max !== null) bar.whisker = { min, max };
      return { label: `${String(result.target)} · ${String(result.workload)}`, bars: [bar] };
    });
  if (rows.length === 0) return null;
  const workloads = new Set(results.map((result) => String(result.workload)));
  return renderChart({
    title: `Throughput, ${path} path: median requests per second with min–max over repetitions`,
    unit: 'requests per second',
    rows,
    legend: Object.entries(WORKLOAD_FILLS)
      .filter(([name]) => workloads.has(name))
      .map(([name, fill]) => ({ name, fill })),
  });
}

/** p50/p90/p99/max latency of every read-workload result. */
export function renderLatencyChart(results: readonly BenchResult[]): string | null {
  const rows = results
    .filter((result) => result.workload === 'read')
    .map((result) => ({
      label: `${String(result.target)} · ${String(result.path)}`,
      bars: (['p50', 'p90', 'p99', 'max'] as const).map((percentile) => ({
        value: finiteOrNull(result.latencyMs?.[percentile]),
        fill: LATENCY_FILLS[percentile],
        text: `${percentile} ${formatNumber(result.latencyMs?.[percentile], 2)} ms`,
      })),
    }));
  if (rows.length === 0) return null;
  return renderChart({
    title: 'Read workload latency percentiles (milliseconds)',
    unit: 'milliseconds',
    rows,
    legend: Object.entries(LATENCY_FILLS).map(([name, fill]) => ({ name, fill })),
  });
}

/** The headline ratios as bars, each with a dashed marker at its goal. */
export function renderRatioChart(ratios: BenchReport['ratios']): string {
  return renderChart({
    title: 'Ratios against their goals (direct path)',
    unit: 'ratio (higher is better)',
    rows: RATIO_GOALS.map(({ name, goal }) => {
      const value = finiteOrNull(ratios?.[name]);
      return {
        label: name,
        bars: [
          {
            value,
            goal,
            fill: value !== null && value >= goal ? MEETS_GOAL : MISSES_GOAL,
            text: `${value === null ? 'not measured' : value.toFixed(2)} (goal ${goal.toFixed(2)})`,
          },
        ],
      };
    }),
    legend: [
      { name: 'meets goal', fill: MEETS_GOAL },
      { name: 'misses goal', fill: MISSES_GOAL },
    ],
  });
}
