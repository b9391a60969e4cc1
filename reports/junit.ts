/**
 * JUnit XML for CI: one <testsuite> per target, one <testcase> per check.
 *
 * Verdict mapping:
 * - PASS → a passing testcase.
 * - FAIL → <failure message="why" type="MUST|SHOULD|INFO"> holding the why and the evidence.
 * - ERROR → <error message="why" type="ERROR"> (the harness failed, not the target).
 * - SKIPPED, UNKNOWN → <skipped message="…">; UNKNOWN's message starts with "UNKNOWN:" so an
 *   inconclusive check is never mistaken for a deliberate skip.
 * - NON_STRICT → a passing testcase whose <system-out> says which SHOULD requirement was not
 *   met: like the conformance exit code (0 with NON_STRICT checks), a SHOULD miss does not turn
 *   CI red, but it stays visible in every JUnit viewer.
 * Every non-PASS testcase also carries the why and the evidence JSON in <system-out>.
 *
 * With a bench, one more <testsuite> "bench ratios" has a testcase per ratio of BENCH_RATIOS:
 * passing at or above its goal, a <failure type="SHOULD"> below it, <skipped> when a side was
 * not measured.
 */
import { escapeXml as x, prettyJson } from './escape.ts';
import { BENCH_RATIOS } from '../core/results.ts';
import type { BenchReport, CheckResult, ConformanceReport } from '../core/results.ts';
import { RATIO_GOALS, countVerdicts, finiteOrNull, targetLabel } from './summarize.ts';

function seconds(ms: unknown): string {
  return ((finiteOrNull(ms) ?? 0) / 1000).toFixed(3);
}

function caseName(check: CheckResult, index: number): string {
  const name = [check.id, check.title]
    .filter((part) => typeof part === 'string' && part.trim() !== '')
    .join(' ');
  return name === '' ? `check ${index + 1}` : name;
}

function details(check: CheckResult): string {
  return `${String(check.why)}\n\nevidence:\n${prettyJson(check.evidence)}`;
}

function outcome(check: CheckResult): string[] {
  const why = String(check.why);
  switch (check.verdict) {
    case 'PASS':
      return [];
    case 'FAIL':
      return [
        `<failure message="${x(why)}" type="${x(check.level)}">${x(details(check))}</failure>`,
      ];
    case 'ERROR':
      return [`<error message="${x(why)}" type="ERROR">${x(details(check))}</error>`];
    case 'SKIPPED':
      return [`<skipped message="${x(why)}"/>`];
    case 'UNKNOWN':
      return [`<skipped message="${x(`UNKNOWN: ${why}`)}"/>`];
    case 'NON_STRICT':
      return [];
    default:
      return [
        `<error message="${x(`invalid verdict ${String(check.verdict)}: ${why}`)}" type="ERROR"/>`,
      ];
  }
}

function systemOut(check: CheckResult): string[] {
  if (check.verdict === 'PASS') return [];
  const prefix =
    check.verdict === 'NON_STRICT'
      ? `NON_STRICT: passes, but a ${String(check.level)} requirement is not met.\n`
      : `${String(check.verdict)}\n`;
  return [`<system-out>${x(prefix + details(check))}</system-out>`];
}

function testcase(check: CheckResult, index: number, classname: string): string {
  const attributes = `name="${x(caseName(check, index))}" classname="${x(classname)}" time="${seconds(check.durationMs)}"`;
  const children = [...outcome(check), ...systemOut(check)];
  if (children.length === 0) return `    <testcase ${attributes}/>`;
  return [
    `    <testcase ${attributes}>`,
    ...children.map((c) => `      ${c}`),
    '    </testcase>',
  ].join('\n');
}

