/**
 * The guide's quoted blocks: rendering is stable, the splice replaces exactly the block between
 * an experiment's markers, and every experiment has a chapter that quotes it and a test that runs it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { PROJECT_ROOT } from '../../../orchestrator/nodes.ts';
import { EXPERIMENTS } from '../../../scenarios/lab/catalogue.ts';
import {
  closeMarker,
  labBlockOf,
  openMarker,
  renderExperimentMarkdown,
  spliceLabBlock,
} from '../../../scenarios/lab/markdown.ts';

const result = {
  name: 'demo',
  title: 'a demo',
  guarantee: 'it holds',
  broken: { label: 'broken thing', lines: ['GET /me → 401'], held: false },
  fixed: { label: 'engine', lines: ['GET /me → 200'], held: true },
  asClaimed: true,
};

t.test('a result renders as the two verdicts and their transcripts', async (t) => {
  t.equal(
    renderExperimentMarkdown(result),
    [
      'Guarantee: it holds.',
      '',
      '**Popular setup** — broken thing: ✗ the guarantee is broken',
      '',
      '```text',
      'GET /me → 401',
      '```',
      '',
      '**Engine** — engine: ✓ the guarantee holds',
      '',
      '```text',
      'GET /me → 200',
      '```',
    ].join('\n'),
  );
});

t.test('the splice replaces only the block between the markers, and is idempotent', async (t) => {
  const chapter = `# Title\n\nbefore\n\n${openMarker('demo')}\n\nold text\n\n${closeMarker('demo')}\n\nafter\n`;
  const once = spliceLabBlock(chapter, 'demo', 'NEW');
  t.equal(
    once,
    `# Title\n\nbefore\n\n${openMarker('demo')}\n\nNEW\n\n${closeMarker('demo')}\n\nafter\n`,
  );
  t.equal(spliceLabBlock(once, 'demo', 'NEW'), once);
  t.match(labBlockOf(once, 'demo'), 'NEW');
  t.equal(labBlockOf(once, 'other'), undefined);
  t.throws(() => spliceLabBlock('# no markers', 'demo', 'x'), {
    message: `no ${openMarker('demo')} … ${closeMarker('demo')} markers in the chapter`,
  });
});

t.test(
  'every experiment has a unique name, a chapter quoting it and a test running it',
  async (t) => {
    const names = EXPERIMENTS.map((e) => e.name);
    t.same([...new Set(names)], names, 'names are unique');
    const testDir = join(PROJECT_ROOT, 'test', 'scenarios', 'lab');
    const tests = await Promise.all(
      (await readdir(testDir))
        .filter((f) => f.startsWith('experiments-'))
        .map((f) => readFile(join(testDir, f), 'utf8')),
    );
    const index = await readFile(join(PROJECT_ROOT, 'docs', 'README.md'), 'utf8');
    for (const experiment of EXPERIMENTS) {
      const chapter = await readFile(join(PROJECT_ROOT, 'docs', experiment.chapter), 'utf8');
      t.ok(labBlockOf(chapter, experiment.name), `${experiment.chapter} quotes ${experiment.name}`);
      t.match(chapter, `sessionlab lab ${experiment.name}`, 'the chapter names the command');
      t.match(index, `(${experiment.chapter})`, 'the index links the chapter');
      t.ok(
        tests.some((text) => text.includes(`'${experiment.name}'`)),
        `a test runs ${experiment.name}`,
      );
    }
  },
);
