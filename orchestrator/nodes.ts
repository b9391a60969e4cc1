/**
 * Reference-server nodes as child processes: each runs reference-servers/main.ts under tsx on
 * its own loopback port, secrets passed in the environment, ready once `GET /contract` answers
 * with its node id.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RingKey } from '../session/options.ts';
import { ManagedProcess } from './process.ts';
import type { Flaw } from '../reference-servers/flaws.ts';
import { BENCH_IMPLS, contractPathOf } from '../reference-servers/config.ts';
import type { BenchImpl, Impl } from '../reference-servers/config.ts';
import type { CookieFormat } from '../session/options.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(PROJECT_ROOT, 'reference-servers', 'main.ts');
const BENCH_MAIN = join(PROJECT_ROOT, 'reference-servers', 'bench', 'main.ts');

export interface AppNodeSpec {
  /** A contract server, or a bench-only one (reference-servers/bench/main.ts; no flaws). */
  impl: Impl | BenchImpl;
  nodeId: string;
  port: number;
  storeUrl: string;
  password: string;
  signingKeys: readonly RingKey[];
  encryptionKeys: readonly RingKey[];
  /** The engine's user-index HMAC key, the same on every node. @default unset (unkeyed hash) */
  userIndexSecret?: string;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  maxSessionBytes: number;
  storeTimeoutMs: number;
  /** Redis replicas that must hold each login and logout. @default 0 */
  replicaAcks?: number;
  trustedProxies: readonly string[];
  flaws: readonly Flaw[];
  /** @default 'signed' */
  cookieFormat?: CookieFormat;
  logLevel: string;
  /** Extra node flags, before the script (e.g. `--cpu-prof`). @default [] */
  nodeArgs?: readonly string[];
}

export interface AppNode {
  id: string;
  port: number;
  /** Where the node answers the contract: `http://127.0.0.1:<port>`, plus an adapter's prefix. */
  url: string;
  process: ManagedProcess;
  /** Keys for the next (re)start: a rolling restart rotates them node by node. */
  setSigningKeys(keys: readonly RingKey[]): void;
  /** Flaw switches for the next (re)start: the lab page turns flaws on and off this way. */
  setFlaws(flaws: readonly Flaw[]): void;
}

const ring = (keys: readonly RingKey[]): string => keys.map((k) => `${k.id}:${k.secret}`).join(',');

function argsFor(spec: AppNodeSpec): string[] {
  return [
    ...(spec.nodeArgs ?? []),
    '--import',
    'tsx',
    (BENCH_IMPLS as readonly string[]).includes(spec.impl) ? BENCH_MAIN : MAIN,
    ...['--impl', spec.impl, '--node-id', spec.nodeId, '--port', String(spec.port)],
    ...['--log-level', spec.logLevel],
    ...[
      '--idle-timeout-ms',
      String(spec.idleTimeoutMs),
      '--absolute-timeout-ms',
      String(spec.absoluteTimeoutMs),
    ],
    ...[
      '--max-session-bytes',
      String(spec.maxSessionBytes),
      '--store-timeout-ms',
      String(spec.storeTimeoutMs),
    ],
    ...(spec.replicaAcks ? ['--replica-acks', String(spec.replicaAcks)] : []),
    ...spec.trustedProxies.flatMap((p) => ['--trusted-proxy', p]),
    ...spec.flaws.flatMap((f) => ['--flaw', f]),
    ...(spec.impl === 'engine' ? ['--cookie-format', spec.cookieFormat ?? 'signed'] : []),
  ];
}

function envFor(spec: AppNodeSpec, signingKeys: readonly RingKey[]): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SESSIONLAB_PASSWORD: spec.password,
    // In the environment, not argv: the URL may carry the store's password.
    SESSIONLAB_STORE_URL: spec.storeUrl,
    SESSIONLAB_SIGNING_KEYS: ring(signingKeys),
    SESSIONLAB_ENCRYPTION_KEYS: ring(spec.encryptionKeys),
    ...(spec.userIndexSecret === undefined
      ? {}
      : { SESSIONLAB_USER_INDEX_SECRET: spec.userIndexSecret }),
  };
}

async function answersAs(url: string, nodeId: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/contract`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200 && ((await res.json()) as { node?: string }).node === nodeId;
  } catch {
    return false;
  }
}

export async function startAppNode(dir: string, spec: AppNodeSpec): Promise<AppNode> {
  const url = `http://127.0.0.1:${spec.port}${contractPathOf(spec.impl)}`;
  const managed = new ManagedProcess({
    name: `${spec.impl} node ${spec.nodeId} at ${url}`,
    command: process.execPath,
    args: argsFor(spec),
    env: envFor(spec, spec.signingKeys),
    cwd: PROJECT_ROOT,
    logFile: join(dir, `node-${spec.nodeId}.log`),
    ready: () => answersAs(url, spec.nodeId),
    // A bound, not an expectation: on a loaded 2-core machine a node can take over 20 s to start.
    readyTimeoutMs: 60_000,
  });
  await managed.start();
  return {
    id: spec.nodeId,
    port: spec.port,
    url,
    process: managed,
    setSigningKeys: (keys) => managed.reconfigure({ env: envFor(spec, keys) }),
    setFlaws: (flaws) => managed.reconfigure({ args: argsFor({ ...spec, flaws }) }),
  };
}
