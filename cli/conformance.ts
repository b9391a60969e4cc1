/**
 * `sessionlab conformance`: the catalogue against a local cluster it starts (same flags as
 * `up`), or against any target speaking ../shared/CONTRACT.md (`--nodes`). Exit codes: 0 every
 * MUST passed, 1 a MUST failed, 2 inconclusive, 4 harness error, 5 bad arguments.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderConformanceMarkdown } from '../reports/markdown.ts';
import { renderJunit } from '../reports/junit.ts';
import { writeReportDir } from '../reports/write.ts';
import { collectEnvironment } from '../orchestrator/environment.ts';
import type { RunResults } from '../core/results.ts';
import { CATALOGUE } from '../scenarios/conformance/catalogue.ts';
import { renderCatalogueMarkdown } from '../scenarios/conformance/catalogue-markdown.ts';
import { FAULT_COMMANDS } from '../scenarios/conformance/faults.ts';
import { renderCoverageMarkdown } from '../scenarios/conformance/coverage.ts';
import { runConformance } from '../scenarios/conformance/run.ts';
import { DEFAULT_CHECK_SETTINGS, THOROUGH_CHECK_SETTINGS } from '../scenarios/conformance/types.ts';
import type { CheckSettings } from '../scenarios/conformance/types.ts';
import type { ConformanceTarget } from '../scenarios/conformance/run.ts';
import { EXIT } from '../core/exit-codes.ts';
import { addClusterFlags, clusterOptionsFrom, defaultRunDir } from './cluster-flags.ts';
import { UsageError } from '../core/errors.ts';
import { parseProfile } from '../scenarios/profile/load.ts';
import type { Profile } from '../scenarios/profile/types.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const list = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(',').filter(Boolean),
];

function catalogueText(): string {
  return CATALOGUE.map(
    (c) =>
      `${c.id}  ${c.level.padEnd(6)} ${c.title}${c.capability ? ` [capability ${c.capability}]` : ''}\n${' '.repeat(10)}${c.refs.join(' ')}`,
  ).join('\n');
}

function faultCommands(entries: string[]): Map<string, string> {
  const commands = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    if (eq <= 0 || !(FAULT_COMMANDS as readonly string[]).includes(name)) {
      throw new UsageError(
        `invalid --fault-cmd "${entry}": expected NAME=COMMAND with NAME one of ${FAULT_COMMANDS.join(' | ')}`,
      );
    }
    commands.set(name, entry.slice(eq + 1));
  }
  return commands;
}

/** Reads `--profile FILE`; `--nodes` URLs and `--entry` replace the file's. */
export function profileFrom(flags: Record<string, unknown>): Profile {
  const file = String(flags.profile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --profile ${file}: ${(error as Error).message}`);
  }
  const nodes =
    flags.nodes === undefined ? undefined : String(flags.nodes).split(',').filter(Boolean);
  return parseProfile(text, file, process.env, {
    ...(flags.entry === undefined ? {} : { entry: String(flags.entry) }),
    ...(nodes === undefined ? {} : { nodes }),
  });
}

/**
 * Flags → what to check: `--profile` an app described by a profile, a count (or nothing) a
 * local cluster, URLs an external contract target.
 */
export function conformanceTargetFrom(flags: Record<string, unknown>): ConformanceTarget {
  if (flags.profile !== undefined)
    return {
      kind: 'profile',
      profile: profileFrom(flags),
      ...(flags.storeUrl ? { storeUrl: String(flags.storeUrl) } : {}),
      faultCommands: faultCommands((flags.faultCmd as string[] | undefined) ?? []),
    };
  const local = flags.nodes === undefined || /^\d+$/.test(String(flags.nodes));
  if (local) {
    const cluster = clusterOptionsFrom(
      { ...flags, nodes: flags.nodes ?? '3', tls: true },
      (flags.runDir as string | undefined) ?? defaultRunDir('conformance'),
    );
    return { kind: 'local', cluster: { ...cluster, logLevel: 'warn' } };
  }
  const nodes = String(flags.nodes).split(',').filter(Boolean);
  if (!nodes.every((url) => /^https?:\/\//.test(url))) {
    throw new UsageError(
      '--nodes takes a count for a local cluster, or the URLs of an external target (http://host:port,…)',
    );
  }
  const password = (flags.password as string | undefined) ?? process.env.SESSIONLAB_PASSWORD;
  if (!password)
    throw new UsageError('--password (or SESSIONLAB_PASSWORD) is required for an external target');
  return {
    kind: 'external',
    nodes,
    password,
    ...(flags.entry ? { entry: String(flags.entry) } : {}),
    ...(flags.entryTls ? { entryTls: String(flags.entryTls) } : {}),
    ...(flags.storeUrl ? { storeUrl: String(flags.storeUrl) } : {}),
    faultCommands: faultCommands((flags.faultCmd as string[] | undefined) ?? []),
  };
}

function settingsFrom(flags: Record<string, unknown>): CheckSettings {
  const base = flags.thorough === true ? THOROUGH_CHECK_SETTINGS : DEFAULT_CHECK_SETTINGS;
  if (flags.idleBeforeOutageMs === undefined) return base;
  const ms = Number(flags.idleBeforeOutageMs);
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000)
    throw new UsageError(
      `invalid --idle-before-outage-ms "${String(flags.idleBeforeOutageMs)}": expected 0 to 600000`,
    );
  return { ...base, idleBeforeOutageMs: ms };
}

export async function runConformanceCommand(flags: Record<string, unknown>): Promise<number> {
  if (flags.coverage) {
    process.stdout.write(renderCoverageMarkdown());
    return EXIT.pass;
  }
  if (flags.list) {
    const format = String(flags.format ?? 'text');
    if (format !== 'text' && format !== 'markdown')
      throw new UsageError(`invalid --format "${format}": expected text | markdown`);
    process.stdout.write(
      format === 'markdown' ? renderCatalogueMarkdown() : `${catalogueText()}\n`,
    );
    return EXIT.pass;
  }
  const settings = settingsFrom(flags);
  const progress = (line: string): void => void process.stderr.write(`  ${line}\n`);
  const { report, history } = await runConformance(conformanceTargetFrom(flags), {
    only: flags.only as string[],
    skip: flags.skip as string[],
    strict: flags.strict === true,
    settings,
    onProgress: progress,
  });
  if (flags.history) await history.save(String(flags.history));
  if (flags.json) await writeFile(String(flags.json), `${JSON.stringify(report, null, 2)}\n`);
  if (flags.junit) await writeFile(String(flags.junit), renderJunit([report]));
  if (flags.out) {
    const environment = await collectEnvironment('sessionlab conformance');
    const results: RunResults = {
      schema: 1,
      startedAt: report.startedAt,
      environment,
      conformance: [report],
    };
    const { dir } = await writeReportDir(String(flags.out), results);
    progress(`report: ${join(dir, 'index.html')}`);
  }
  process.stdout.write(renderConformanceMarkdown(report));
  return report.exitCode;
}

export function registerConformance(program: Command): void {
  addClusterFlags(
    program
      .command('conformance')
      .description('run the conformance catalogue against a local cluster or any target'),
    { nodesDefault: false },
  )
    .option(
      '--profile <file>',
      'test an app that does not implement CONTRACT.md, described by a profile (PROFILE.md); --nodes URLs and --entry override its URLs',
    )
    .option('--entry <url>', 'external target: the load balancer URL')
    .option('--entry-tls <url>', 'external target: the HTTPS load balancer URL')
    .option('--password <password>', 'external target: the test password (or SESSIONLAB_PASSWORD)')
    .option(
      '--fault-cmd <name=command>',
      `external or --profile target: ${FAULT_COMMANDS.join(' | ')} (repeatable; {node} = node index)`,
      collect,
      [],
    )
    .option('--json <file>', 'write the JSON report')
    .option('--junit <file>', 'write JUnit XML')
    .option(
      '--out <dir>',
      'write a report directory: results.json, summary.md, junit.xml, index.html',
    )
    .option('--history <file>', 'write the operation history (JSON lines)')
    .option('--only <globs>', 'run only these check ids (comma-separated globs)', list, [])
    .option('--skip <globs>', 'skip these check ids (comma-separated globs)', list, [])
    .option('--strict', 'a failed SHOULD check fails the run too', false)
    .option('--list', 'print the catalogue and exit', false)
    .option('--coverage', 'print which checks cover each CONTRACT.md statement (Markdown) and exit')
    .option('--thorough', 'slow variants: 65 s of idle before each store outage of SL-FT-01', false)
    .option('--idle-before-outage-ms <ms>', 'idle time before each store outage (default 2000)')
    .option(
      '--format <format>',
      'with --list: text | markdown (the catalogue and flaw tables)',
      'text',
    )
    .action(async (flags: Record<string, unknown>) => {
      process.exitCode = await runConformanceCommand(flags);
    });
}
