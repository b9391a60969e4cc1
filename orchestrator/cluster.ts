/**
 * A local cluster: the store processes, N reference-server nodes and nginx in front, all child
 * processes on free loopback ports; fault operations on any of them; a clean stop that leaves
 * only the logs in the run directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SESSION_OPTIONS } from '../session/options.ts';
import type { RingKey } from '../session/options.ts';
import type { BalanceMode } from '../nginx/render.ts';
import type { StoreKind } from '../stores/from-url.ts';
import { startNginx } from './nginx.ts';
import type { NginxServer } from './nginx.ts';
import { startAppNode } from './nodes.ts';
import type { AppNode, AppNodeSpec } from './nodes.ts';
import { freePorts } from './ports.ts';
import { externalStores, startStores } from './store-services.ts';
import { redactUrl } from '../core/redact.ts';
import type { StoreServices } from './store-services.ts';
import type { FailoverReport } from './failover.ts';
import type { Flaw } from '../reference-servers/flaws.ts';
import { contractPathOf } from '../reference-servers/config.ts';
import type { Impl } from '../reference-servers/config.ts';
import type { CookieFormat } from '../session/options.ts';

/** nginx connects to the nodes from this address, and only it is trusted for X-Forwarded-Proto. */
export const PROXY_ADDRESS = '127.0.0.2';

export interface ClusterOptions {
  /** Where logs (kept) and temporary files (removed at stop) go. */
  runDir: string;
  /** @default 'engine' */
  impl?: Impl;
  /** @default 'redis' */
  store?: StoreKind;
  /** Use this running store (credentials and TLS allowed) instead of starting `store`. */
  storeUrl?: string;
  /** @default 3 */
  nodes?: number;
  /** @default 'round-robin' */
  lb?: BalanceMode;
  /** Also an HTTPS entry with a self-signed certificate. @default false */
  tls?: boolean;
  /** @default [] */
  flaws?: readonly Flaw[];
  /** @default 300_000 (5 min) */
  idleTimeoutMs?: number;
  /** @default 3_600_000 (1 h) */
  absoluteTimeoutMs?: number;
  /** @default DEFAULT_SESSION_OPTIONS.maxSessionBytes */
  maxSessionBytes?: number;
  /** @default DEFAULT_SESSION_OPTIONS.storeTimeoutMs */
  storeTimeoutMs?: number;
  /**
   * Redis replicas that must hold each login, rotation and logout (WAIT) on the engine nodes.
   * @default 1 on a store that can fail over (redis-sentinel, redis-cluster), else 0
   */
  replicaAcks?: number;
  /** Encryption at rest on the engine nodes. @default false */
  encrypt?: boolean;
  /** How the engine nodes carry the id in their cookie. @default 'signed' */
  cookieFormat?: CookieFormat;
  /** @default a random one */
  password?: string;
  /** @default 'warn' */
  logLevel?: string;
  /** nginx routes `/_lab/` to a lab server on this loopback port (`sessionlab up`). @default none */
  labPort?: number;
}

export const DEFAULT_CLUSTER_OPTIONS = {
  impl: 'engine',
  store: 'redis',
  nodes: 3,
  lb: 'round-robin',
  tls: false,
  idleTimeoutMs: 300_000,
  absoluteTimeoutMs: 3_600_000,
  maxSessionBytes: DEFAULT_SESSION_OPTIONS.maxSessionBytes,
  storeTimeoutMs: DEFAULT_SESSION_OPTIONS.storeTimeoutMs,
  cookieFormat: 'signed',
  logLevel: 'warn',
} as const;

/** The JSON `sessionlab up --state FILE` writes. */
export interface ClusterState {
  entry: string;
  entryTls?: string;
  nodes: string[];
  stores: string[];
  storeUrl: string;
  password: string;
  pids: {
    up: number;
    nginx: number | undefined;
    nodes: (number | undefined)[];
    stores: (number | undefined)[];
  };
  impl: Impl;
  store: string;
  lb: string;
  flaws: Flaw[];
  runDir: string;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  maxSessionBytes: number;
  control?: { url: string; token: string };
}

/** Another balancer in front of the nodes (the mutation proxies' nginx): drain node `index`, or
 * none when undefined. */
export type DrainHook = (index: number | undefined) => Promise<void>;

export type FaultOp = 'kill' | 'pause' | 'resume' | 'restart' | 'start';
export const FAULT_OPS: readonly FaultOp[] = ['kill', 'pause', 'resume', 'restart', 'start'];

