import t from 'tap';
import { nodeAt } from '../../../scenarios/conformance/types.ts';
import type { CheckDefinition, NodeUrls } from '../../../scenarios/conformance/types.ts';
import { pass } from '../../../scenarios/conformance/types.ts';

t.test('nodeAt walks the nodes round-robin, from the end when negative', async (t) => {
  const nodes: NodeUrls = ['http://a', 'http://b', 'http://c'];
  t.same(
    [0, 1, 2, 3, 4, -1, -2].map((i) => nodeAt(nodes, i)),
    ['http://a', 'http://b', 'http://c', 'http://a', 'http://b', 'http://c', 'http://b'],
  );
});

t.test('a misspelt flaw or capability in a check definition is a type error', async (t) => {
  const check: CheckDefinition = {
    id: 'SL-XX-99',
    title: 'example',
    level: 'MUST',
    refs: [],
    // @ts-expect-error 'no-rotation' is not a Flaw (the flaw is 'no-rotate')
    provenBy: ['no-rotation'],
    // @ts-expect-error 'logout-everywhere' is not a Capability
    capability: 'logout-everywhere',
    run: async () => pass('example'),
  };
  // Typecheck (`make check`) fails when either line above stops being an error.
  t.equal(check.id, 'SL-XX-99');
});
