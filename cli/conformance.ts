/**
 * `sessionlab conformance`: the catalogue against a local cluster it starts (same flags as
 * `up`), or against any target speaking ../shared/CONTRACT.md (`--nodes`). Exit codes: 0 every
 * MUST passed, 1 a MUST failed, 2 inconclusive, 4 harness error, 5 bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { startCluster } from '../orchestrator/cluster.ts';
import type { LocalCluster } from '../orchestrator/cluster.ts';
import { renderConformanceMarkdown } from '../reports/markdown.ts';
import { renderJunit } from '../reports/junit.ts';
import type { ConformanceReport, TargetDescription } from '../core/results.ts';
import { CATALOGUE, selectChecks } from '../scenarios/conformance/catalogue.ts';
import { LOCAL_TIMEOUTS } from '../scenarios/conformance/controls.ts';
import { FAULT_COMMANDS, clusterFaults, commandFaults } from '../scenarios/conformance/faults.ts';
import { runConformance } from '../scenarios/conformance/runner.ts';
import { EXIT } from '../core/exit-codes.ts';
import { createStoreInspector } from '../scenarios/conformance/store-inspector.ts';
import { discoverTarget } from '../scenarios/conformance/target.ts';
import type { FaultControl, StoreInspector, Target } from '../scenarios/conformance/types.ts';
import { addClusterFlags, clusterOptionsFrom, defaultRunDir } from './cluster-flags.ts';
import { TargetError, UsageError } from '../core/errors.ts';

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

interface Prepared {
  target: Target;
  description: TargetDescription;
  store: StoreInspector | undefined;
  faults: FaultControl;
  cluster?: LocalCluster;
}

async function prepare(flags: Record<string, unknown>): Promise<Prepared> {
  const local = flags.nodes === undefined || /^\d+$/.test(String(flags.nodes));
  const nodes = local ? [] : String(flags.nodes).split(',').filter(Boolean);
  if (!local && !nodes.every((url) => /^https?:\/\//.test(url))) {
    throw new UsageError(
      '--nodes takes a count for a local cluster, or the URLs of an external target (http://host:port,…)',
    );
  }
  if (local) {
    const options = clusterOptionsFrom(
      { ...flags, nodes: flags.nodes ?? '3', tls: true },
      (flags.runDir as string | undefined) ?? defaultRunDir('conformance'),
    );
    const cluster = await startCluster({ ...LOCAL_TIMEOUTS, ...options, logLevel: 'warn' });
    const label = `${options.impl} × ${options.store}${options.flaws?.length ? ` with ${options.flaws.join(', ')}` : ''}`;
    const target = await discoverTarget({
      label,
      nodes: cluster.nodes.map((n) => n.url),
      entry: cluster.nginx.entry,
      ...(cluster.nginx.entryTls === undefined ? {} : { entryTls: cluster.nginx.entryTls }),
      password: cluster.password,
    });
    const description: TargetDescription = {
      label,
      nodes: [...target.nodes],
      entry: target.entry,
      contract: target.contract,
      impl: options.impl ?? 'engine',
      store: options.store ?? 'redis',
      lb: options.lb ?? 'round-robin',
      flaws: [...(options.flaws ?? [])],
    };
    if (target.entryTls) description.entryTls = target.entryTls;
    return {
      target,
      description,
      store: await createStoreInspector(cluster.stores.url),
      faults: clusterFaults(cluster),
      cluster,
    };
  }
  const password = (flags.password as string | undefined) ?? process.env.SESSIONLAB_PASSWORD;
  if (!password)
    throw new UsageError('--password (or SESSIONLAB_PASSWORD) is required for an external target');
  const target = await discoverTarget({
    nodes,
    password,
    ...(flags.entry ? { entry: String(flags.entry) } : {}),
    ...(flags.entryTls ? { entryTls: String(flags.entryTls) } : {}),
  });
  const description: TargetDescription = {
    label: target.label,
    nodes,
    contract: target.contract,
    ...(target.hasEntry ? { entry: target.entry } : {}),
  };
  const store = flags.storeUrl ? await createStoreInspector(String(flags.storeUrl)) : undefined;
  return {
    target,
    description,
    store,
    faults: commandFaults(faultCommands(flags.faultCmd as string[])),
  };
}

export async function runConformanceCommand(flags: Record<string, unknown>): Promise<number> {
  if (flags.list) {
    process.stdout.write(`${catalogueText()}\n`);
    return EXIT.pass;
  }
  const checks = selectChecks(flags.only as string[], flags.skip as string[]);
  if (checks.length === 0) throw new UsageError('--only/--skip left no check to run (see --list)');
  let prepared: Prepared;
  try {
    prepared = await prepare(flags);
  } catch (error) {
    if (error instanceof TargetError) throw new UsageError(error.message);
    throw error;
  }
  let report: ConformanceReport;
  try {
    process.stderr.write(`running ${checks.length} checks against ${prepared.target.label}…\n`);
    const run = await runConformance({
      ...prepared,
      checks,
      strict: flags.strict === true,
      onProgress: (line) => process.stderr.write(`  ${line}\n`),
    });
    report = run.report;
    if (flags.history) await run.history.save(String(flags.history));
  } finally {
    await prepared.store?.close();
    await prepared.cluster?.stop();
  }
  if (flags.json) await writeFile(String(flags.json), `${JSON.stringify(report, null, 2)}\n`);
  if (flags.junit) await writeFile(String(flags.junit), renderJunit([report]));
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
    .option('--entry <url>', 'external target: the load balancer URL')
    .option('--entry-tls <url>', 'external target: the HTTPS load balancer URL')
    .option('--password <password>', 'external target: the test password (or SESSIONLAB_PASSWORD)')
    .option(
      '--store-url <url>',
      'external target: redis://… | redis-cluster://… | memcached://… for the SL-ST checks',
    )
    .option(
      '--fault-cmd <name=command>',
      `external target: ${FAULT_COMMANDS.join(' | ')} (repeatable; {node} = node index)`,
      collect,
      [],
    )
    .option('--json <file>', 'write the JSON report')
    .option('--junit <file>', 'write JUnit XML')
    .option('--history <file>', 'write the operation history (JSON lines)')
    .option('--only <globs>', 'run only these check ids (comma-separated globs)', list, [])
    .option('--skip <globs>', 'skip these check ids (comma-separated globs)', list, [])
    .option('--strict', 'a failed SHOULD check fails the run too', false)
    .option('--list', 'print the catalogue and exit', false)
    .action(async (flags: Record<string, unknown>) => {
      process.exitCode = await runConformanceCommand(flags);
    });
}
