/**
 * `runMutation`: each mutant gets a mutating proxy in front of every node of a correct target
 * and an nginx in front of the proxies, then the catalogue (runConformance) runs against it.
 * A bounded pool of workers runs mutants in parallel; on a local target each worker has its own
 * cluster, so the faults one mutant's checks cause never reach another's.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster, PROXY_ADDRESS } from '../../orchestrator/cluster.ts';
import type { ClusterOptions, LocalCluster } from '../../orchestrator/cluster.ts';
import { startNginx } from '../../orchestrator/nginx.ts';
import type { NginxServer } from '../../orchestrator/nginx.ts';
import type { MutantResult, MutationReport } from '../../core/results.ts';
import { send } from '../conformance/client.ts';
import { clusterFaults } from '../conformance/faults.ts';
import { runConformance } from '../conformance/run.ts';
import type { Contract, FaultControl } from '../conformance/types.ts';
import type { Mutant } from './kit.ts';
import { startMutatingProxy } from './proxy.ts';
import type { MutatingProxy } from './proxy.ts';

/** A correct target the proxies sit in front of. */
export type MutationTarget =
  | { kind: 'local'; cluster: ClusterOptions }
  | { kind: 'external'; nodes: readonly string[]; password: string; storeUrl?: string };

export interface MutationOptions {
  mutants: readonly Mutant[];
  /** Mutants in flight at once (each with its own cluster when local). @default 2 */
  parallel?: number;
  /** Run only the checks each mutant names instead of the whole catalogue. @default false */
  quick?: boolean;
  /** Where each mutant's nginx keeps its files. */
  runDir: string;
  onProgress?: (line: string) => void;
}

export const DEFAULT_MUTATION_OPTIONS = { parallel: 2, quick: false } as const;

/** The nodes one worker puts proxies in front of, and how to disturb them. */
interface Backend {
  nodes: string[];
  password: string;
  storeUrl?: string;
  /** Fault control given the mutant's nginx (drained too during rolling restarts). */
  faults(nginx: NginxServer, proxies: MutatingProxy[]): FaultControl;
  stop(): Promise<void>;
}

/**
 * Idle 8 s, absolute 20 s (SL-EX-03 waits at most 30 s): the proxies and a second nginx add latency, and on a loaded 2-core
 * machine a 2 s idle timeout ended sessions between two requests of one check, and its 200 ms
 * lazy touch turned SL-ST-04's 20 reads into a store write.
 */
export const MUTATION_TIMEOUTS = { idleTimeoutMs: 8000, absoluteTimeoutMs: 20_000 } as const;

async function localBackend(options: ClusterOptions, worker: number): Promise<Backend> {
  const cluster: LocalCluster = await startCluster({
    ...MUTATION_TIMEOUTS,
    nodes: 2,
    tls: true,
    ...options,
    runDir: join(options.runDir, `cluster-${worker}`),
  });
  return {
    nodes: cluster.nodes.map((n) => n.url),
    password: cluster.password,
    storeUrl: cluster.stores.url,
    faults: (nginx, proxies) => ({
      ...clusterFaults(cluster),
      rollingRestart: async () => {
        const drain = (index: number | undefined) =>
          nginx.reload(
            proxies.map((p, i) => ({ host: '127.0.0.1', port: p.port, down: i === index })),
          );
        await cluster.rollingRestart(drain);
      },
    }),
    stop: () => cluster.stop(),
  };
}

function externalBackend(target: Extract<MutationTarget, { kind: 'external' }>): Backend {
  return {
    nodes: [...target.nodes],
    password: target.password,
    ...(target.storeUrl ? { storeUrl: target.storeUrl } : {}),
    faults: () => ({}),
    stop: async () => undefined,
  };
}

async function contractOf(url: string): Promise<Contract> {
  const reply = await send(`${url}/contract`, 'GET', { timeoutMs: 5000 });
  if (reply.status !== 200) throw new Error(`${url}/contract answered ${reply.status}`);
  return reply.body as Contract;
}

/** Proxies and nginx for one mutant, the checks against them, then everything stopped. */
async function runMutant(
  mutant: Mutant,
  backend: Backend,
  options: MutationOptions & { targetLabel: string },
): Promise<MutantResult> {
  const started = performance.now();
  const shared = new Map<string, unknown>();
  const proxies: MutatingProxy[] = [];
  let nginx: NginxServer | undefined;
  try {
    for (const [node, upstream] of backend.nodes.entries()) {
      const contract = await contractOf(upstream);
      proxies.push(
        await startMutatingProxy({ upstream, node, shared, contract, handle: mutant.handle }),
      );
    }
    const dir = join(options.runDir, `mutant-${mutant.name}`);
    await mkdir(dir, { recursive: true });
    nginx = await startNginx({
      dir,
      upstreams: proxies.map((p) => ({ host: '127.0.0.1', port: p.port })),
      tls: true,
      proxyBind: PROXY_ADDRESS,
    });
    const { report } = await runConformance(
      {
        kind: 'external',
        label: `${options.targetLabel} with mutant ${mutant.name}`,
        nodes: proxies.map((p) => p.url),
        entry: nginx.entry,
        ...(nginx.entryTls === undefined ? {} : { entryTls: nginx.entryTls }),
        password: backend.password,
        ...(backend.storeUrl ? { storeUrl: backend.storeUrl } : {}),
        faults: backend.faults(nginx, proxies),
      },
      { only: options.quick ? mutant.checks : [] },
    );
    const checks = report.checks.map((c) => ({ id: c.id, verdict: c.verdict, why: c.why }));
    const killedBy = checks
      .filter((c) => c.verdict === 'FAIL' || c.verdict === 'NON_STRICT')
      .map((c) => c.id);
    return {
      name: mutant.name,
      description: mutant.description,
      killed: killedBy.length > 0,
      killedBy,
      checks,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await nginx?.stop();
    await Promise.all(proxies.map((p) => p.stop()));
  }
}

/** Runs every mutant through the pool and scores them. */
export async function runMutation(
  target: MutationTarget,
  options: MutationOptions,
): Promise<MutationReport> {
  const startedAt = new Date();
  const started = performance.now();
  const o = { ...DEFAULT_MUTATION_OPTIONS, ...options };
  const targetLabel =
    target.kind === 'local'
      ? `${target.cluster.impl ?? 'engine'} × ${target.cluster.store ?? 'redis'}`
      : target.nodes.join(', ');
  const workers = Math.max(1, Math.min(o.parallel, o.mutants.length));
  const results: MutantResult[] = [];
  let next = 0;
  const work = async (worker: number): Promise<void> => {
    const backend =
      target.kind === 'local'
        ? await localBackend(target.cluster, worker)
        : externalBackend(target);
    try {
      while (next < o.mutants.length) {
        const mutant = o.mutants[next++] as Mutant;
        const result = await runMutant(mutant, backend, { ...o, targetLabel });
        o.onProgress?.(
          `${mutant.name}: ${result.killed ? `killed by ${result.killedBy.join(', ')}` : 'SURVIVED'}`,
        );
        results.push(result);
      }
    } finally {
      await backend.stop();
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, i) => work(i)));
  const order = new Map(o.mutants.map((m, i) => [m.name, i]));
  results.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return {
    schema: 1,
    target: targetLabel,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    quick: o.quick,
    killed: results.filter((r) => r.killed).length,
    total: results.length,
    mutants: results,
  };
}
