/**
 * SL-XN: the nodes share one session state — reads see writes at once on every node, and
 * concurrent writes and increments from different nodes all persist.
 */
import { SessionClient } from '../client.ts';
import { findLostWrites, findStaleReads } from '../history.ts';
import { login, pooled, recorded } from '../steps.ts';
import { fail, pass } from '../types.ts';
import type { CheckDefinition } from '../types.ts';
import { nodeAt } from '../types.ts';

const unique = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export const crossNodeChecks: CheckDefinition[] = [
  {
    id: 'SL-XN-01',
    title: 'a value written on one node is read at once on every other node',
    level: 'MUST',
    refs: [],
    covers: ['target.shared', 'data.get'],
    needs: ['two-nodes'],
    provenBy: ['memory-store'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const client = await login(ctx, nodes[0]);
      const witnesses: string[] = [];
      for (const [i, writer] of nodes.entries()) {
        const value = unique();
        // Every other node reads first: one that keeps what it read (a per-node cache) then
        // shows the old value after this write, instead of a first read that happens to be fresh.
        for (const [j, reader] of nodes.entries())
          if (j !== i) await client.request(reader, 'GET', '/session/data/xn01');
        const put = await client.request(writer, 'PUT', '/session/data/xn01', { body: { value } });
        if (put.status !== 204) witnesses.push(`write on node ${i + 1} answered ${put.status}`);
        for (const [j, reader] of nodes.entries()) {
          if (j === i) continue;
          const got = await client.request(reader, 'GET', '/session/data/xn01');
          const seen = (got.body as { value?: unknown } | undefined)?.value;
          if (got.status !== 200 || seen !== value) {
            witnesses.push(
              `node ${j + 1} read ${got.status} ${JSON.stringify(seen)} right after node ${i + 1} wrote ${JSON.stringify(value)}`,
            );
          }
        }
      }
      return witnesses.length === 0
        ? pass(`every one of ${nodes.length} nodes read each value written on another node`)
        : fail(witnesses[0] as string, { witnesses: witnesses.slice(0, 5) });
    },
  },
  {
    id: 'SL-XN-02',
    title: '200 mixed reads/writes through the entry show no stale read (history-checked)',
    level: 'MUST',
    refs: [],
    covers: ['target.shared', 'data.get'],
    provenBy: ['memory-store'],
    async run(ctx) {
      const { target } = ctx;
      // Without a load balancer the harness spreads requests over the nodes itself.
      const urls = target.hasEntry ? [target.entry] : target.nodes;
      const client = await login(ctx, urls[0] as string);
      const session = `xn02-${unique()}`;
      const keys = ['a', 'b', 'c', 'd'];
      let n = 0;
      const worker = async (w: number): Promise<void> => {
        for (let i = 0; i < 50; i++) {
          const url = urls[(w + i) % urls.length] as string;
          const key = keys[(w + i) % keys.length] as string;
          const entry = { check: 'SL-XN-02', session, key };
          if (i % 3 === 0) {
            const value = `${w}-${i}-${n++}`;
            await recorded(
              ctx,
              { ...entry, op: 'write', value },
              client,
              url,
              'PUT',
              `/session/data/${key}`,
              { body: { value } },
            );
          } else
            await recorded(
              ctx,
              { ...entry, op: 'read' },
              client,
              url,
              'GET',
              `/session/data/${key}`,
            );
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      const ops = ctx.history.ops('SL-XN-02').filter((o) => o.session === session);
      const failed = ops.filter((o) => o.status >= 300 && o.status !== 404);
      const stale = findStaleReads(ops);
      const evidence = {
        operations: ops.length,
        failedRequests: failed.length,
        staleReads: stale.length,
        witnesses: stale.slice(0, 5),
      };
      if (stale.length > 0) return fail(stale[0] as string, evidence);
      if (failed.length > 0)
        return fail(
          `${failed.length} of ${ops.length} requests failed, e.g. status ${failed[0]?.status}`,
          evidence,
        );
      return pass(`${ops.length} operations from 4 concurrent workers: no stale read`, evidence);
    },
  },
  {
    id: 'SL-XN-03',
    title: '100 concurrent writes of distinct keys from different nodes all persist',
    level: 'MUST',
    refs: ['CWE-362'],
    covers: ['data.concurrent-keys'],
    provenBy: ['whole-session-writes', 'memory-store'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const client = await login(ctx, nodes[0]);
      const session = `xn03-${unique()}`;
      await pooled(
        Array.from({ length: 100 }, (_, i) => () => {
          const value = `v${i}-${unique()}`;
          const entry = { check: 'SL-XN-03', session, op: 'write' as const, key: `k${i}`, value };
          return recorded(ctx, entry, client, nodeAt(nodes, i), 'PUT', `/session/data/k${i}`, {
            body: { value },
          });
        }),
        50,
      );
      const { reply, op } = await recorded(
        ctx,
        { check: 'SL-XN-03', session, op: 'read' },
        client,
        nodeAt(nodes, -1),
        'GET',
        '/session/data',
      );
      const data = ((reply.body as { data?: Record<string, unknown> } | undefined)?.data ??
        {}) as Record<string, unknown>;
      const writes = ctx.history
        .ops('SL-XN-03')
        .filter((o) => o.session === session && o.op === 'write');
      const acknowledged = writes.filter((o) => o.status < 300).length;
      const lost = findLostWrites(writes, op, data);
      const evidence = { acknowledged, lost: lost.length, witnesses: lost.slice(0, 5) };
      if (lost.length > 0) return fail(lost[0] as string, evidence);
      if (acknowledged < 100)
        return fail(`only ${acknowledged} of 100 writes were acknowledged`, evidence);
      return pass(`all 100 writes, spread over ${nodes.length} nodes, persisted`, evidence);
    },
  },
  {
    id: 'SL-XN-04',
    title: 'at least 500 concurrent counter increments from all nodes all count',
    level: 'MUST',
    refs: ['CWE-362'],
    covers: ['data.counter'],
    provenBy: ['whole-session-writes', 'memory-store'],
    async run(ctx) {
      const { nodes } = ctx.target;
      const client = await login(ctx, nodes[0]);
      const replies = await pooled(
        Array.from(
          { length: 500 },
          (_, i) => () => client.request(nodeAt(nodes, i), 'POST', '/session/counter/xn04'),
        ),
        50,
      );
      const ok = replies.filter((r) => r.status === 200);
      const values = new Set(ok.map((r) => (r.body as { value?: unknown }).value));
      const final = (await client.request(nodes[0], 'GET', '/session/data/xn04')).body as
        { value?: unknown } | undefined;
      const evidence = {
        answered200: ok.length,
        distinctValuesHandedOut: values.size,
        finalValue: final?.value,
      };
      if (ok.length !== 500)
        return fail(`${500 - ok.length} of 500 increments were refused`, evidence);
      if (final?.value !== 500)
        return fail(
          `500 increments acknowledged, but the counter reads ${JSON.stringify(final?.value)}`,
          evidence,
        );
      if (values.size !== 500)
        return fail(
          `the same counter value was handed out twice: ${500 - values.size} duplicates`,
          evidence,
        );
      return pass(`500 increments over ${nodes.length} nodes counted exactly 500`, evidence);
    },
  },
  {
    id: 'SL-XN-05',
    title: 'the entry spreads requests over 2 or more nodes (reports sticky balancing)',
    level: 'INFO',
    refs: [],
    covers: [],
    needs: ['entry'],
    provenBy: [],
    provenByOther: '`--lb ip-hash`',
    async run(ctx) {
      const client = new SessionClient();
      await login(ctx, ctx.target.entry, ctx.user(), client);
      const seen = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        const node = (await client.request(ctx.target.entry, 'GET', '/me')).node ?? '?';
        seen.set(node, (seen.get(node) ?? 0) + 1);
      }
      const evidence = { requestsPerNode: Object.fromEntries(seen) };
      return seen.size >= 2
        ? pass(`20 requests of one session reached ${seen.size} nodes`, evidence)
        : fail(
            'all 20 requests of one session reached one node: the balancer is sticky, so cross-node faults stay hidden behind it',
            evidence,
          );
    },
  },
];
