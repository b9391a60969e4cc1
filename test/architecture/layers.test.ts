import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';

/**
 * The one rule of the layering (README "Map of the tree"): a folder imports only from folders
 * on a lower layer. Folders on the same layer do not import each other.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  session: 1,
  stores: 1,
  'reference-servers': 2,
  nginx: 3,
  orchestrator: 4,
  reports: 5,
  scenarios: 6,
  cli: 7,
  bin: 8,
};

/** Folders that render text spawn no process (STYLE.md "Layers"). */
const RENDERERS = ['nginx', 'reports'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'out' ? [] : sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  spec: string;
}

function importsOf(
  file: string,
  text = readFileSync(file, 'utf8'),
): { edges: Edge[]; modules: string[] } {
  const edges: Edge[] = [];
  const modules: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)) {
    const spec = match[1] ?? '';
    if (!spec.startsWith('.')) {
      modules.push(spec);
      continue;
    }
    const target = relative(PROJECT_ROOT, resolve(dirname(file), spec));
    edges.push({ from: relative(PROJECT_ROOT, file), to: target, spec });
  }
  return { edges, modules };
}

const files = Object.keys(LAYERS).flatMap((folder) => sourceFiles(join(PROJECT_ROOT, folder)));
const folderOf = (path: string): string => path.split('/')[0] ?? '';

t.test('every layer folder holds source files', async (t) => {
  for (const folder of Object.keys(LAYERS)) {
    t.ok(
      files.some((file) => folderOf(relative(PROJECT_ROOT, file)) === folder),
      `${folder}/ has sources`,
    );
  }
});

function violations(file: string, text?: string): string[] {
  const upward: string[] = [];
  for (const edge of importsOf(file, text).edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (from === to) continue;
    const fromLayer = LAYERS[from];
    const toLayer = LAYERS[to];
    if (fromLayer === undefined || toLayer === undefined || toLayer >= fromLayer)
      upward.push(`${edge.from} imports ${edge.spec}`);
  }
  return upward;
}

t.test('imports only run downward, and never between folders of one layer', async (t) => {
  t.same(
    files.flatMap((file) => violations(file)),
    [],
    'no import runs upward or sideways',
  );
});

t.test('the bottom layer imports nothing of the project and no package', async (t) => {
  const coreFiles = files.filter((file) => folderOf(relative(PROJECT_ROOT, file)) === 'core');
  t.ok(coreFiles.length >= 5, 'core/ holds the shared modules');
  for (const file of coreFiles) {
    const { edges, modules } = importsOf(file);
    t.same(
      edges.filter((edge) => folderOf(edge.to) !== 'core').map((edge) => edge.spec),
      [],
      `${relative(PROJECT_ROOT, file)} imports only core/`,
    );
    t.same(
      modules.filter((name) => !name.startsWith('node:')),
      [],
      `${relative(PROJECT_ROOT, file)} imports only node: built-ins`,
    );
  }
});

t.test('folders that render spawn no process', async (t) => {
  for (const file of files.filter((f) => RENDERERS.includes(folderOf(relative(PROJECT_ROOT, f))))) {
    t.notOk(
      importsOf(file).modules.includes('node:child_process'),
      `${relative(PROJECT_ROOT, file)} does not import node:child_process`,
    );
  }
});

t.test('the rule catches a sideways or upward import', async (t) => {
  const file = join(PROJECT_ROOT, 'session', 'example.ts');
  const text = [
    "import { MemoryStore } from '../stores/memory.ts';",
    "import type { Fields } from '../core/store.ts';",
    "const later = await import('../scenarios/conformance/runner.ts');",
  ].join('\n');
  t.same(violations(file, text), [
    'session/example.ts imports ../stores/memory.ts',
    'session/example.ts imports ../scenarios/conformance/runner.ts',
  ]);
});

/** The folders the README's "Map of the tree" names, as paths (`  conformance/` under `scenarios/`). */
function mappedFolders(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Map of the tree'));
  const open = section.indexOf('```text') + '```text'.length;
  const block = section.slice(open, section.indexOf('```', open));
  const folders: string[] = [];
  let parent = '';
  for (const line of block.split('\n')) {
    const indented = line.startsWith('  ');
    const names = [...line.trim().matchAll(/(?:^|\s)([a-z-]+)\/(?=\s|$)/g)].map((m) => m[1]);
    for (const name of names) {
      if (indented) folders.push(`${parent}/${name}`);
      else {
        parent = name ?? '';
        folders.push(parent);
      }
    }
  }
  return folders;
}

function subfolders(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true })
    .filter(
      (e) =>
        e.isDirectory() &&
        !e.name.startsWith('.') &&
        !['node_modules', 'out', 'fixtures'].includes(e.name),
    )
    .map((e) => (dir === '.' ? e.name : `${dir}/${e.name}`));
}

t.test('the README map names every folder of the tree, and only folders that exist', async (t) => {
  const mapped = mappedFolders(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8'));
  t.ok(mapped.includes('scenarios/conformance'), 'the map is parsed');
  const tree = [
    ...subfolders('.'),
    ...subfolders('scenarios'),
    ...subfolders('reference-servers'),
  ].sort();
  t.same([...mapped].sort(), tree);
});
