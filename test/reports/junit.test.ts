/**
 * JUnit XML at parse level: well-formed, every suite and case named, counts that match the
 * elements, and each verdict mapped as documented in reports/junit.ts.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { renderJunit } from '../../reports/junit.ts';
import type { ConformanceReport } from '../../core/results.ts';
import { findCheck, fixtureResults } from './fixtures/load.ts';

interface Outcome {
  '@_message'?: string;
  '@_type'?: string;
  '#text'?: string;
}

interface TestCase {
  '@_name'?: string;
  '@_classname'?: string;
  '@_time'?: string;
  failure?: Outcome[];
  error?: Outcome[];
  skipped?: Outcome[];
  'system-out'?: string[];
}

interface TestSuite {
  '@_name'?: string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  testcase?: TestCase[];
}

interface Parsed {
  testsuites: Omit<TestSuite, '@_name'> & { testsuite?: TestSuite[] };
}

const ARRAYS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out']);

/** What fast-xml-parser's validator lets through: characters XML 1.0 forbids, raw `<` or `&` in attributes. */
function strictProblems(xml: string): string[] {
  const problems: string[] = [];
  for (const char of xml) {
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 && !'\t\n\r'.includes(char)) || code === 0xfffe || code === 0xffff)
      problems.push(`forbidden character U+${code.toString(16)}`);
    if (code >= 0xd800 && code <= 0xdfff) problems.push('lone surrogate');
  }
  for (const [, value] of xml.matchAll(/="([^"]*)"/g)) {
    if (/<|&(?!(?:amp|lt|gt|quot|#39);)/.test(value ?? '')) problems.push(`attribute ${value}`);
  }
  return problems;
}

function parse(xml: string): Parsed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}`);
  const problems = strictProblems(xml);
  if (problems.length > 0) throw new Error(`invalid XML: ${problems.join(', ')}`);
  return new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => ARRAYS.has(name),
  }).parse(xml) as Parsed;
}

function suites(xml: string): TestSuite[] {
  return parse(xml).testsuites.testsuite ?? [];
}

function caseNamed(suite: TestSuite | undefined, prefix: string): TestCase {
  const found = suite?.testcase?.find((c) => c['@_name']?.startsWith(`${prefix} `));
  if (!found) throw new Error(`no testcase ${prefix}`);
  return found;
}

t.test('the XML is well-formed and every testsuite and testcase has a name', async (t) => {
  const xml = renderJunit(fixtureResults().conformance);
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  const all = suites(xml);
  t.same(
    all.map((s) => s['@_name']),
    ['engine × redis', 'express-session × redis'],
  );
  for (const suite of all) {
    for (const testcase of suite.testcase ?? [])
      t.match(testcase['@_name'], /^SL-[A-Z]{2}-\d\d \S/);
  }
  t.equal(all[0]?.testcase?.length, 17);
  t.equal(all[1]?.testcase?.length, 16);
});

t.test('suite and total counts match the failure, error and skipped elements', async (t) => {
  const parsed = parse(renderJunit(fixtureResults().conformance));
  const count = (cases: TestCase[], key: 'failure' | 'error' | 'skipped'): number =>
    cases.filter((c) => (c[key]?.length ?? 0) > 0).length;
  const allCases: TestCase[] = [];
  for (const suite of parsed.testsuites.testsuite ?? []) {
    const cases = suite.testcase ?? [];
    allCases.push(...cases);
    t.equal(Number(suite['@_tests']), cases.length, `${suite['@_name']} tests`);
    t.equal(Number(suite['@_failures']), count(cases, 'failure'), `${suite['@_name']} failures`);
    t.equal(Number(suite['@_errors']), count(cases, 'error'), `${suite['@_name']} errors`);
    t.equal(Number(suite['@_skipped']), count(cases, 'skipped'), `${suite['@_name']} skipped`);
  }
  const express = parsed.testsuites.testsuite?.[1];
  t.same(
    [express?.['@_failures'], express?.['@_errors'], express?.['@_skipped']],
    ['3', '1', '3'],
    'express-session: 3 FAIL, 1 ERROR, 2 SKIPPED + 1 UNKNOWN',
  );
  t.same(
    [
      parsed.testsuites['@_tests'],
      parsed.testsuites['@_failures'],
      parsed.testsuites['@_errors'],
      parsed.testsuites['@_skipped'],
    ],
    [String(allCases.length), '3', '1', '5'],
  );
});

t.test('each verdict maps to its JUnit element', async (t) => {
  const xml = renderJunit(fixtureResults().conformance);
  const [engine, express] = suites(xml);

  const fail = caseNamed(express, 'SL-XN-03');
  t.equal(fail.failure?.[0]?.['@_type'], 'MUST');
  t.equal(
    fail.failure?.[0]?.['@_message'],
    '57 of 100 concurrent writes to distinct keys were lost & never persisted',
    'the message is the why',
  );
  t.match(fail.failure?.[0]?.['#text'], '"persisted": 43', 'the evidence is in the body');
  t.match(
    fail.failure?.[0]?.['#text'],
    '"note": "<script>alert(\\"xss\\")</script> & more"',
    'markup in evidence comes back as the same text',
  );
  t.notMatch(xml, /<script/i, 'and is never markup in the document');

  const error = caseNamed(express, 'SL-FT-01');
  t.equal(error.error?.[0]?.['@_type'], 'ERROR');
  t.equal(error.failure, undefined);

  t.equal(caseNamed(express, 'SL-XN-05').skipped?.[0]?.['@_message']?.slice(0, 8), 'UNKNOWN:');
  t.equal(
    caseNamed(express, 'SL-CK-02').skipped?.[0]?.['@_message'],
    'the target has no HTTPS entry (start it with --tls)',
  );

  const nonStrict = caseNamed(engine, 'SL-ST-03');
  t.equal(nonStrict.failure ?? nonStrict.error ?? nonStrict.skipped, undefined, 'it passes');
  t.match(nonStrict['system-out']?.[0], /^NON_STRICT: passes, but a SHOULD requirement/);

  const pass = caseNamed(engine, 'SL-XN-01');
  t.same(Object.keys(pass).sort(), ['@_classname', '@_name', '@_time']);
  t.equal(pass['@_classname'], 'conformance.engine_redis');
});

t.test(
  'control characters, lone surrogates and empty names still give valid, named XML',
  async (t) => {
    const results = fixtureResults();
    const report = results.conformance[1] as ConformanceReport;
    report.target.label = '';
    const check = findCheck(report, 'SL-XN-03');
    check.why = 'nul \u0000 bell \u0007 lone \ud800 surrogate ]]> end';
    check.evidence = { raw: '\u001b[31mred\u001b[0m' };
    const unnamed = findCheck(report, 'SL-XN-04');
    unnamed.id = '';
    unnamed.title = '   ';
    const all = suites(renderJunit(results.conformance));
    t.equal(all[1]?.['@_name'], 'target 2');
    t.ok(
      all[1]?.testcase?.some((c) => c['@_name'] === 'check 3'),
      'an unnamed check gets a name',
    );
    t.match(
      caseNamed(all[1], 'SL-XN-03').failure?.[0]?.['@_message'],
      'nul \uFFFD bell \uFFFD lone',
    );
  },
);

t.test('no reports give an empty but valid document', async (t) => {
  const parsed = parse(renderJunit([]));
  t.equal(parsed.testsuites['@_tests'], '0');
  t.equal(parsed.testsuites.testsuite, undefined);
});

t.test(
  'with a bench, a "bench ratios" suite passes a goal met, fails a goal missed and skips the unmeasured',
  async (t) => {
    const results = fixtureResults();
    if (!results.bench) throw new Error('the fixture has a bench');
    const all = suites(renderJunit(results.conformance, results.bench));
    const ratios = all.at(-1);
    t.equal(all.length, results.conformance.length + 1);
    t.equal(ratios?.['@_name'], 'bench ratios');
    t.match(ratios, { '@_tests': '7', '@_failures': '1', '@_skipped': '4', '@_errors': '0' });
    const met = caseNamed(ratios, 'engine_vs_express_session_read');
    t.same(Object.keys(met).sort(), ['@_classname', '@_name', '@_time'], 'a met goal passes');
    const missed = caseNamed(ratios, 'engine_http_vs_raw_redis_read').failure?.[0];
    t.equal(missed?.['@_type'], 'SHOULD');
    t.match(missed?.['@_message'], /^0\.64 is below the goal 0\.80 \(engine-http-redis \//);
    t.match(
      caseNamed(ratios, 'engine_vs_express_session_write').skipped?.[0]?.['@_message'],
      'not measured (engine-redis / express-session-redis, write, direct)',
    );
    t.equal(suites(renderJunit(results.conformance)).length, results.conformance.length);
  },
);