function properties(report: ConformanceReport): string[] {
  const target = report.target ?? {};
  const entries: [string, unknown][] = [
    ['impl', target.impl],
    ['store', target.store],
    ['lb', target.lb],
    ['entry', target.entry],
    ['flaws', Array.isArray(target.flaws) ? target.flaws.join(',') : undefined],
    ['nodes', Array.isArray(target.nodes) ? target.nodes.join(' ') : undefined],
    ['exitCode', report.exitCode],
  ];
  const present = entries.filter(([, value]) => value !== undefined && value !== '');
  if (present.length === 0) return [];
  return [
    '    <properties>',
    ...present.map(([name, value]) => `      <property name="${name}" value="${x(value)}"/>`),
    '    </properties>',
  ];
}

/** The counts JUnit wants; a verdict outside the schema counts as an error. */
function tally(checks: readonly CheckResult[]): string {
  const counts = countVerdicts(checks);
  const known = counts.PASS + counts.FAIL + counts.NON_STRICT + counts.SKIPPED + counts.UNKNOWN;
  return `tests="${checks.length}" failures="${counts.FAIL}" errors="${checks.length - known}" skipped="${counts.SKIPPED + counts.UNKNOWN}"`;
}

interface Suite {
  label: string;
  classname: string;
  checks: readonly CheckResult[];
  durationMs: unknown;
  startedAt: unknown;
  properties: string[];
}

function testsuite(suite: Suite, index: number): string {
  const attributes = [
    `name="${x(suite.label)}"`,
    `id="${index}"`,
    tally(suite.checks),
    `time="${seconds(suite.durationMs)}"`,
    `timestamp="${x(suite.startedAt)}"`,
  ].join(' ');
  return [
    `  <testsuite ${attributes}>`,
    ...suite.properties,
    ...suite.checks.map((check, c) => testcase(check, c, suite.classname)),
    '  </testsuite>',
  ].join('\n');
}

function conformanceSuite(report: ConformanceReport, index: number): Suite {
  const label = targetLabel(report, index);
  return {
    label,
    classname: `conformance.${label.replace(/[^A-Za-z0-9_-]+/g, '_')}`,
    checks: Array.isArray(report.checks) ? report.checks : [],
    durationMs: report.durationMs,
    startedAt: report.startedAt,
    properties: properties(report),
  };
}

/** Each ratio as a testcase: PASS at or above its goal, FAIL below, SKIPPED when not measured. */
function ratioSuite(bench: BenchReport): Suite {
  const checks = RATIO_GOALS.map(({ name, goal, meaning }): CheckResult => {
    const value = finiteOrNull(bench.ratios?.[name]);
    const { over, under, workload } = BENCH_RATIOS[name];
    const sides = `${over} / ${under}, ${workload}, direct`;
    return {
      id: name,
      title: meaning,
      level: 'SHOULD',
      refs: [],
      verdict: value === null ? 'SKIPPED' : value >= goal ? 'PASS' : 'FAIL',
      why:
        value === null
          ? `not measured (${sides})`
          : `${value.toFixed(2)} ${value >= goal ? 'reaches' : 'is below'} the goal ${goal.toFixed(2)} (${sides})`,
      evidence: {
        value,
        goal,
        over,
        under,
        workload,
        loadCeilingRps: bench.loadCeilingRps ?? null,
      },
      durationMs: 0,
    };
  });
  return {
    label: 'bench ratios',
    classname: 'bench.ratios',
    checks,
    durationMs: bench.durationMs,
    startedAt: bench.startedAt,
    properties: [],
  };
}

/** JUnit XML for one or more conformance reports (one testsuite each), and the bench's ratios. */
export function renderJunit(reports: ConformanceReport[], bench?: BenchReport): string {
  const suites = [
    ...reports.map(conformanceSuite),
    ...(bench === undefined ? [] : [ratioSuite(bench)]),
  ];
  const all = suites.flatMap((suite) => suite.checks);
  const totalMs = suites.reduce((sum, suite) => sum + (finiteOrNull(suite.durationMs) ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sessionlab conformance" ${tally(all)} time="${seconds(totalMs)}">`,
    ...suites.map(testsuite),
    '</testsuites>',
    '',
  ].join('\n');
}
