/**
 * `index.html` of a report directory: one self-contained page, HTML and CSS only — no script,
 * no fonts, no request of any kind (a Content-Security-Policy forbids them too). Everything
 * from results is escaped: results of external targets are untrusted input.
 */
import { escapeXml as x } from './escape.ts';
import { STYLE } from './html-style.ts';
import { renderEvidence, renderLegend, renderMatrix, verdictClass } from './html-matrix.ts';
import type { BenchReport, BenchResult, RunResults } from '../core/results.ts';
import {
  RATIO_GOALS,
  VERDICTS,
  countVerdicts,
  finiteOrNull,
  formatNumber,
  formatSeconds,
  targetLabel,
} from './summarize.ts';
import { renderLatencyChart, renderRatioChart, renderThroughputChart } from './svg.ts';
import { EXIT_MEANING } from '../core/exit-codes.ts';
import { renderMutationHtml } from './mutation.ts';

function group(name: string, cards: string[]): string {
  if (cards.length === 0) return '';
  return `<div class="group"><div class="group-name">${name}</div><div class="cards">${cards.join('')}</div></div>`;
}

function header(results: RunResults): string {
  const reports = Array.isArray(results.conformance) ? results.conformance : [];
  const cards = reports.map((report, index) => {
    const counts = countVerdicts(Array.isArray(report.checks) ? report.checks : []);
    const badges = VERDICTS.filter((verdict) => counts[verdict] > 0).map(
      (verdict) =>
        `<span class="badge ${verdictClass(verdict)}">${counts[verdict]} ${verdict}</span>`,
    );
    const meaning = typeof report.exitCode === 'number' ? EXIT_MEANING[report.exitCode] : undefined;
    return `<div class="card"><div class="name">${x(targetLabel(report, index))}</div><div class="sub">exit ${x(report.exitCode)}${meaning ? ` — ${x(meaning)}` : ''}</div><div class="counts">${badges.join('')}</div></div>`;
  });
  const ratios = results.bench
    ? RATIO_GOALS.map(({ name, goal }) => {
        const value = finiteOrNull(results.bench?.ratios?.[name]);
        const verdict =
          value === null ? 'not measured' : `${value.toFixed(2)} ${value >= goal ? '✓' : '✗'}`;
        return `<div class="card"><div class="name"><code>${name}</code></div><div class="${value !== null && value >= goal ? 'met' : 'missed'}">${verdict} <span class="sub">goal ${goal.toFixed(2)}</span></div></div>`;
      })
    : [];
  return `<header><div class="inner">
<h1>sessionlab report</h1>
<p class="sub">run started ${x(results.startedAt)} · <code>${x(results.environment?.command ?? '')}</code></p>
${group('Conformance', cards)}
${group('Bench ratios (direct path)', ratios)}
<nav><a href="#matrix">Conformance matrix</a><a href="#bench">Bench</a>${results.mutation ? '<a href="#mutation">Mutation testing</a>' : ''}<a href="#environment">Environment</a><a href="#evidence">Evidence</a></nav>
</div></header>`;
}

function chartBlock(title: string, svg: string | null, table: string): string {
  if (svg === null) return '';
  return `<div class="chart-block"><h3>${x(title)}</h3>\n${svg}\n${table}</div>`;
}

