/**
 * CPU time a measured process spends, read from /proc/<pid>/stat (user + system, every thread):
 * the figure that holds on a noisy machine, where req/s does not. Linux only; elsewhere (or for
 * a process that is gone) the reading is undefined and the bench reports no CPU figure.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

let ticksPerSecond: Promise<number> | undefined;

/** `getconf CLK_TCK` (100 on Linux), once. */
function clockTicks(): Promise<number> {
  ticksPerSecond ??= promisify(execFile)('getconf', ['CLK_TCK'], { timeout: 5_000 }).then(
    ({ stdout }) => Number(stdout.trim()) || 100,
    () => 100,
  );
  return ticksPerSecond;
}

/** utime + stime of `/proc/<pid>/stat` text, in clock ticks (fields 14 and 15). */
export function parseStatTicks(stat: string): number | undefined {
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** CPU microseconds `pids` have used so far in total; undefined when any cannot be read. */
export async function cpuMicros(pids: readonly number[]): Promise<number | undefined> {
  const ticks = await clockTicks();
  let total = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    const used = stat === undefined ? undefined : parseStatTicks(stat);
    if (used === undefined) return undefined;
    total += used;
  }
  return (total * 1_000_000) / ticks;
}
