/**
 * The catalogue and the flaw switches as Markdown tables: what `sessionlab conformance --list
 * --format markdown` prints and the README carries (a test keeps the two equal). Pure.
 */
import { FLAWS } from '../../reference-servers/flaws.ts';
import type { Flaw } from '../../reference-servers/flaws.ts';
import { CATALOGUE } from './catalogue.ts';
import type { CheckDefinition } from './types.ts';

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function levelOf(check: CheckDefinition): string {
  return check.capability ? `${check.level} (with \`${check.capability}\`)` : check.level;
}

function provenOf(check: CheckDefinition): string {
  const flaws = check.provenBy.map((flaw) => `\`${flaw}\``);
  if (check.provenByOther) flaws.push(check.provenByOther);
  return flaws.length === 0 ? '—' : flaws.join(', ');
}

/** One row per check: id, level, title, references, the negative controls that prove it. */
export function renderCatalogueTable(catalogue: readonly CheckDefinition[] = CATALOGUE): string[] {
  return table(
    ['id', 'level', 'check', 'refs', 'proven by flaw'],
    catalogue.map((check) => [
      check.id,
      levelOf(check),
      check.title.replace(/\|/g, '\\|'),
      check.refs.length === 0 ? '—' : check.refs.join(', '),
      provenOf(check),
    ]),
  );
}

/** One row per flaw switch and what it breaks. */
export function renderFlawTable(flaws: Readonly<Record<Flaw, string>> = FLAWS): string[] {
  return table(
    ['flaw', 'what it breaks'],
    (Object.entries(flaws) as [Flaw, string][]).map(([flaw, what]) => [`\`${flaw}\``, what]),
  );
}

/** Both tables, as the README shows them. */
export function renderCatalogueMarkdown(): string {
  return `${[...renderCatalogueTable(), '', ...renderFlawTable()].join('\n')}\n`;
}
