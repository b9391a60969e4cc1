/**
 * Every CONTRACT.md statement is covered by a check, the quotes are CONTRACT.md's own words, and
 * the README's coverage section is the generated table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CATALOGUE } from '../../../scenarios/conformance/catalogue.ts';
import {
  CONTRACT_STATEMENTS,
  STATEMENT_IDS,
} from '../../../scenarios/conformance/contract-statements.ts';
import {
  renderCoverageMarkdown,
  uncoveredStatements,
} from '../../../scenarios/conformance/coverage.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

t.test('every contract statement is covered by at least one check', async (t) => {
  t.same(uncoveredStatements(), []);
});

t.test('a statement no check covers is reported, and marked in the table', async (t) => {
  const without = CATALOGUE.map((c) => ({
    ...c,
    covers: c.covers.filter((id) => id !== 'data.delete'),
  }));
  t.same(uncoveredStatements(without), ['data.delete']);
  t.match(
    renderCoverageMarkdown(without),
    /\| `data\.delete` +\| Session data +\| .+ \| \*\*none\*\* +\|/,
  );
});

t.test('every check names only known statements, each once', async (t) => {
  for (const check of CATALOGUE) {
    t.same(
      check.covers.filter((id) => !STATEMENT_IDS.includes(id)),
      [],
      check.id,
    );
    t.equal(new Set(check.covers).size, check.covers.length, `${check.id} names a statement twice`);
  }
});

// CONTRACT.md lives beside the repository, not in it: a bare clone has only the quotes.
const contractPath = `${root}../shared/CONTRACT.md`;
t.test(
  'each quote is the exact wording of CONTRACT.md',
  { skip: existsSync(contractPath) ? false : `${contractPath} is not beside this checkout` },
  async (t) => {
    const text = readFileSync(contractPath, 'utf8').replace(/\s+/g, ' ');
    for (const [id, { quote }] of Object.entries(CONTRACT_STATEMENTS))
      t.ok(text.includes(quote), `${id}: "${quote.slice(0, 60)}…" is not in CONTRACT.md`);
  },
);

t.test('the README coverage section is the generated table', async (t) => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const section = /<!-- coverage:start -->\n\n([\s\S]*?)\n<!-- coverage:end -->/.exec(readme);
  t.ok(section, 'README.md has the coverage markers');
  t.equal(section?.[1], renderCoverageMarkdown(), 'regenerate: sessionlab conformance --coverage');
});
