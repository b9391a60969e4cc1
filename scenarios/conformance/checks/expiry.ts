/**
 * SL-EX: lifetime. Uses the timeouts the target declares in /contract, so a target under test
 * should run with short ones (the local cluster uses idle 2 s, absolute 8 s). Waits longer than
 * MAX_WAIT_MS are not attempted: UNKNOWN, with the reason.
 */
import { login, sleep } from '../steps.ts';
import { fail, pass, unknown } from '../types.ts';
import type { CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

export const MAX_WAIT_MS = 30_000;
/** Stores count expiry in whole seconds (memcached): allow one more. */
const SLACK_MS = 1_200;

/** Slack past a declared timeout: a tenth of it, at least the store's one-second grain. */
export const slackFor = (declaredMs: number): number =>
  Math.max(SLACK_MS, Math.round(declaredMs / 10));

export const expiryChecks: CheckDefinition[] = [
  {
    id: 'SL-EX-01',
    long: true,
    title: 'an idle session lives until near idleTimeoutMs and is gone on every node soon after it',
    level: 'MUST',
    refs: ['ASVS-5.0-7.3.1', 'ASVS-4.0.3-3.3.2', 'WSTG-SESS-07', 'CWE-613'],
    covers: ['lifetime.idle'],
    provenBy: ['no-idle-timeout', 'short-idle-timeout', 'long-idle-timeout'],
    async run(ctx) {
      const { idleTimeoutMs } = ctx.target.contract;
      const { nodes } = ctx.target;
      // Alive at three quarters of the declared timeout, gone a slack after it.
      const aliveAtMs = Math.round(idleTimeoutMs * 0.75);
      const goneAtMs = idleTimeoutMs + slackFor(idleTimeoutMs);
      if (goneAtMs > MAX_WAIT_MS)
        return unknown(
          `idleTimeoutMs ${idleTimeoutMs} is too long to wait for; run the target with a short one`,
        );
      // Two sessions: probing one restarts its clock, so the other is kept for the late probe.
      const [early, late] = await Promise.all([login(ctx, nodes[0]), login(ctx, nodes[0])]);
      const started = Date.now();
      const probe = async (client: typeof early, atMs: number, expected: number) => {
        await sleep(Math.max(0, atMs - (Date.now() - started)));
        const wrong: string[] = [];
        for (const [i, node] of nodes.entries()) {
          const me = await client.request(node, 'GET', '/me');
          if (me.status !== expected)
            wrong.push(`node ${i + 1}: /me ${me.status} ${Date.now() - started} ms after login`);
        }
        return wrong;
      };
      const dead = await probe(early, aliveAtMs, 200);
      const alive = await probe(late, goneAtMs, 401);
      const evidence = { idleTimeoutMs, aliveAtMs, goneAtMs, deadEarly: dead, aliveLate: alive };
      if (dead.length > 0)
        return fail(
          `the session was gone ${aliveAtMs} ms after its last request, before its declared ${idleTimeoutMs} ms idle timeout — ${dead[0]}`,
          evidence,
        );
      return alive.length === 0
        ? pass(
            `alive on all nodes after ${aliveAtMs} ms idle, gone on all after ${goneAtMs} ms (declared ${idleTimeoutMs} ms)`,
            evidence,
          )
        : fail(
            `the session was still alive ${goneAtMs} ms after its last request (declared ${idleTimeoutMs} ms) — ${alive[0]}`,
            evidence,
          );
    },
  },
  {
    id: 'SL-EX-02',
    long: true,
    title: 'activity on one node keeps the session alive on all nodes',
    level: 'MUST',
    refs: ['ASVS-5.0-7.3.1'],
    covers: ['lifetime.touch'],
    provenBy: ['no-touch'],
    async run(ctx) {
      const { idleTimeoutMs } = ctx.target.contract;
      const { nodes } = ctx.target;
      const span = 2 * idleTimeoutMs;
      if (span > MAX_WAIT_MS)
        return unknown(
          `idleTimeoutMs ${idleTimeoutMs} is too long to wait for; run the target with a short one`,
        );
      const client = await login(ctx, nodes[0]);
      const started = Date.now();
      // A request every quarter of the idle timeout, rotating over the nodes.
      for (let i = 0; Date.now() - started < span; i++) {
        const me = await client.request(nodeAt(nodes, i), 'GET', '/me');
        if (me.status !== 200) {
          return fail(
            `the session ended at ${Date.now() - started} ms although a request came every ${idleTimeoutMs / 4} ms`,
            {
              node: i % nodes.length,
              status: me.status,
            },
          );
        }
        await sleep(idleTimeoutMs / 4);
      }
      return pass(
        `kept alive for ${span} ms (twice the idle timeout) by requests spread over ${nodes.length} nodes`,
      );
    },
  },
  {
    id: 'SL-EX-03',
    long: true,
    title: 'the session ends absoluteTimeoutMs after login despite activity',
    level: 'MUST',
    refs: ['ASVS-4.0.3-3.3.2', 'ASVS-5.0-7.3.2', 'CWE-613'],
    covers: ['lifetime.absolute'],
    provenBy: ['no-absolute-timeout'],
    async run(ctx) {
      const { absoluteTimeoutMs, idleTimeoutMs } = ctx.target.contract;
      const { nodes } = ctx.target;
      if (absoluteTimeoutMs === 0)
        return fail(
          'the target declares no absolute timeout (absoluteTimeoutMs: 0): an active session lives forever',
        );
      const slackMs = slackFor(absoluteTimeoutMs);
      if (absoluteTimeoutMs + slackMs > MAX_WAIT_MS)
        return unknown(
          `absoluteTimeoutMs ${absoluteTimeoutMs} is too long to wait for; run the target with a short one`,
        );
      const client = await login(ctx, nodes[0]);
      const started = Date.now();
      const step = Math.max(100, Math.min(idleTimeoutMs / 4, 1000));
      for (let i = 0; Date.now() - started < absoluteTimeoutMs + slackMs; i++) {
        const me = await client.request(nodeAt(nodes, i), 'GET', '/me');
        if (me.status === 401) {
          const at = Date.now() - started;
          return at >= absoluteTimeoutMs - slackMs
            ? pass(
                `an active session ended ${at} ms after login (declared ${absoluteTimeoutMs} ms)`,
              )
            : fail(
                `the active session ended after ${at} ms, well before its declared ${absoluteTimeoutMs} ms`,
              );
        }
        await sleep(step);
      }
      return fail(
        `a session kept active was still alive ${absoluteTimeoutMs + slackMs} ms after login (declared ${absoluteTimeoutMs} ms)`,
      );
    },
  },
];
