import t from 'tap';
import {
  findLostWrites,
  findResurrections,
  findStaleReads,
} from '../../../scenarios/conformance/history.ts';
import type { HistoryOp } from '../../../scenarios/conformance/history.ts';

const op = (o: Partial<HistoryOp>): HistoryOp => ({
  check: 'c',
  op: 'read',
  session: 's',
  node: 'n1',
  invokeMs: 0,
  completeMs: 0,
  status: 200,
  ...o,
});

t.test(
  'a read of an older value after a newer write completed is stale, with a witness',
  async (t) => {
    const ops = [
      op({ op: 'write', key: 'k', value: 1, invokeMs: 0, completeMs: 5, node: 'n1' }),
      op({ op: 'write', key: 'k', value: 2, invokeMs: 10, completeMs: 20, node: 'n2' }),
      op({ op: 'read', key: 'k', value: 1, invokeMs: 30, completeMs: 35, node: 'n1' }),
    ];
    t.same(findStaleReads(ops), [
      'read k on node n1 at t+30 ms returned 1 from write k=1 on node n1 at t+0 ms, but write k=2 on node n2 at t+10 ms had completed at t+20 ms',
    ]);
  },
);

t.test(
  'concurrent writes may be read in either order; nothing found after a completed write is stale',
  async (t) => {
    const concurrent = [
      op({ op: 'write', key: 'k', value: 1, invokeMs: 0, completeMs: 20 }),
      op({ op: 'write', key: 'k', value: 2, invokeMs: 5, completeMs: 25 }),
      op({ op: 'read', key: 'k', value: 1, invokeMs: 30, completeMs: 31 }),
    ];
    t.same(findStaleReads(concurrent), []);
    const missing = [
      op({ op: 'write', key: 'k', value: 1, invokeMs: 0, completeMs: 5 }),
      op({ op: 'read', key: 'k', invokeMs: 9, completeMs: 10 }),
    ];
    t.match(findStaleReads(missing)[0], /found nothing, although write k=1/);
    const phantom = [op({ op: 'read', key: 'k', value: 7, invokeMs: 9, completeMs: 10 })];
    t.match(findStaleReads(phantom)[0], /returned 7, which no write had put there/);
  },
);

t.test('acknowledged writes missing from the final read are lost updates', async (t) => {
  const writes = [
    op({ op: 'write', key: 'k7', value: 42, completeMs: 31, status: 204, node: 'n2' }),
    op({ op: 'write', key: 'k8', value: 1, status: 204 }),
  ];
  const final = op({ op: 'read', invokeMs: 88, node: 'n1' });
  t.same(findLostWrites(writes, final, { k8: 1 }), [
    'write k7=42 acknowledged by node n2 at t+31 ms is missing from the read on node n1 at t+88 ms',
  ]);
});

t.test('a read that sees the session after its logout completed is a resurrection', async (t) => {
  const ops = [
    op({ op: 'logout', invokeMs: 0, completeMs: 10, status: 204 }),
    op({ op: 'read', key: 'w0', value: 3, invokeMs: 20, completeMs: 21, node: 'n2' }),
    op({ op: 'read', key: 'w0', value: undefined, invokeMs: 22, completeMs: 23, status: 404 }),
  ];
  t.same(findResurrections(ops), [
    'read w0 on node n2 at t+20 ms saw 3 after the logout on node n1 completed at t+10 ms',
  ]);
});
