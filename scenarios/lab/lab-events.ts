/**
 * The lab page's live picture of the cluster: which nodes answer, whether the store runs or is
 * paused, the flaws switched on, the operation under way and the last things done — pushed to
 * every open page as server-sent events.
 */
import type { ServerResponse } from 'node:http';
import type { LocalCluster } from '../../orchestrator/cluster.ts';

export interface ClusterPicture {
  impl: string;
  store: string;
  lb: string;
  flaws: string[];
  /** The operation under way (a key rotation takes seconds), or null. */
  busy: string | null;
  nodes: { id: string; running: boolean; healthy: boolean }[];
  stores: { index: number; running: boolean; paused: boolean }[];
  log: string[];
}

/** A node is healthy when it answers GET /contract within this. */
const HEALTH_TIMEOUT_MS = 500;
const LOG_LINES = 30;
/** How soon a page reconnects its event stream after it ended. */
const RECONNECT_MS = 300;

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/contract`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export class LabEvents {
  readonly #cluster: LocalCluster;
  readonly #pollIntervalMs: number;
  readonly #clients = new Set<ServerResponse>();
  readonly #log: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  busy: string | null = null;

  constructor(cluster: LocalCluster, pollIntervalMs: number) {
    this.#cluster = cluster;
    this.#pollIntervalMs = pollIntervalMs;
  }

  async picture(): Promise<ClusterPicture> {
    const cluster = this.#cluster;
    const o = cluster.state();
    return {
      impl: o.impl,
      store: o.store,
      lb: o.lb,
      flaws: [...cluster.flaws],
      busy: this.busy,
      nodes: await Promise.all(
        cluster.nodes.map(async (node) => ({
          id: node.id,
          running: node.process.running,
          healthy: node.process.running && (await answers(node.url)),
        })),
      ),
      stores: cluster.stores.processes.map((p, index) => ({
        index,
        running: p.running,
        paused: p.paused,
      })),
      log: [...this.#log],
    };
  }

  /** Records a line for every page and pushes a fresh picture. */
  note(line: string): void {
    this.#log.unshift(`${new Date().toISOString().slice(11, 19)} ${line}`);
    this.#log.length = Math.min(this.#log.length, LOG_LINES);
    void this.push();
  }

  /** Streams to `res` until the page goes away. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    this.#clients.add(res);
    res.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopTimer();
    });
    this.#timer ??= setInterval(() => void this.push(), this.#pollIntervalMs);
    void this.push();
  }

  async push(): Promise<void> {
    if (this.#clients.size === 0) return;
    const frame = `event: state\ndata: ${JSON.stringify(await this.picture())}\n\n`;
    // While nodes restart nginx reloads, and its old workers cut streams still open 5 s later:
    // so then each stream ends after one frame, cleanly, and the page reconnects to a new worker.
    const endEach = this.busy !== null;
    for (const res of this.#clients) {
      res.write(frame);
      if (endEach) res.end();
    }
    if (endEach) this.#clients.clear();
  }

  close(): void {
    this.#stopTimer();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
