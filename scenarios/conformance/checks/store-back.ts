/**
 * SL-FT-02: when the store comes back, sessions it still holds work again without a new login.
 * Two outages in turn: the store paused (or killed, when it cannot be paused), then killed and
 * started again: a restarted store still holds the sessions only if it persists them, which a
 * target claims with capability `durable-store` (redis with an append-only file). Without the
 * claim a clean 401 after the restart passes: memcached loses every item on restart by design.
 */
import type { SessionClient } from '../client.ts';
import { isClearing, sleep } from '../steps.ts';
import { loginWhenBack, withStoreOutage } from '../outage.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckContext, CheckDefinition, Outcome } from '../types.ts';

type Phase = { verdict: 'back'; afterMs: number } | { verdict: 'gone' | 'cleared' | 'silent' };

/** One outage, then `/me` polled (bounded: 50 × 200 ms) until the session answers or is gone. */
async function outage(ctx: CheckContext, client: SessionClient, mode: 'pause' | 'kill') {
  const url = ctx.target.nodes[0];
  await client.request(url, 'GET', '/me');
  const lastSeen = Date.now();
  const during = await withStoreOutage(
    ctx,
    () => client.request(url, 'GET', '/me', { timeoutMs: 5000 }).catch(() => undefined),
    mode,
  );
  const evidence = { outage: mode, duringOutage: during?.status, idleMs: 0 };
  // The store is back; clients reconnect on their own schedule: poll, bounded.
  let phase: Phase = { verdict: 'silent' };
  if (during?.setCookie.some(isClearing) ?? false) phase = { verdict: 'cleared' };
  for (let i = 0; i < 50 && phase.verdict === 'silent'; i++) {
    const me = await client.request(url, 'GET', '/me');
    evidence.idleMs = Date.now() - lastSeen;
    if (me.status === 200) phase = { verdict: 'back', afterMs: i * 200 };
    else if (me.status === 401) phase = { verdict: 'gone' };
    else await sleep(200);
  }
  return { phase, evidence };
}

export const storeBackCheck: CheckDefinition = {
  id: 'SL-FT-02',
  title: 'store back: sessions resume without a new login',
  level: 'MUST',
  refs: ['ASVS-5.0-16.5.3'],
  covers: ['store.resume'],
  needs: ['kill-store'],
  exclusive: true,
  provenBy: ['logout-on-store-error', 'volatile-store'],
  async run(ctx) {
    const client = await loginWhenBack(ctx);
    const first = await outage(ctx, client, ctx.faults.pauseStore === undefined ? 'kill' : 'pause');
    const verdict = judge(ctx, first.phase, first.evidence);
    const { pauseStore, killStore, startStore } = ctx.faults;
    const canRestart = [pauseStore, killStore, startStore].every((f) => f !== undefined);
    if (verdict.verdict !== 'PASS' || !canRestart) return verdict;
    const restart = await outage(ctx, client, 'kill');
    const evidence = { paused: first.evidence, restarted: restart.evidence };
    const durable = ctx.target.contract.capabilities.includes('durable-store');
    // CONTRACT.md: "sessions it still holds work again": a restarted memory-only store holds
    // none, so a clean 401 (no 500, no endless 503) is what such a target must give.
    if (restart.phase.verdict === 'gone' && !durable) {
      return pass(
        'the session survived a paused store; a restarted store lost it with a clean 401, as a ' +
          'target without durable-store may (memcached loses every session on restart by design)',
        evidence,
      );
    }
    const after = judge(ctx, restart.phase, restart.evidence);
    if (after.verdict !== 'PASS') {
      return { ...after, why: `after a store restart: ${after.why}`, evidence };
    }
    return pass(`the session survived the store paused and the store restarted`, evidence);
  },
};

function judge(
  ctx: CheckContext,
  phase: Phase,
  evidence: { outage: string; idleMs: number },
): Outcome {
  const { idleTimeoutMs } = ctx.target.contract;
  switch (phase.verdict) {
    case 'back':
      return pass(
        `the session answered again ${phase.afterMs} ms after the store came back`,
        evidence,
      );
    case 'cleared':
      return fail(
        'the outage cleared the session cookie: the user was logged out by a store failure',
        evidence,
      );
    case 'silent':
      return fail('the session did not answer within 10 s of the store coming back', evidence);
    case 'gone':
      // A session unseen for its whole idle timeout may rightly be gone: no verdict then.
      return evidence.idleMs < idleTimeoutMs
        ? fail(
            `the session was gone (401) ${evidence.idleMs} ms after its last request, within its idle timeout`,
            evidence,
          )
        : unknown(
            `the outage and reconnection took ${evidence.idleMs} ms, past the ${idleTimeoutMs} ms idle timeout: run with a longer one`,
            evidence,
          );
  }
}
