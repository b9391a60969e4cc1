/**
 * A report directory on disk: `results.json` (the RunResults, schema 1) and its three
 * renderings, `summary.md`, `junit.xml` and `index.html`. The only module here that touches
 * the disk.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderRunMarkdown } from './markdown.ts';
import type { RunResults } from '../core/results.ts';
import { ResultsError } from '../core/errors.ts';

export const RESULTS_FILE = 'results.json';

/** `reports/out/<timestamp>/` in the project (gitignored). */
export function defaultReportDir(now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return join(fileURLToPath(new URL('out/', import.meta.url)), stamp);
}

/** The renderings of a run, by file name. */
export function renderReportFiles(results: RunResults): Record<string, string> {
  return {
    'summary.md': renderRunMarkdown(results),
    'junit.xml': renderJunit(
      Array.isArray(results.conformance) ? results.conformance : [],
      results.bench,
    ),
    'index.html': renderHtml(results),
  };
}

/** Writes summary.md, junit.xml and index.html (not results.json) into `dir`, creating it. */
export async function writeRenderings(
  dir: string,
  results: RunResults,
): Promise<{ dir: string; files: string[] }> {
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of Object.entries(renderReportFiles(results))) {
    const file = join(absolute, name);
    await writeFile(file, text);
    files.push(file);
  }
  return { dir: absolute, files };
}

/** Writes the whole report directory: results.json, summary.md, junit.xml, index.html. */
export async function writeReportDir(
  dir: string,
  results: RunResults,
): Promise<{ dir: string; files: string[] }> {
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  const resultsFile = join(absolute, RESULTS_FILE);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  const rendered = await writeRenderings(absolute, results);
  return { dir: absolute, files: [resultsFile, ...rendered.files] };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why `value` is not RunResults schema 1, or null when its shape is right. */
export function resultsProblem(value: unknown): string | null {
  if (!isObject(value)) return 'is not a JSON object';
  if (value.schema !== 1)
    return `has schema ${JSON.stringify(value.schema) ?? 'undefined'}; this sessionlab reads schema 1 (a newer sessionlab wrote it?)`;
  if (!isObject(value.environment)) return 'has no "environment" object';
  if (!Array.isArray(value.conformance)) return 'has no "conformance" array';
  for (const [index, report] of value.conformance.entries()) {
    if (!isObject(report) || !isObject(report.target) || !Array.isArray(report.checks))
      return `has a conformance[${index}] without a "target" object and a "checks" array`;
  }
  if (value.bench !== undefined) {
    if (
      !isObject(value.bench) ||
      !Array.isArray(value.bench.results) ||
      !isObject(value.bench.ratios)
    )
      return 'has a "bench" without a "results" array and a "ratios" object';
  }
  return null;
}

/** Reads and checks `<dir>/results.json`; throws ResultsError saying what is wrong. */
export async function readResults(dir: string): Promise<RunResults> {
  const file = join(resolve(dir), RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultsError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `no ${RESULTS_FILE} in ${dir} — is it a report directory (reports/out/<time>/)?`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const problem = resultsProblem(value);
  if (problem !== null) throw new ResultsError(`${file} ${problem}`);
  return value as RunResults;
}
