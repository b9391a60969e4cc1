/**
 * Operation histories of the consistency checks, and the checkers that read them. Every value
 * written is unique, so a read tells exactly which write it saw; a FAIL carries a minimal
 * witness in plain words. Times are milliseconds since the run started.
 */
import { writeFile } from 'node:fs/promises';

export interface HistoryOp {
  check: string;
  op: 'write' | 'read' | 'logout';
  /** Which simulated session (a label, never the id). */
  session: string;
  node: string | undefined;
  key?: string;
  /** Value written, or value read (undefined: absent). */
  value?: unknown;
  invokeMs: number;
  completeMs: number;
  status: number;
}

export class History {
  readonly #started = performance.now();
  readonly #ops: HistoryOp[] = [];

  now(): number {
    return Math.round((performance.now() - this.#started) * 10) / 10;
  }

  record(op: HistoryOp): HistoryOp {
    this.#ops.push(op);
    return op;
  }

  ops(check?: string): HistoryOp[] {
    return check === undefined ? [...this.#ops] : this.#ops.filter((o) => o.check === check);
  }

  async save(file: string): Promise<void> {
    await writeFile(
      file,
      this.#ops.map((o) => JSON.stringify(o)).join('\n') + (this.#ops.length ? '\n' : ''),
    );
  }
}

const describe = (o: HistoryOp): string =>
  `${o.op} ${o.key ?? ''}${o.op === 'write' ? `=${JSON.stringify(o.value)}` : ''} on node ${o.node ?? '?'} at t+${Math.round(o.invokeMs)} ms`;

/**
 * Stale reads of a register per (session, key): a read that returns the value of write A
 * although a write B was invoked after A completed and completed before the read began, or a
 * value no write had been invoked for, or nothing after a write had completed.
 */
export function findStaleReads(ops: readonly HistoryOp[]): string[] {
  const witnesses: string[] = [];
  const writes = ops.filter((o) => o.op === 'write' && o.status < 300);
  for (const read of ops.filter((o) => o.op === 'read' && o.status < 500)) {
    const same = writes.filter((w) => w.session === read.session && w.key === read.key);
    const before = same.filter((w) => w.completeMs < read.invokeMs);
    if (read.value === undefined) {
      const done = before[0];
      if (done)
        witnesses.push(
          `${describe(read)} found nothing, although ${describe(done)} had completed at t+${Math.round(done.completeMs)} ms`,
        );
      continue;
    }
    const source = same.find((w) => JSON.stringify(w.value) === JSON.stringify(read.value));
    if (source === undefined || source.invokeMs > read.completeMs) {
      witnesses.push(
        `${describe(read)} returned ${JSON.stringify(read.value)}, which no write had put there`,
      );
      continue;
    }
    const newer = before.find((w) => w.invokeMs > source.completeMs);
    if (newer) {
      witnesses.push(
        `${describe(read)} returned ${JSON.stringify(read.value)} from ${describe(source)}, but ${describe(newer)} had completed at t+${Math.round(newer.completeMs)} ms`,
      );
    }
  }
  return witnesses;
}

/** Acknowledged writes of distinct keys missing from a later read of the whole session. */
export function findLostWrites(
  ops: readonly HistoryOp[],
  finalRead: HistoryOp,
  data: Record<string, unknown>,
): string[] {
  return ops
    .filter((o) => o.op === 'write' && o.status < 300 && o.key !== undefined)
    .filter((o) => JSON.stringify(data[o.key as string]) !== JSON.stringify(o.value))
    .map(
      (o) =>
        `write ${o.key}=${JSON.stringify(o.value)} acknowledged by node ${o.node ?? '?'} at t+${Math.round(o.completeMs)} ms is missing from the read on node ${finalRead.node ?? '?'} at t+${Math.round(finalRead.invokeMs)} ms`,
    );
}

/** Reads that still saw a session after its logout had completed. */
export function findResurrections(ops: readonly HistoryOp[]): string[] {
  const witnesses: string[] = [];
  for (const logout of ops.filter((o) => o.op === 'logout' && o.status < 300)) {
    for (const read of ops) {
      if (
        read.op !== 'read' ||
        read.session !== logout.session ||
        read.invokeMs <= logout.completeMs
      )
        continue;
      if (read.status === 200 && read.value !== undefined) {
        witnesses.push(
          `${describe(read)} saw ${JSON.stringify(read.value)} after the logout on node ${logout.node ?? '?'} completed at t+${Math.round(logout.completeMs)} ms`,
        );
      }
    }
  }
  return witnesses;
}
