/**
 * Markdown summaries: one conformance report (verdict counts, then a table with failing MUST
 * checks first), and a whole run (environment, every target, bench table and ratios).
 */
import { escapeMarkdownCell as cell } from './escape.ts';
import type { BenchReport, ConformanceReport, RunResults } from '../core/results.ts';
import { benchRatioTable, benchResultTable, markdownTable as table } from './bench-tables.ts';
import { VERDICTS, countVerdicts, formatSeconds, problemsFirst, targetLabel } from './summarize.ts';
import { EXIT_MEANING } from '../core/exit-codes.ts';
import { renderMutationMarkdown } from './mutation.ts';

function exitText(code: unknown): string {
  const meaning = typeof code === 'number' ? EXIT_MEANING[code] : undefined;
  return `exit code ${cell(code)}${meaning ? ` (${meaning})` : ''}`;
}

function conformanceLines(report: ConformanceReport, index: number): string[] {
  const checks = Array.isArray(report.checks) ? report.checks : [];
  const counts = countVerdicts(checks);
  const target = report.target ?? { label: '', nodes: [] };
  const described = [
    target.impl && `impl ${cell(target.impl)}`,
    target.store && `store ${cell(target.store)}`,
    target.lb && `lb ${cell(target.lb)}`,
    Array.isArray(target.nodes) && `${target.nodes.length} nodes`,
    Array.isArray(target.flaws) &&
      target.flaws.length > 0 &&
      `flaws: ${cell(target.flaws.join(', '))}`,
  ].filter(Boolean);
  return [
    `## Conformance: ${cell(targetLabel(report, index))}`,
    '',
    `Started ${cell(report.startedAt)}, took ${formatSeconds(report.durationMs)}, ${exitText(report.exitCode)}.` +
      (described.length > 0 ? ` Target: ${described.join(', ')}.` : ''),
    '',
    VERDICTS.map((verdict) => `**${verdict}** ${counts[verdict]}`).join(' · '),
    '',
    ...table(
      ['id', 'level', 'verdict', 'why'],
      problemsFirst(checks).map((check) => [
        cell(check.id),
        cell(check.level),
        `**${cell(check.verdict)}**`,
        cell(check.why),
      ]),
    ),
  ];
}

/** One conformance report as Markdown (`## Conformance: <target>` and below). */
export function renderConformanceMarkdown(report: ConformanceReport): string {
  return `${conformanceLines(report, 0).join('\n')}\n`;
}

function benchLines(bench: BenchReport): string[] {
  return [
    '## Bench',
    '',
    `Started ${cell(bench.startedAt)}, took ${formatSeconds(bench.durationMs)}${bench.quick ? ', quick mode (short runs: indicative only)' : ''}. ` +
      'Requests per second are the median over repetitions; latency is of the median run.',
    '',
    ...benchResultTable(bench),
    '',
    '### Ratios (direct path, against the goals of issue 15)',
    '',
    ...benchRatioTable(bench),
  ];
}

/** A whole run: environment, a conformance overview, every target, then the bench. */
export function renderRunMarkdown(results: RunResults): string {
  const env = results.environment;
  const reports = Array.isArray(results.conformance) ? results.conformance : [];
  const versions = Object.entries(env?.versions ?? {})
    .map(([name, version]) => `${cell(name)} ${cell(version)}`)
    .join(', ');
  const lines = [
    `# sessionlab run ${cell(results.startedAt)}`,
    '',
    `Command: \`${String(env?.command ?? '').replace(/[`\r\n]/g, ' ')}\``,
    '',
    `Machine: ${cell(env?.machine?.cpus)} × ${cell(env?.machine?.cpuModel)}, ${cell(env?.machine?.memoryGiB)} GiB, ${cell(env?.machine?.platform)} ${cell(env?.machine?.kernel)}. ` +
      `Versions: ${versions}. Commit: ${cell(env?.gitCommit ?? 'unknown')}.`,
    '',
  ];
  if (reports.length > 0) {
    lines.push(
      '## Conformance overview',
      '',
      ...table(
        ['target', ...VERDICTS, 'exit'],
        reports.map((report, index) => {
          const counts = countVerdicts(Array.isArray(report.checks) ? report.checks : []);
          return [
            cell(targetLabel(report, index)),
            ...VERDICTS.map((verdict) => String(counts[verdict])),
            cell(report.exitCode),
          ];
        }),
      ),
      '',
    );
    reports.forEach((report, index) => lines.push(...conformanceLines(report, index), ''));
  }
  if (results.bench) lines.push(...benchLines(results.bench), '');
  if (results.mutation) lines.push(renderMutationMarkdown(results.mutation));
  return `${lines.join('\n').trimEnd()}\n`;
}
