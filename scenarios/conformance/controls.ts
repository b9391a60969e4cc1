/**
 * Negative controls: each flaw of the reference server runs only against the checks it is
 * meant to break, and each of those must FAIL (NON_STRICT for a SHOULD). A check that passes
 * against its flaw could never fail: that is a bug in the check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../orchestrator/cluster.ts';
import type { ClusterOptions } from '../../orchestrator/cluster.ts';
import type { StoreKind } from '../../stores/from-url.ts';
import {
  REDIS_ONLY_FLAWS,
  REPLICATED_ONLY_FLAWS,
  type Flaw,
} from '../../reference-servers/flaws.ts';
import type { CheckResult } from '../../core/results.ts';
import { CATALOGUE } from './catalogue.ts';
import { clusterFaults } from './faults.ts';
import { runChecks } from './runner.ts';
import { createStoreInspector } from './store-inspector.ts';
import { discoverTarget } from './target.ts';
import type { CheckDefinition } from './types.ts';

/** Short timeouts so expiry checks finish quickly: idle 2 s, absolute 8 s. */
export const LOCAL_TIMEOUTS = { idleTimeoutMs: 2000, absoluteTimeoutMs: 8000 } as const;

export interface ControlResult {
  flaw: Flaw;
  /** Each targeted check with its verdict; `caught` when all FAIL (or NON_STRICT). */
  checks: { id: string; verdict: string; why: string }[];
  caught: boolean;
}

/** The flaws that prove each check, and checks no flaw proves (MUST ones are a defect). */
export function controlPlan(
  catalogue: readonly CheckDefinition[] = CATALOGUE,
): Map<Flaw, CheckDefinition[]> {
  const plan = new Map<Flaw, CheckDefinition[]>();
  for (const check of catalogue) {
    for (const flaw of check.provenBy) plan.set(flaw, [...(plan.get(flaw) ?? []), check]);
  }
  return plan;
}

/** Runs one flaw's cluster against its checks. */
export async function runControl(
  flaw: Flaw,
  checks: readonly CheckDefinition[],
  store: StoreKind,
  extra: Partial<ClusterOptions> = {},
): Promise<ControlResult> {
  const runDir = await mkdtemp(join(tmpdir(), `sessionlab-control-${flaw}-`));
  const encrypt = checks.some((c) => c.capability === 'encrypt-at-rest');
  const cluster = await startCluster({
    runDir,
    store,
    nodes: 2,
    tls: true,
    encrypt,
    flaws: [flaw],
    ...LOCAL_TIMEOUTS,
    ...extra,
  });
  const inspector = await createStoreInspector(cluster.stores.url);
  try {
    const target = await discoverTarget({
      label: `engine × ${store} with ${flaw}`,
      nodes: cluster.nodes.map((n) => n.url),
      entry: cluster.nginx.entry,
      ...(cluster.nginx.entryTls === undefined ? {} : { entryTls: cluster.nginx.entryTls }),
      password: cluster.password,
    });
    const { report } = await runChecks({
      target,
      description: { label: target.label, nodes: [...target.nodes], flaws: [flaw] },
      checks,
      store: inspector,
      faults: clusterFaults(cluster),
    });
    const results = report.checks.map((c: CheckResult) => ({
      id: c.id,
      verdict: c.verdict,
      why: c.why,
    }));
    return {
      flaw,
      checks: results,
      caught: results.every((r) => r.verdict === 'FAIL' || r.verdict === 'NON_STRICT'),
    };
  } finally {
    await inspector?.close();
    await cluster.stop();
    await rm(runDir, { recursive: true, force: true });
  }
}

/** Every flaw against its checks, `parallel` clusters at a time. */
export async function runControls(
  store: StoreKind,
  parallel = 2,
  onResult?: (r: ControlResult) => void,
  /** Runs only the flaws it accepts (a store whose other checks behave as on redis). */
  select: (flaw: Flaw, checks: readonly CheckDefinition[]) => boolean = () => true,
): Promise<ControlResult[]> {
  const replicated = store === 'redis-sentinel' || store === 'redis-cluster';
  const applies = (flaw: Flaw): boolean =>
    (store.startsWith('redis') || !REDIS_ONLY_FLAWS.includes(flaw)) &&
    (replicated || !REPLICATED_ONLY_FLAWS.includes(flaw));
  const plan = [...controlPlan()].filter(([flaw, checks]) => applies(flaw) && select(flaw, checks));
  const results: ControlResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const [flaw, checks] = plan[next++] as [Flaw, CheckDefinition[]];
      const result = await runControl(flaw, checks, store);
      onResult?.(result);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results.sort((a, b) => a.flaw.localeCompare(b.flaw));
}