const newKey = (id: string): RingKey => ({ id, secret: randomBytes(32).toString('base64url') });

export class LocalCluster {
  readonly options: ClusterOptions;
  readonly stores: StoreServices;
  readonly nodes: AppNode[];
  readonly nginx: NginxServer;
  readonly password: string;
  #signingKeys: RingKey[];
  #flaws: Flaw[];

  constructor(init: {
    options: ClusterOptions;
    stores: StoreServices;
    nodes: AppNode[];
    nginx: NginxServer;
    password: string;
    keys: RingKey[];
  }) {
    this.options = init.options;
    this.stores = init.stores;
    this.nodes = init.nodes;
    this.nginx = init.nginx;
    this.password = init.password;
    this.#signingKeys = init.keys;
    this.#flaws = [...(init.options.flaws ?? [])];
  }

  /** The load balancer's URLs of the contract: the entry, plus an adapter's prefix. */
  get contractEntry(): { entry: string; entryTls?: string } {
    const path = contractPathOf(this.options.impl ?? DEFAULT_CLUSTER_OPTIONS.impl);
    const { entry, entryTls } = this.nginx;
    return {
      entry: `${entry}${path}`,
      ...(entryTls === undefined ? {} : { entryTls: `${entryTls}${path}` }),
    };
  }

  get signingKeys(): readonly RingKey[] {
    return this.#signingKeys;
  }

  state(control?: { url: string; token: string }): ClusterState {
    const o = { ...DEFAULT_CLUSTER_OPTIONS, ...this.options };
    return {
      entry: this.nginx.entry,
      ...(this.nginx.entryTls === undefined ? {} : { entryTls: this.nginx.entryTls }),
      nodes: this.nodes.map((n) => n.url),
      stores: this.stores.endpoints,
      storeUrl: redactUrl(this.stores.url),
      password: this.password,
      pids: {
        up: process.pid,
        nginx: this.nginx.process.pid,
        nodes: this.nodes.map((n) => n.process.pid),
        stores: this.stores.processes.map((p) => p.pid),
      },
      impl: o.impl,
      store: this.stores.kind,
      lb: o.lb,
      flaws: [...this.#flaws],
      runDir: o.runDir,
      idleTimeoutMs: o.idleTimeoutMs,
      absoluteTimeoutMs: o.absoluteTimeoutMs,
      maxSessionBytes: o.maxSessionBytes,
      ...(control === undefined ? {} : { control }),
    };
  }

  /** kill | pause | resume | restart | start a node or a store process, by 0-based index. */
  async fault(op: FaultOp, target: 'node' | 'store', index: number): Promise<void> {
    const processes = target === 'node' ? this.nodes.map((n) => n.process) : this.stores.processes;
    if (target === 'store' && processes.length === 0)
      throw new RangeError(
        'the store was given by --store-url: sessionlab did not start it, so it cannot kill, pause or restart it (node faults work)',
      );
    const managed = processes[index];
    if (managed === undefined)
      throw new RangeError(`no ${target} ${index}: there are ${processes.length} (0-based)`);
    if (op === 'kill') await managed.kill();
    else if (op === 'pause') managed.pause();
    else if (op === 'resume') managed.resume();
    else if (op === 'restart') await managed.restart();
    else await managed.start();
  }

  /**
   * The store's primaries die and replicas take over; resolves once the new topology serves.
   * After `isolateReplicas()`, every write since then is lost with them.
   */
  async failover(): Promise<FailoverReport> {
    return this.#failoverControl().failover();
  }

  /** Cuts the store's replicas off until the next `failover()`: writes reach primaries only. */
  async isolateReplicas(): Promise<void> {
    await this.#failoverControl().isolateReplicas();
  }

  #failoverControl(): NonNullable<StoreServices['failover']> {
    const control = this.stores.failover;
    if (control === undefined)
      throw new RangeError(
        `store ${this.stores.kind} has no replicas to fail over to: use redis-sentinel or redis-cluster`,
      );
    return control;
  }

  /**
   * Rotates the signing key with two rolling restarts, each node drained in nginx while it
   * restarts, so nobody is logged out and no request fails: first every
   * node learns the new key (verify only), then every node signs with it. In one pass, a
   * cookie signed by an already restarted node would be rejected by the ones not yet restarted.
   */
  async rollingRestart(alsoDrain?: DrainHook): Promise<RingKey> {
    const primary = newKey(`k${this.#signingKeys.length + 1}`);
    const old = this.#signingKeys;
    for (const ring of [
      [...old, primary],
      [primary, ...old],
    ])
      await this.#restartEachDrained((node) => node.setSigningKeys(ring), alsoDrain);
    this.#signingKeys = [primary, ...old];
    return primary;
  }

