/**
 * Where a measured node's CPU went: a V8 `.cpuprofile` (written by `node --cpu-prof`) folded
 * into self time per function, heaviest first, idle time left out. Pure apart from reading
 * the file.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface FrameTime {
  /** `functionName (file:line)`, `(program)`, `(garbage collector)`. */
  frame: string;
  /** Self time in ms. */
  selfMs: number;
  /** Share of all sampled time, 0–1. */
  share: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
  return `${name} (${file}:${lineNumber + 1})`;
}

/** Self time per frame label, summed over every node with that label; heaviest `top` first. */
export function summarizeCpuProfile(profile: CpuProfile, top = 15): FrameTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (const [i, id] of samples.entries()) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = label(node);
    // Waiting is not CPU: the shares are of the time the node was busy.
    if (key === '(idle)') continue;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((sum, us) => sum + us, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({
      frame,
      selfMs: Math.round(us / 100) / 10,
      share: total > 0 ? Math.round((us / total) * 1000) / 1000 : 0,
    }));
}

export function renderFrameTimes(frames: readonly FrameTime[]): string {
  return frames
    .map(
      (f) =>
        `${(f.share * 100).toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(1).padStart(9)} ms  ${f.frame}`,
    )
    .join('\n');
}

export async function readCpuProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}

/**
 * The main thread's profile in a `--cpu-prof-dir` folder: node names them
 * `CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile`, and the main thread is tid 0.
 */
export async function mainThreadProfile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => []);
  const main = names.find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  return main === undefined ? undefined : join(dir, main);
}