function numbersTable(header: string[], rows: string[][]): string {
  const head = header.map((name) => `<th scope="col">${x(name)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const text = (value: unknown): string => `<td>${x(value)}</td>`;
const num = (value: unknown, digits = 0): string =>
  `<td class="num">${formatNumber(value, digits)}</td>`;

function throughputTable(results: readonly BenchResult[]): string {
  return numbersTable(
    [
      'target',
      'workload',
      'nodes',
      'connections',
      'median req/s',
      'min',
      'max',
      'runs',
      'noisy',
      'errors',
      'timeouts',
      'non-2xx',
    ],
    results.map((r) => [
      text(r.target),
      text(r.workload),
      num(r.nodes),
      num(r.connections),
      num(r.rps?.median),
      num(r.rps?.min),
      num(r.rps?.max),
      num(Array.isArray(r.rps?.runs) ? r.rps.runs.length : null),
      text(r.noisy ? 'yes' : 'no'),
      num(r.errors),
      num(r.timeouts),
      num(r.non2xx),
    ]),
  );
}

function benchSection(bench: BenchReport | undefined): string {
  if (!bench) return '<p>No bench in this run.</p>';
  const results = Array.isArray(bench.results) ? bench.results : [];
  const blocks = (['direct', 'nginx'] as const).map((path) => {
    const onPath = results.filter((result) => result.path === path);
    return chartBlock(
      `Throughput — ${path} path${path === 'direct' ? ' (one node)' : ' (round-robin over the nodes)'}`,
      renderThroughputChart(onPath, path),
      throughputTable(onPath),
    );
  });
  const reads = results.filter((result) => result.workload === 'read');
  const latency = chartBlock(
    'Latency percentiles — read workload',
    renderLatencyChart(reads),
    numbersTable(
      ['target', 'path', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      reads.map((r) => [
        text(r.target),
        text(r.path),
        num(r.latencyMs?.p50, 2),
        num(r.latencyMs?.p90, 2),
        num(r.latencyMs?.p99, 2),
        num(r.latencyMs?.max, 2),
      ]),
    ),
  );
  const ratios = chartBlock(
    'Ratios against their goals',
    renderRatioChart(bench.ratios),
    numbersTable(
      ['ratio', 'meaning', 'value', 'goal', 'met'],
      RATIO_GOALS.map(({ name, goal, meaning }) => {
        const value = finiteOrNull(bench.ratios?.[name]);
        const met =
          value === null
            ? '—'
            : value >= goal
              ? '<span class="met">yes</span>'
              : '<span class="missed">no</span>';
        return [
          `<td><code>${name}</code></td>`,
          text(meaning),
          num(value, 2),
          `<td class="num">≥ ${goal.toFixed(2)}</td>`,
          `<td>${met}</td>`,
        ];
      }),
    ),
  );
  return [
    `<p class="sub">started ${x(bench.startedAt)} · took ${formatSeconds(bench.durationMs)}${bench.quick ? ' · quick mode: short runs, indicative only' : ''}</p>`,
    ...blocks,
    latency,
    ratios,
  ].join('\n');
}

function environmentSection(results: RunResults): string {
  const env = results.environment;
  const machine = env?.machine;
  const versions = env?.versions ?? { node: '', sessionlab: '' };
  const rows: [string, unknown][] = [
    [
      'machine',
      `${String(machine?.cpus)} × ${String(machine?.cpuModel)}, ${String(machine?.memoryGiB)} GiB`,
    ],
    ['platform', `${String(machine?.platform)}, kernel ${String(machine?.kernel)}`],
    ['node', versions.node],
    ['redis', versions.redis ?? 'not installed'],
    ['memcached', versions.memcached ?? 'not installed'],
    ['nginx', versions.nginx ?? 'not installed'],
    ['sessionlab', versions.sessionlab],
    ['git commit', env?.gitCommit ?? 'unknown'],
    ['command', env?.command],
  ];
  return `<dl class="env">${rows.map(([name, value]) => `<dt>${name}</dt><dd>${x(value)}</dd>`).join('')}</dl>`;
}

/** The whole report page for one run. */
export function renderHtml(results: RunResults): string {
  const reports = Array.isArray(results.conformance) ? results.conformance : [];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>sessionlab report — ${x(results.startedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(results)}
<main>
<h2 id="matrix">Conformance matrix</h2>
${renderLegend()}
${renderMatrix(reports)}
<h2 id="bench">Bench</h2>
${benchSection(results.bench)}
${renderMutationHtml(results.mutation)}
<h2 id="environment">Environment</h2>
${environmentSection(results)}
<h2 id="evidence">Evidence</h2>
${renderEvidence(reports)}
</main>
</body>
</html>
`;
}
