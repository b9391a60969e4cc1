/**
 * What every renderer derives from results the same way: verdict counts and order, the
 * conformance matrix (checks × targets), stable anchors, and the bench ratios with their goals.
 */
import { BENCH_RATIOS, RATIO_NAMES } from '../core/results.ts';
import type { CheckResult, ConformanceReport, RatioName, Verdict } from '../core/results.ts';

export const VERDICTS: readonly Verdict[] = [
  'PASS',
  'FAIL',
  'NON_STRICT',
  'SKIPPED',
  'UNKNOWN',
  'ERROR',
];

export const VERDICT_MEANING: Record<Verdict, string> = {
  PASS: 'the requirement holds',
  FAIL: 'the requirement is broken',
  NON_STRICT: 'a SHOULD requirement is not met',
  SKIPPED: 'not applicable to this target',
  UNKNOWN: 'inconclusive: the observation did not decide',
  ERROR: 'the harness failed while checking',
};

export function isVerdict(value: unknown): value is Verdict {
  return (VERDICTS as readonly unknown[]).includes(value);
}

export function countVerdicts(checks: readonly CheckResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<
    Verdict,
    number
  >;
  for (const check of checks) if (isVerdict(check.verdict)) counts[check.verdict] += 1;
  return counts;
}

function problemRank(check: CheckResult): number {
  if (check.verdict === 'FAIL') return check.level === 'MUST' ? 0 : 1;
  const rank = ['ERROR', 'NON_STRICT', 'UNKNOWN', 'SKIPPED', 'PASS'].indexOf(check.verdict);
  return rank === -1 ? 2 : rank + 2;
}

/** Failing MUST checks first, then other failures, errors, NON_STRICT, UNKNOWN, SKIPPED, PASS. */
export function problemsFirst(checks: readonly CheckResult[]): CheckResult[] {
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => problemRank(a.check) - problemRank(b.check) || a.index - b.index)
    .map(({ check }) => check);
}

/** A name for a target even when the results give none. */
export function targetLabel(report: ConformanceReport, index: number): string {
  const label = report.target?.label;
  return typeof label === 'string' && label.trim() !== '' ? label : `target ${index + 1}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function uniqueSlug(text: string, taken: Set<string>, fallback: string): string {
  const base = slug(text) || fallback;
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
  taken.add(candidate);
  return candidate;
}

export interface MatrixRow {
  id: string;
  title: string;
  level: string;
  /** One entry per target, in target order; null when that target did not run the check. */
  cells: ({ check: CheckResult; anchor: string } | null)[];
}

export interface Matrix {
  /** Target labels and their slugs, in report order. */
  targets: { label: string; slug: string }[];
  rows: MatrixRow[];
  /** Every check of every target with its anchor id (`evidence-<target>-<check>`), in order. */
  evidence: { target: string; checks: { check: CheckResult; anchor: string }[] }[];
}

/** Rows are checks (in first-seen order), columns targets; every check gets a unique anchor. */
export function buildMatrix(reports: readonly ConformanceReport[]): Matrix {
  const targetSlugs = new Set<string>();
  const targets = reports.map((report, index) => {
    const label = targetLabel(report, index);
    return { label, slug: uniqueSlug(label, targetSlugs, `target-${index + 1}`) };
  });
  const rows = new Map<string, MatrixRow>();
  const evidence = reports.map((report, t) => {
    const target = targets[t] ?? { label: '', slug: '' };
    const checkSlugs = new Set<string>();
    const checks = (Array.isArray(report.checks) ? report.checks : []).map((check, c) => {
      const id = String(check.id);
      const anchor = `evidence-${target.slug}-${uniqueSlug(id, checkSlugs, `check-${c + 1}`)}`;
      let row = rows.get(id);
      if (!row) {
        row = { id, title: String(check.title), level: String(check.level), cells: [] };
        rows.set(id, row);
      }
      row.cells[t] ??= { check, anchor };
      return { check, anchor };
    });
    return { target: target.label, checks };
  });
  const filled = [...rows.values()].map((row) => ({
    ...row,
    cells: targets.map((_, t) => row.cells[t] ?? null),
  }));
  return { targets, rows: filled, evidence };
}

/** The headline ratios with their goals, in report order (from core/results.ts BENCH_RATIOS). */
export const RATIO_GOALS: readonly { name: RatioName; goal: number; meaning: string }[] =
  RATIO_NAMES.map((name) => ({
    name,
    goal: BENCH_RATIOS[name].goal,
    meaning: BENCH_RATIOS[name].meaning,
  }));

/** A number from results, or null when it is missing or not finite. */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function formatNumber(value: unknown, digits = 0): string {
  const number = finiteOrNull(value);
  return number === null
    ? '—'
    : number.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
}

export function formatSeconds(ms: unknown): string {
  const number = finiteOrNull(ms);
  return number === null ? '—' : `${(number / 1000).toFixed(1)} s`;
}
