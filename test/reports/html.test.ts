/**
 * The report page as a string: the matrix, its links, the charts, and that nothing from the
 * results can become markup or make the page fetch anything.
 */
import t from 'tap';
import { renderHtml } from '../../reports/html.ts';
import type { RunResults } from '../../core/results.ts';
import { findCheck, fixtureResults } from './fixtures/load.ts';

const VERDICT_CLASS: Record<string, string> = {
  PASS: 'v-pass',
  FAIL: 'v-fail',
  NON_STRICT: 'v-non-strict',
  SKIPPED: 'v-skipped',
  UNKNOWN: 'v-unknown',
  ERROR: 'v-error',
};

function between(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  const to = html.indexOf(end, from);
  if (from === -1 || to === -1) throw new Error(`no ${start} … ${end} in the page`);
  return html.slice(from, to + end.length);
}

const matrixOf = (html: string): string => between(html, '<table class="matrix"', '</table>');

/** Every start tag of the page: escaped text cannot contain one. */
const tagsOf = (html: string): string[] => html.match(/<[a-zA-Z][^>]*>/g) ?? [];

/** Tags with an event handler attribute (quoted values, where escaped text lives, removed). */
const handlerTags = (html: string): string[] =>
  tagsOf(html).filter((tag) => /\son[a-z]+\s*=/i.test(tag.replace(/"[^"]*"/g, '""')));

/** The SVG charts, in page order: direct throughput, nginx throughput, latency, ratios. */
const chartsOf = (html: string): string[] => html.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];

t.test('the matrix has one row per check and one column per target', async (t) => {
  const results = fixtureResults();
  const matrix = matrixOf(renderHtml(results));
  const head = between(matrix, '<thead>', '</thead>');
  t.same(
    [...head.matchAll(/<th scope="col" class="target">([^<]*)<\/th>/g)].map((m) => m[1]),
    ['engine × redis', 'express-session × redis'],
  );
  const rows = between(matrix, '<tbody>', '</tbody>').match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
  const ids = new Set(results.conformance.flatMap((report) => report.checks.map((c) => c.id)));
  t.equal(rows.length, ids.size, 'one row per distinct check id');
  t.same(
    rows.map((row) => row.match(/<th scope="row" class="check-id">([^<]*)</)?.[1]),
    [...ids],
    'in first-seen order',
  );
  for (const row of rows) t.equal(row.match(/<td class="cell /g)?.length, 2, 'two target cells');
});

t.test('every cell carries its verdict class and links to that check’s evidence', async (t) => {
  const results = fixtureResults();
  const html = renderHtml(results);
  const matrix = matrixOf(html);
  const cells = [
    ...matrix.matchAll(/<td class="cell (v-[a-z-]+)"><a href="#([^"]+)"[^>]*>([^<]*)<\/a><\/td>/g),
  ];
  t.equal(cells.length, 33, 'a linked cell per check result (17 + 16)');
  for (const [, cls, anchor, verdict] of cells) {
    t.equal(cls, VERDICT_CLASS[verdict ?? ''], `${verdict} cell class`);
    t.match(html, `<section class="evidence ${cls}-edge" id="${anchor}">`, `#${anchor} exists`);
  }
  t.match(
    matrix,
    '<a href="#evidence-express-session-redis-sl-xn-03"',
    'anchors read evidence-<target>-<id>',
  );
  t.match(matrix, '<td class="cell v-none">—</td>', 'a check one target did not run');
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const [, href] of html.matchAll(/href="#([^"]*)"/g)) {
    t.ok(ids.includes(href), `#${href} resolves`);
  }
});

