import t from 'tap';
import { renderConformanceMarkdown, renderRunMarkdown } from '../../reports/markdown.ts';
import { findCheck, fixtureReport, fixtureResults } from './fixtures/load.ts';

/** The table rows (lines starting with `|`) after the header and its separator. */
function tableRows(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(header);
  if (start === -1) throw new Error(`no table with header ${header}`);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows;
}

/** Cells of a row, splitting on pipes that are not escaped. */
const cells = (row: string): string[] =>
  row
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

t.test(
  'a conformance summary counts every verdict and lists failing MUST checks first',
  async (t) => {
    const markdown = renderConformanceMarkdown(fixtureReport(1));
    t.match(markdown, /^## Conformance: express-session × redis\n/);
    t.match(markdown, /exit code 1 \(a MUST check failed\)/);
    t.match(
      markdown,
      '**PASS** 8 · **FAIL** 3 · **NON_STRICT** 1 · **SKIPPED** 2 · **UNKNOWN** 1 · **ERROR** 1',
    );
    const rows = tableRows(markdown, '| id | level | verdict | why |');
    t.equal(rows.length, 16, 'one row per check');
    t.same(
      rows.map((row) => cells(row).slice(0, 3).join(' ')),
      [
        'SL-XN-03 MUST **FAIL**',
        'SL-XN-04 MUST **FAIL**',
        'SL-LO-03 MUST **FAIL**',
        'SL-FT-01 MUST **ERROR**',
        'SL-ST-04 SHOULD **NON\\_STRICT**',
        'SL-XN-05 INFO **UNKNOWN**',
        'SL-CK-02 MUST **SKIPPED**',
        'SL-CK-04 SHOULD **SKIPPED**',
        ...rows.slice(8).map((row) => `${cells(row)[0]} ${cells(row)[1]} **PASS**`),
      ],
    );
    t.equal(
      cells(rows[0] ?? '')[3],
      '57 of 100 concurrent writes to distinct keys were lost &amp; never persisted',
    );
  },
);

t.test('a FAIL of a SHOULD check comes after the failing MUST checks', async (t) => {
  const report = fixtureReport(1);
  const should = findCheck(report, 'SL-ST-03');
  should.verdict = 'FAIL';
  report.checks.unshift(report.checks.splice(report.checks.indexOf(should), 1)[0] ?? should);
  const ids = tableRows(renderConformanceMarkdown(report), '| id | level | verdict | why |').map(
    (row) => cells(row)[0],
  );
  t.same(ids.slice(0, 5), ['SL-XN-03', 'SL-XN-04', 'SL-LO-03', 'SL-ST-03', 'SL-FT-01']);
});

t.test('hostile text cannot break the table or inject HTML', async (t) => {
  const report = fixtureReport(0);
  const check = findCheck(report, 'SL-XN-01');
  check.id = 'SL|XN`01';
  check.why =
    'line one | still one\nline two <script>alert(1)</script> [link](https://evil.example)';
  const markdown = renderConformanceMarkdown(report);
  t.notMatch(markdown, '<script>');
  t.notMatch(markdown, /(?<!\\)\]\(https:/, 'no live link');
  const row = tableRows(markdown, '| id | level | verdict | why |').find((r) =>
    r.startsWith('| SL\\|XN'),
  );
  t.ok(row, 'the hostile row is in the table');
  t.equal(cells(row ?? '').length, 4, 'the row keeps its four cells');
  t.equal(
    cells(row ?? '')[3],
    'line one \\| still one line two &lt;script&gt;alert(1)&lt;/script&gt; \\[link\\](https://evil.example)',
  );
});

t.test(
  'a run summary has the environment, every target, the bench table and the ratios',
  async (t) => {
    const markdown = renderRunMarkdown(fixtureResults());
    t.match(markdown, /^# sessionlab run 2025-06-01T10:00:00.000Z\n/);
    t.match(markdown, 'Versions: node 20.20.2, redis 7.0.15, memcached 1.6.18, nginx 1.22.1');
    t.match(markdown, 'Commit: adf40f6c0ffee0ddba11f00d5eed0badcafe1234');
    t.same(
      tableRows(
        markdown,
        '| target | PASS | FAIL | NON_STRICT | SKIPPED | UNKNOWN | ERROR | exit |',
      ),
      [
        '| engine × redis | 14 | 0 | 1 | 2 | 0 | 0 | 0 |',
        '| express-session × redis | 8 | 3 | 1 | 2 | 1 | 1 | 1 |',
      ],
    );
    t.match(markdown, '## Conformance: engine × redis');
    t.match(markdown, '## Conformance: express-session × redis');
    const bench = tableRows(
      markdown,
      '| target | workload | path | nodes | connections | req/s (median) | min – max | p50 ms | p99 ms | errors | store ops/req | CPU µs/req |',
    );
    t.equal(bench.length, 11, 'one row per bench result');
    t.equal(
      bench[0],
      '| engine-redis | read | direct | 1 | 50 | 18,450 | 17,712 – 18,819 | 2.61 | 8.09 | 0 | HGETALL 1, PTTL 1 | — |',
    );
    t.match(bench[3], '6,100 (noisy)');
    // The fixture predates the write, mixed, login-churn and memcached ratios: not measured.
    t.same(tableRows(markdown, '| ratio | value | goal | met | sides vs load ceiling |'), [
      '| `engine_vs_express_nosession_read` (engine on Express vs the same Express without sessions, read) | 0.93 | ≥ 0.90 | yes | not measured |',
      '| `engine_vs_express_session_read` (engine read vs express-session + connect-redis) | 1.62 | ≥ 1.50 | yes | not measured |',
      '| `engine_vs_express_session_write` (engine write vs express-session + connect-redis) | not measured | ≥ 1.50 | — | not measured |',
      '| `engine_vs_express_session_mixed` (engine mixed vs express-session + connect-redis) | not measured | ≥ 1.50 | — | not measured |',
      '| `engine_vs_express_session_login_churn` (engine login-churn vs express-session + connect-redis) | not measured | ≥ 1.50 | — | not measured |',
      '| `engine_http_vs_raw_redis_read` (engine on node:http vs node:http + one raw redis GET, read) | 0.64 | ≥ 0.80 | **no** | not measured |',
      '| `engine_http_vs_raw_memcached_read` (engine on node:http vs node:http + one raw memcached GET, read) | not measured | ≥ 0.80 | — | not measured |',
    ]);
  },
);

t.test('a run without a bench or with an unmeasured ratio says so', async (t) => {
  const results = fixtureResults();
  const bench = results.bench;
  delete results.bench;
  t.notMatch(renderRunMarkdown(results), '## Bench');
  if (!bench) throw new Error('the fixture has a bench');
  bench.ratios.engine_http_vs_raw_redis_read = null;
  const markdown = renderRunMarkdown({ ...results, bench });
  t.match(
    markdown,
    '| `engine_http_vs_raw_redis_read` (engine on node:http vs node:http + one raw redis GET, read) | not measured | ≥ 0.80 | — | not measured |',
  );
});
