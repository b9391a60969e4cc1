/**
 * The mutation renderings: the score line, survivors first with the checks that let them
 * through, killers named, and everything escaped.
 */
import t from 'tap';
import { renderMutationHtml, renderMutationMarkdown } from '../../reports/mutation.ts';
import type { MutationReport } from '../../core/results.ts';

const report: MutationReport = {
  schema: 1,
  target: 'engine × redis',
  startedAt: '2026-12-03T19:00:00.000Z',
  durationMs: 61_000,
  quick: true,
  killed: 1,
  total: 2,
  mutants: [
    {
      name: 'counter-read-modify-write',
      description: 'the counter is read with GET and written back with PUT',
      killed: true,
      killedBy: ['SL-XN-04'],
      checks: [{ id: 'SL-XN-04', verdict: 'FAIL', why: 'counter reads 25' }],
      durationMs: 9000,
    },
    {
      name: 'sneaky',
      description: 'a <script> in the description',
      killed: false,
      killedBy: [],
      checks: [{ id: 'SL-CK-07', verdict: 'PASS', why: 'fine' }],
      durationMs: 2000,
    },
  ],
};

t.test('the Markdown gives the score and lists survivors first', async (t) => {
  const md = renderMutationMarkdown(report);
  t.match(md, /Mutation score: 1\/2 killed \(50 %\), 1 survived/);
  t.ok(md.indexOf('`sneaky`') < md.indexOf('`counter-read-modify-write`'), 'survivor first');
  t.match(md, /\| `sneaky` \| .* \| \*\*SURVIVED\*\* \| SL-CK-07 PASS \|/);
  t.match(md, /\*\*killed\*\* \| SL-XN-04 \|/);
});

t.test('the HTML section escapes what the report carries', async (t) => {
  const html = renderMutationHtml(report);
  t.match(html, /<h2 id="mutation">Mutation testing<\/h2>/);
  t.notMatch(html, /<script>/);
  t.match(html, /&lt;script&gt;/);
  t.equal(renderMutationHtml(undefined), '');
});
