/**
 * Contract coverage, generated from the catalogue: which checks can fail a target on each
 * CONTRACT.md statement (contract-statements.ts). The README table is this output, verbatim.
 */
import { CATALOGUE } from './catalogue.ts';
import { CONTRACT_STATEMENTS, STATEMENT_IDS } from './contract-statements.ts';
import type { StatementId } from './contract-statements.ts';
import type { CheckDefinition } from './types.ts';

/** Each statement with the ids of the checks that cover it, in statement order. */
export function contractCoverage(
  catalogue: readonly CheckDefinition[] = CATALOGUE,
): Map<StatementId, string[]> {
  const coverage = new Map<StatementId, string[]>(STATEMENT_IDS.map((id) => [id, []]));
  for (const check of catalogue)
    for (const statement of check.covers) coverage.get(statement)?.push(check.id);
  return coverage;
}

/** Statements no check covers: each one is a defect of the catalogue. */
export function uncoveredStatements(
  catalogue: readonly CheckDefinition[] = CATALOGUE,
): StatementId[] {
  return [...contractCoverage(catalogue)].filter(([, ids]) => ids.length === 0).map(([id]) => id);
}

// A `|` inside a quote would end the Markdown cell; `_emphasis_` is how prettier writes `*it*`.
const cell = (text: string): string =>
  text.replaceAll('|', '\\|').replace(/(?<!\*)\*(?!\*)([^*]+?)\*(?!\*)/g, '_$1_');

/** Pads every column to its widest cell, as prettier formats Markdown tables. */
function alignedTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The coverage table in Markdown (the README's "Contract coverage" section). */
export function renderCoverageMarkdown(catalogue: readonly CheckDefinition[] = CATALOGUE): string {
  const rows = [...contractCoverage(catalogue)].map(([id, checks]) => {
    const { section, quote } = CONTRACT_STATEMENTS[id];
    return [
      `\`${id}\``,
      section,
      cell(quote),
      checks.length === 0 ? '**none**' : checks.join(', '),
    ];
  });
  return `${alignedTable(['statement', 'section', 'CONTRACT.md says', 'checks'], rows)}\n`;
}