t.test('the page loads nothing and runs nothing', async (t) => {
  const html = renderHtml(fixtureResults());
  t.notMatch(html, /<script/i);
  t.same(handlerTags(html), [], 'no event handler attributes');
  for (const [, attribute, value] of html.matchAll(/\s(src|href|action|srcset)\s*=\s*"([^"]*)"/gi))
    t.match(value, /^(#|data:)/, `${attribute}="${value}" stays in the page`);
  t.notMatch(html, /@import|url\(/i, 'the stylesheet fetches nothing');
  t.match(html, `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
});

t.test('hostile strings from results are escaped everywhere', async (t) => {
  const results: RunResults = fixtureResults();
  const report = results.conformance[1];
  if (!report) throw new Error('the fixture has two targets');
  report.target.label = '"><script>alert("label")</script>';
  const check = findCheck(report, 'SL-XN-01');
  check.id = 'SL-XN-01"><img src=x onerror=alert(1)>';
  check.title = '<b>bold</b> & co';
  check.verdict = 'PASS" onmouseover="alert(1)' as never;
  if (results.bench?.results[0]) results.bench.results[0].target = '<svg onload=alert(1)>';
  if (results.bench?.results[1]) results.bench.results[1].workload = 'toString' as never;
  const html = renderHtml(results);
  t.notMatch(html, /<script/i);
  t.notMatch(html, /<img/i);
  t.notMatch(html, /<svg onload/i);
  t.same(handlerTags(html), [], 'no attribute injected');
  t.same(
    tagsOf(html).filter((tag) => /^<(img|svg onload|script|iframe|object)/i.test(tag)),
    [],
    'no element injected',
  );
  t.match(html, '&quot;&gt;&lt;script&gt;alert(&quot;label&quot;)&lt;/script&gt;');
  t.match(html, '&lt;b&gt;bold&lt;/b&gt; &amp; co');
  t.match(html, '<td class="cell v-invalid">', 'an unknown verdict gets a fixed class');
  t.match(html, '&lt;svg onload=alert(1)&gt; · read');
  t.match(html, /width="[\d.]+" height="14" fill="#8c959f"><title>engine-redis · toString/);
  t.match(
    html,
    '&quot;note&quot;: &quot;&lt;script&gt;alert(\\&quot;xss\\&quot;)&lt;/script&gt; &amp; more&quot;',
    'evidence JSON is pretty-printed and escaped',
  );
  t.match(
    html,
    'a logged-out session came back in 2 of 50 races &lt;img src=x onerror=alert(1)&gt;',
  );
});

t.test('the bench charts have the expected bars, whiskers and goal markers', async (t) => {
  const results = fixtureResults();
  const [direct, nginx, latency, ratios, extra] = chartsOf(renderHtml(results));
  t.equal(extra, undefined, 'four charts');
  const bars = (svg = ''): string[] => svg.match(/<rect class="bar"[^>]*>/g) ?? [];
  const count = (svg: string | undefined, pattern: RegExp): number =>
    svg?.match(pattern)?.length ?? 0;
  t.equal(bars(direct).length, 9, 'a bar per direct result');
  t.equal(count(direct, /class="whisker"/g), 9, 'a min–max whisker per bar');
  t.equal(bars(nginx).length, 2, 'a bar per nginx result');
  t.match(nginx, '29,900 req/s (noisy)');
  t.equal(bars(latency).length, 28, 'p50, p90, p99 and max for 7 read results');
  t.equal(bars(ratios).length, 3, 'a bar per measured ratio');
  t.equal(count(ratios, /class="goal"/g), 7, 'a goal marker for every ratio of BENCH_RATIOS');
  t.match(ratios, '0.64 (goal 0.80)');
  // The fixture predates the write, mixed, login-churn and memcached ratios.
  t.equal(count(ratios, /not measured \(goal /g), 4, 'absent from an older file: not measured');
  const width = (bar: string | undefined): number => Number(bar?.match(/width="([\d.]+)"/)?.[1]);
  const [engineRead, , , , , , , , rawRead] = bars(direct);
  t.ok(width(engineRead) < width(rawRead), 'bars scale with the median');
  t.ok(width(engineRead) > 0);
});

t.test('every chart has a table with the same numbers', async (t) => {
  const html = renderHtml(fixtureResults());
  t.equal(html.match(/<div class="chart-block">/g)?.length, 4);
  for (const block of html.match(/<div class="chart-block">[\s\S]*?<\/div>/g) ?? [])
    t.match(block, /<svg[\s\S]*<\/svg>\n<table>/, 'an SVG followed by its table');
  t.match(html, '<td class="num">37,650</td>');
  t.match(html, '<td class="num">36.75</td>', 'the max latency of express-session via nginx');
});

t.test('an unmeasured ratio, a missing bench and missing versions are shown as such', async (t) => {
  const results = fixtureResults();
  if (!results.bench) throw new Error('the fixture has a bench');
  results.bench.ratios.engine_vs_express_session_read = null;
  t.match(renderHtml(results), 'not measured (goal 1.50)');
  delete results.bench;
  delete results.environment.versions.nginx;
  const html = renderHtml(results);
  t.equal(chartsOf(html).length, 0);
  t.match(html, '<p>No bench in this run.</p>');
  t.match(html, '<dt>nginx</dt><dd>not installed</dd>');
  t.match(html, '<dt>git commit</dt><dd>adf40f6c0ffee0ddba11f00d5eed0badcafe1234</dd>');
});
