/**
 * The flags that describe a local cluster, shared by `sessionlab up` and the commands that
 * start one themselves (conformance, bench): checked here, so a mistake is one clear line.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../orchestrator/nodes.ts';
import { BALANCE_MODES } from '../nginx/render.ts';
import type { BalanceMode } from '../nginx/render.ts';
import { parseStoreUrl, STORE_KINDS } from '../stores/from-url.ts';
import type { StoreKind } from '../stores/from-url.ts';
import { FLAWS, isFlaw } from '../reference-servers/flaws.ts';
import type { Flaw } from '../reference-servers/flaws.ts';
import { IMPLS } from '../reference-servers/config.ts';
import type { Impl } from '../reference-servers/config.ts';
import type { ClusterOptions } from '../orchestrator/cluster.ts';
import { UsageError } from '../core/errors.ts';
import { COOKIE_FORMATS } from '../session/options.ts';
import type { CookieFormat } from '../session/options.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `nodesDefault: false` leaves --nodes unset when absent (conformance also takes URLs there). */
export function addClusterFlags(command: Command, { nodesDefault = true } = {}): Command {
  return command
    .option('--impl <impl>', `server implementation: ${IMPLS.join(' | ')}`, 'engine')
    .option('--store <kind>', `session store: ${STORE_KINDS.join(' | ')}`, 'redis')
    .option(
      '--store-url <url>',
      'a running store instead (redis[s]://[user:pass@]host:port, …); for an external target, the store the SL-ST checks inspect',
    )
    .option(
      '--nodes <n>',
      nodesDefault
        ? 'number of app nodes'
        : 'number of app nodes (default 3), or the URLs of an external target',
      nodesDefault ? '3' : undefined,
    )
    .option('--lb <mode>', `nginx balancing: ${BALANCE_MODES.join(' | ')}`, 'round-robin')
    .option('--tls', 'also an HTTPS entry (self-signed certificate)', false)
    .option(
      '--flaw <name>',
      'break one guarantee on the engine nodes (repeatable, see --help-flaws)',
      collect,
      [],
    )
    .option('--idle-timeout-ms <ms>', 'idle timeout of the nodes')
    .option('--absolute-timeout-ms <ms>', 'absolute timeout of the nodes (0: none)')
    .option('--encrypt', 'encryption at rest on the engine nodes', false)
    .option('--cookie-format <format>', `engine cookie: ${COOKIE_FORMATS.join(' | ')}`, 'signed')
    .option(
      '--replica-acks <n>',
      'redis replicas that must hold each login and logout (default 1 on redis-sentinel and redis-cluster, else 0)',
    )
    .option('--run-dir <dir>', 'where logs are kept (default .run/<command>-<time>)');
}

function positiveInteger(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`invalid ${name} "${text}": expected an integer from ${min} to ${max}`);
  return value;
}

/** The stores the non-engine servers are built for (connect-redis, connect-memcached, node-redis). */
const STORES_OF_IMPL: Readonly<Record<string, readonly string[]>> = {
  'express-session': ['redis', 'memcached', 'postgres'],
  'adapter-express': ['redis', 'memcached'],
  'adapter-fastify': ['redis'],
  'adapter-koa': ['redis'],
};

export function clusterOptionsFrom(flags: Record<string, unknown>, runDir: string): ClusterOptions {
  const impl = String(flags.impl);
  if (!(IMPLS as readonly string[]).includes(impl))
    throw new UsageError(`invalid --impl "${impl}": expected ${IMPLS.join(' | ')}`);
  const store = String(flags.store);
  if (!(STORE_KINDS as readonly string[]).includes(store))
    throw new UsageError(`invalid --store "${store}": expected ${STORE_KINDS.join(' | ')}`);
  const lb = String(flags.lb);
  if (!(BALANCE_MODES as readonly string[]).includes(lb))
    throw new UsageError(`invalid --lb "${lb}": expected ${BALANCE_MODES.join(' | ')}`);
  const flaws: Flaw[] = [];
  for (const flaw of flags.flaw as string[]) {
    if (!isFlaw(flaw))
      throw new UsageError(`invalid --flaw "${flaw}": expected ${Object.keys(FLAWS).join(' | ')}`);
    flaws.push(flaw);
  }
  if (flaws.length > 0 && impl !== 'engine')
    throw new UsageError('--flaw: only the engine implementation has flaw switches');
  const cookieFormat = String(flags.cookieFormat ?? 'signed');
  if (!(COOKIE_FORMATS as readonly string[]).includes(cookieFormat))
    throw new UsageError(
      `invalid --cookie-format "${cookieFormat}": expected ${COOKIE_FORMATS.join(' | ')}`,
    );
  if (cookieFormat !== 'signed' && impl !== 'engine')
    throw new UsageError('--cookie-format: only the engine implementation has cookie formats');
  const stores = STORES_OF_IMPL[impl];
  if (stores !== undefined && !stores.includes(store))
    throw new UsageError(`--impl ${impl} runs on --store ${stores.join(' | ')}`);
  const options: ClusterOptions = {
    runDir,
    impl: impl as Impl,
    store: store as StoreKind,
    nodes: positiveInteger('--nodes', String(flags.nodes), 1, 16),
    lb: lb as BalanceMode,
    tls: flags.tls === true,
    flaws,
    encrypt: flags.encrypt === true,
    cookieFormat: cookieFormat as CookieFormat,
  };
  if (flags.storeUrl !== undefined) {
    const url = String(flags.storeUrl);
    try {
      options.store = parseStoreUrl(url).kind;
    } catch (error) {
      throw new UsageError(`--store-url: ${(error as Error).message}`);
    }
    options.storeUrl = url;
  }
  if (flags.idleTimeoutMs !== undefined)
    options.idleTimeoutMs = positiveInteger(
      '--idle-timeout-ms',
      String(flags.idleTimeoutMs),
      1000,
      2 ** 31,
    );
  if (flags.absoluteTimeoutMs !== undefined)
    options.absoluteTimeoutMs = positiveInteger(
      '--absolute-timeout-ms',
      String(flags.absoluteTimeoutMs),
      0,
      2 ** 31,
    );
  if (flags.replicaAcks !== undefined) {
    options.replicaAcks = positiveInteger('--replica-acks', String(flags.replicaAcks), 0, 16);
    if (options.replicaAcks > 0 && store !== 'redis-sentinel' && store !== 'redis-cluster')
      throw new UsageError(
        '--replica-acks: only --store redis-sentinel | redis-cluster have replicas',
      );
  }
  return options;
}

export function flawHelp(): string {
  return Object.entries(FLAWS)
    .map(([name, what]) => `  ${name.padEnd(22)} ${what}`)
    .join('\n');
}

/** `.run/<command>-<time>` under the project: logs of a run are kept there. */
export function defaultRunDir(command: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(PROJECT_ROOT, '.run', `${command}-${stamp}`);
}
