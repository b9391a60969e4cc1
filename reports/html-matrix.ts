/**
 * The conformance part of the HTML report: the matrix (rows = checks, columns = targets, cells
 * coloured by verdict and linking to their evidence) and the evidence sections it links to.
 */
import { escapeXml as x, prettyJson } from './escape.ts';
import type { CheckResult, ConformanceReport } from '../core/results.ts';
import { VERDICTS, VERDICT_MEANING, buildMatrix, formatNumber, isVerdict } from './summarize.ts';

/** The CSS class of a verdict; anything outside the schema gets `v-invalid`, never its text. */
export function verdictClass(verdict: unknown): string {
  return isVerdict(verdict) ? `v-${verdict.toLowerCase().replace('_', '-')}` : 'v-invalid';
}

function badge(verdict: unknown): string {
  return `<span class="badge ${verdictClass(verdict)}">${x(verdict)}</span>`;
}

export function renderLegend(): string {
  const items = VERDICTS.map(
    (verdict) => `<li>${badge(verdict)} ${x(VERDICT_MEANING[verdict])}</li>`,
  );
  return `<ul class="legend">${items.join('')}<li><span class="badge v-none">—</span> not run on this target</li></ul>`;
}

/** The matrix table; an empty paragraph when there is no conformance report. */
export function renderMatrix(reports: readonly ConformanceReport[]): string {
  const matrix = buildMatrix(reports);
  if (matrix.rows.length === 0) return '<p>No conformance checks in this run.</p>';
  const head = matrix.targets
    .map((target) => `<th scope="col" class="target">${x(target.label)}</th>`)
    .join('');
  const body = matrix.rows.map((row) => {
    const cells = row.cells.map((cell) =>
      cell === null
        ? '<td class="cell v-none">—</td>'
        : `<td class="cell ${verdictClass(cell.check.verdict)}"><a href="#${cell.anchor}" title="${x(cell.check.why)}">${x(cell.check.verdict)}</a></td>`,
    );
    return `<tr><th scope="row" class="check-id">${x(row.id)}</th><td class="title">${x(row.title)}</td><td class="level">${x(row.level)}</td>${cells.join('')}</tr>`;
  });
  return [
    '<div class="matrix-scroll"><table class="matrix" id="matrix-table">',
    `<thead><tr><th scope="col">check</th><th scope="col">title</th><th scope="col">level</th>${head}</tr></thead>`,
    `<tbody>${body.join('\n')}</tbody>`,
    '</table></div>',
  ].join('\n');
}

function evidenceSection(check: CheckResult, anchor: string): string {
  const refs =
    Array.isArray(check.refs) && check.refs.length > 0 ? check.refs.map(x).join(', ') : '—';
  return [
    `<section class="evidence ${verdictClass(check.verdict)}-edge" id="${anchor}">`,
    `<h4>${badge(check.verdict)} <span class="check-id">${x(check.id)}</span> ${x(check.title)}</h4>`,
    `<p class="meta">level ${x(check.level)} · refs ${refs} · ${formatNumber(check.durationMs)} ms <a href="#matrix">back to the matrix</a></p>`,
    `<p class="why">${x(check.why)}</p>`,
    `<pre>${x(prettyJson(check.evidence))}</pre>`,
    '</section>',
  ].join('\n');
}

/** Every check of every target, grouped by target, each with the anchor the matrix links to. */
export function renderEvidence(reports: readonly ConformanceReport[]): string {
  const matrix = buildMatrix(reports);
  return matrix.evidence
    .map(
      (group) =>
        `<h3>${x(group.target)}</h3>\n${group.checks.map(({ check, anchor }) => evidenceSection(check, anchor)).join('\n')}`,
    )
    .join('\n');
}
