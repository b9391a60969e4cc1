/**
 * The bench's targets and the processes behind each: N reference nodes (contract servers from
 * reference-servers/main.ts, bench-only ones from bench/main.ts) on one store, and nginx in
 * front of them when the nginx path is measured. The direct path is the first node.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workload } from '../../core/results.ts';
import type { BalanceMode } from '../../nginx/render.ts';
import { PROXY_ADDRESS } from '../../orchestrator/cluster.ts';
import { startNginx } from '../../orchestrator/nginx.ts';
import type { NginxServer } from '../../orchestrator/nginx.ts';
import { startAppNode } from '../../orchestrator/nodes.ts';
import { freePorts } from '../../orchestrator/ports.ts';
import type { ManagedProcess } from '../../orchestrator/process.ts';
import type { BenchImpl, Impl } from '../../reference-servers/config.ts';
import { DEFAULT_SESSION_OPTIONS } from '../../session/options.ts';
import type { RingKey } from '../../session/options.ts';
import type { StoreKind } from '../../stores/from-url.ts';
import { WORKLOADS } from './workloads.ts';

/** Production-sized: a read refreshes the TTL at most once a minute (touchAfterMs 60 s). */

export interface TargetSpec {
  /** `engine-redis`, `express-session-memcached`, `express-nosession`, ... */
  name: string;
  impl: Impl | BenchImpl;
  /** The store the nodes use; null for a target without one. */
  store: StoreKind | null;
  /** True when requests carry real sessions (false: a same-shaped cookie nobody reads). */
  sessions: boolean;
  workloads: readonly Workload[];
  /** Redis replicas each lifecycle write waits for (store option `replicaAcks`). @default 0 */
  replicaAcks?: number;
}

/**
 * The cost of WAIT: login-churn on the engine over Sentinel (1 primary, 2 replicas), without and
 * with one replica acknowledging each login and logout.
 */
export const WAIT_TARGETS = ['engine-redis-sentinel-wait0', 'engine-redis-sentinel-wait1'] as const;

/** The target whose read rate is the load generator's ceiling (reference-servers/bench/static-http.ts). */
export const LOAD_CEILING_TARGET = 'static-http';

/** Every target the bench knows on the given session stores, in measuring order. */
export function catalogue(stores: readonly StoreKind[]): TargetSpec[] {
  const targets: TargetSpec[] = [];
  const session = (impl: TargetSpec['impl'], store: StoreKind): TargetSpec => ({
    name: `${impl}-${store}`,
    impl,
    store,
    sessions: true,
    workloads: WORKLOADS,
  });
  for (const store of stores) {
    targets.push(session('engine', store));
    if (store === 'redis' || store === 'memcached' || store === 'postgres')
      targets.push(session('express-session', store));
  }
  targets.push({
    name: 'express-nosession',
    impl: 'express-nosession',
    store: null,
    sessions: false,
    workloads: WORKLOADS,
  });
  // The engine without a framework, beside its limit: bare node:http doing one raw store read.
  for (const store of stores) targets.push(session('engine-http', store));
  for (const [store, name] of [
    ['redis', 'raw-ioredis-get'],
    ['memcached', 'raw-memcached-get'],
    ['postgres', 'raw-pg-select'],
  ] as const) {
    if (stores.includes(store))
      targets.push({ name, impl: name, store, sessions: false, workloads: ['read'] });
  }
  for (const replicaAcks of [0, 1]) {
    targets.push({
      name: `engine-redis-sentinel-wait${replicaAcks}`,
      impl: 'engine',
      store: 'redis-sentinel',
      sessions: true,
      workloads: ['login-churn'],
      replicaAcks,
    });
  }
  // The load generator's ceiling: the fastest answer node:http can give.
  targets.push({
    name: LOAD_CEILING_TARGET,
    impl: 'static-http',
    store: null,
    sessions: false,
    workloads: ['read'],
  });
  return targets;
}

export interface TargetNode {
  id: string;
  port: number;
  url: string;
  process: ManagedProcess;
}

export interface RunningTarget {
  spec: TargetSpec;
  nodes: TargetNode[];
  nginx: NginxServer | undefined;
  stop(): Promise<void>;
}

export interface StartTargetOptions {
  /** Logs go here. */
  runDir: string;
  /** The store URL the nodes use (`redis://…`); ignored for a target without a store. */
  storeUrl: string | undefined;
  password: string;
  signingKeys: readonly RingKey[];
  nodes: number;
  /** Start nginx in front of the nodes. */
  nginx: boolean;
  lb: BalanceMode;
  /** Write a V8 CPU profile of every node here when it stops. */
  cpuProfileDir?: string;
}

/** Starts the nodes (in parallel) and nginx; stops what started when a part fails. */
export async function startTarget(
  spec: TargetSpec,
  options: StartTargetOptions,
): Promise<RunningTarget> {
  await mkdir(join(options.runDir, spec.name), { recursive: true });
  const ports = await freePorts(options.nodes);
  const settled = await Promise.allSettled(
    ports.map((port, i) => startNode(spec, options, `n${i + 1}`, port)),
  );
  const nodes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopNodes = async (): Promise<void> =>
    void (await Promise.all(nodes.map((node) => node.process.stop())));
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const nginx = options.nginx
      ? await startNginx({
          dir: options.runDir,
          upstreams: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
          balance: options.lb,
          proxyBind: PROXY_ADDRESS,
        })
      : undefined;
    const stop = async (): Promise<void> => {
      await nginx?.stop();
      await stopNodes();
    };
    return { spec, nodes, nginx, stop };
  } catch (error) {
    await stopNodes();
    throw error;
  }
}

async function startNode(
  spec: TargetSpec,
  options: StartTargetOptions,
  nodeId: string,
  port: number,
): Promise<TargetNode> {
  const node = await startAppNode(join(options.runDir, spec.name), {
    impl: spec.impl,
    nodeId,
    port,
    storeUrl: options.storeUrl ?? 'memory://',
    password: options.password,
    signingKeys: options.signingKeys,
    encryptionKeys: [],
    idleTimeoutMs: DEFAULT_SESSION_OPTIONS.idleTimeoutMs,
    absoluteTimeoutMs: DEFAULT_SESSION_OPTIONS.absoluteTimeoutMs,
    maxSessionBytes: DEFAULT_SESSION_OPTIONS.maxSessionBytes,
    storeTimeoutMs: DEFAULT_SESSION_OPTIONS.storeTimeoutMs,
    trustedProxies: [PROXY_ADDRESS],
    flaws: [],
    logLevel: 'warn',
    ...(spec.replicaAcks === undefined ? {} : { replicaAcks: spec.replicaAcks }),
    ...(options.cpuProfileDir === undefined
      ? {}
      : {
          // One folder per node: every thread (the loader's too) writes its own profile.
          nodeArgs: [
            '--cpu-prof',
            `--cpu-prof-dir=${join(options.cpuProfileDir, `${spec.name}-${nodeId}`)}`,
          ],
        }),
  });
  return { id: nodeId, port, url: node.url, process: node.process };
}