  /** The flaws the nodes run with now (the lab page switches them). */
  get flaws(): readonly Flaw[] {
    return this.#flaws;
  }

  /** Restarts every node, drained in nginx one at a time, with these flaw switches. */
  async setFlaws(flaws: readonly Flaw[]): Promise<void> {
    await this.#restartEachDrained((node) => node.setFlaws(flaws));
    this.#flaws = [...flaws];
  }

  /** Restarts the nodes one at a time, each drained in nginx first: nginx finishes what the
   * node has and sends it nothing new, so no request fails. */
  async #restartEachDrained(
    reconfigure: (node: AppNode) => void,
    alsoDrain?: DrainHook,
  ): Promise<void> {
    const upstreams = (drained?: AppNode) =>
      this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port, down: n === drained }));
    for (const [index, node] of this.nodes.entries()) {
      await this.nginx.reload(upstreams(node));
      await alsoDrain?.(index);
      reconfigure(node);
      await node.process.restart();
      await this.nginx.reload(upstreams());
      await alsoDrain?.(undefined);
    }
  }

  /** Stops everything started, then removes all but the logs from the run directory. */
  async stop(): Promise<void> {
    await this.nginx.stop();
    await Promise.all(this.nodes.map((n) => n.process.stop()));
    await this.stores.stop();
    await removeAllButLogs(this.options.runDir);
  }
}

export async function startCluster(options: ClusterOptions): Promise<LocalCluster> {
  const o = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 16)
    throw new RangeError(`invalid nodes ${o.nodes}: expected 1 to 16`);
  await mkdir(o.runDir, { recursive: true });
  const password = o.password ?? randomBytes(12).toString('base64url');
  const keys = [newKey('k1')];
  // One per cluster, like the keys: the user index is found by the same HMAC on every node.
  const userIndexSecret = randomBytes(32).toString('base64url');
  // `volatile-store` is the negative control of SL-FT-02's restart: redis without persistence.
  const persistence = o.flaws?.includes('volatile-store') ? 'none' : 'aof';
  const stores = o.storeUrl
    ? externalStores(o.storeUrl)
    : await startStores(o.store, o.runDir, persistence);
  const started: AppNode[] = [];
  try {
    const ports = await freePorts(o.nodes);
    const spec = (i: number): AppNodeSpec => ({
      impl: o.impl,
      nodeId: `n${i + 1}`,
      port: ports[i] as number,
      storeUrl: stores.url,
      password,
      signingKeys: keys,
      encryptionKeys: o.encrypt ? [newKey('e1')] : [],
      userIndexSecret,
      idleTimeoutMs: o.idleTimeoutMs,
      absoluteTimeoutMs: o.absoluteTimeoutMs,
      maxSessionBytes: o.maxSessionBytes,
      storeTimeoutMs: o.storeTimeoutMs,
      // WAIT is the engine's: express-session's store has no such option.
      replicaAcks: o.impl === 'engine' ? (o.replicaAcks ?? (stores.failover ? 1 : 0)) : 0,
      trustedProxies: [PROXY_ADDRESS],
      flaws: o.flaws ?? [],
      cookieFormat: o.cookieFormat,
      logLevel: o.logLevel,
    });
    // Encryption keys must be the same on every node: make them once.
    const shared = spec(0).encryptionKeys;
    for (let i = 0; i < o.nodes; i++)
      started.push(await startAppNode(o.runDir, { ...spec(i), encryptionKeys: shared }));
    const nginx = await startNginx({
      dir: o.runDir,
      upstreams: started.map((n) => ({ host: '127.0.0.1', port: n.port })),
      balance: o.lb,
      tls: o.tls,
      proxyBind: PROXY_ADDRESS,
      ...(o.labPort === undefined ? {} : { labPort: o.labPort }),
    });
    return new LocalCluster({ options: o, stores, nodes: started, nginx, password, keys });
  } catch (error) {
    await Promise.all(started.map((n) => n.process.stop()));
    await stores.stop();
    throw error;
  }
}

async function removeAllButLogs(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await removeAllButLogs(path);
      await rmdir(path).catch(() => undefined);
    } else if (!entry.name.endsWith('.log')) await rm(path, { force: true });
  }
}
