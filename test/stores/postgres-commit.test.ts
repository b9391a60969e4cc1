import t from 'tap';
import { StoreUnavailableError } from '../../core/errors.ts';
import { CommitBatcher } from '../../stores/postgres-commit.ts';
import type { CommitRow } from '../../stores/postgres-commit.ts';

const options = { ttlMs: 1000, maxBytes: 0 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('a commit that joins a batch keeps its own deadline, not the earliest one', async (t) => {
  const timeouts: number[] = [];
  let calls = 0;
  const batcher = new CommitBatcher(async (_id, requests, timeoutMs) => {
    calls++;
    timeouts.push(timeoutMs);
    const count = (JSON.parse(requests) as unknown[]).length;
    // The second statement outlives the first commit's deadline, not the later ones'.
    await sleep(calls === 1 ? 10 : 150);
    return Array.from({ length: count }, (_, i): CommitRow => ({
      n: i + 1,
      status: 'ok',
      detail: null,
      counters: [],
    }));
  });
  const first = batcher.commit('s', [], options, 5000);
  // Queued behind `first`: one with 100 ms to live, one with 5 s; both go in the next statement.
  const short = batcher.commit('s', [], options, 100);
  const long = batcher.commit('s', [], options, 5000);
  t.same(await first, { status: 'ok', counters: [] });
  await t.rejects(short, StoreUnavailableError, 'the short one fails at its own deadline');
  t.same(await long, { status: 'ok', counters: [] }, 'the long one is not failed with it');
  t.equal(calls, 2);
  t.ok((timeouts[1] ?? 0) > 1000, `the statement ran to the latest deadline (${timeouts[1]} ms)`);
});
