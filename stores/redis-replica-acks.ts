/**
 * Replica acknowledgement of the redis store's lifecycle writes. Redis replicates
 * asynchronously: a write the primary acknowledged is lost when a replica that had not received
 * it is promoted. `WAIT replicas timeoutMs` right after the write, in the same pipeline, so on
 * the same connection to the node that owns the key (a Cluster pipeline goes to its key's
 * node), returns how many replicas hold it; fewer than asked fails the call closed.
 */
import type { ChainableCommander } from 'ioredis';
import { InvalidOptionError, StoreUnavailableError } from '../core/errors.ts';

export interface ReplicaAcks {
  /** Replicas that must hold the write. */
  replicas: number;
  /** How long WAIT waits for them, in milliseconds. */
  timeoutMs: number;
}

/** The checked policy, or `undefined` for none (0 replicas). */
export function replicaAcksPolicy(
  replicas: number,
  timeoutMs: number,
  commandTimeoutMs: number,
): ReplicaAcks | undefined {
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 16)
    throw new InvalidOptionError(
      `invalid replicaAcks ${replicas}: expected an integer from 0 to 16`,
    );
  if (replicas === 0) return undefined;
  // WAIT must answer before the command deadline, or every slow ack reads as a dead store.
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs >= commandTimeoutMs)
    throw new InvalidOptionError(
      `invalid replicaAckTimeoutMs ${timeoutMs}: expected a positive integer below timeoutMs (${commandTimeoutMs})`,
    );
  return { replicas, timeoutMs };
}

/**
 * Runs `pipeline` (one write) followed by WAIT; resolves with the write's reply once enough
 * replicas hold it, else rejects with StoreUnavailableError (the write stays on the primary).
 */
export async function execAcked<T>(pipeline: ChainableCommander, acks: ReplicaAcks): Promise<T> {
  const replies = await pipeline.wait(acks.replicas, acks.timeoutMs).exec();
  if (replies === null) throw new StoreUnavailableError('redis discarded the write pipeline');
  for (const [error] of replies) if (error) throw error;
  const acked = Number(replies.at(-1)?.[1]);
  if (acked < acks.replicas)
    throw new StoreUnavailableError(
      `${acked} of ${acks.replicas} replicas acknowledged a session write within ${acks.timeoutMs} ms — are the replicas up and in sync?`,
    );
  return replies[0]?.[1] as T;
}
