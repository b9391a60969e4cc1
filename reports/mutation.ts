/**
 * Renderings of a mutation run (`sessionlab mutate`): the score, each mutant with the checks
 * that killed it, and the survivors first — as Markdown and as a section of the HTML report.
 */
import { escapeMarkdownCell as cell, escapeXml as x } from './escape.ts';
import { markdownTable } from './bench-tables.ts';
import { formatSeconds } from './summarize.ts';
import type { MutantResult, MutationReport } from '../core/results.ts';

const survivorsFirst = (mutants: readonly MutantResult[]): MutantResult[] =>
  [...mutants].sort((a, b) => Number(a.killed) - Number(b.killed));

/** "Why it survived": the checks that ran and did not fail it. */
const survivedWhy = (m: MutantResult): string =>
  m.checks.map((c) => `${c.id} ${c.verdict}`).join(', ') || 'no check ran';

function scoreLine(report: MutationReport): string {
  const percent = report.total === 0 ? 0 : Math.round((100 * report.killed) / report.total);
  return `Mutation score: ${report.killed}/${report.total} killed (${percent} %), ${report.total - report.killed} survived. Target: ${report.target}; ${report.quick ? 'each mutant against the checks it names (--quick)' : 'each mutant against the whole catalogue'}; took ${formatSeconds(report.durationMs)}.`;
}

export function renderMutationMarkdown(report: MutationReport): string {
  const mutants = Array.isArray(report.mutants) ? report.mutants : [];
  const rows = survivorsFirst(mutants).map((m) => [
    `\`${cell(m.name)}\``,
    cell(m.description),
    m.killed ? '**killed**' : '**SURVIVED**',
    cell(m.killed ? m.killedBy.join(', ') : survivedWhy(m)),
  ]);
  return `${[
    '## Mutation testing',
    '',
    cell(scoreLine(report)),
    '',
    ...markdownTable(['mutant', 'behaviour change', 'result', 'killed by'], rows),
  ].join('\n')}\n`;
}

export function renderMutationHtml(report: MutationReport | undefined): string {
  if (report === undefined) return '';
  const mutants = Array.isArray(report.mutants) ? report.mutants : [];
  const rows = survivorsFirst(mutants).map(
    (m) =>
      `<tr><td><code>${x(m.name)}</code></td><td>${x(m.description)}</td><td class="${m.killed ? 'v-pass' : 'v-fail'}">${m.killed ? 'killed' : 'SURVIVED'}</td><td>${x(m.killed ? m.killedBy.join(', ') : survivedWhy(m))}</td></tr>`,
  );
  return `<h2 id="mutation">Mutation testing</h2>
<p class="sub">${x(scoreLine(report))}</p>
<table><thead><tr><th scope="col">mutant</th><th scope="col">behaviour change</th><th scope="col">result</th><th scope="col">killed by</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}
