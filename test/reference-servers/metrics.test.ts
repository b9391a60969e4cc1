import t from 'tap';
import { NodeMetrics } from '../../reference-servers/metrics.ts';
import { MemoryStore } from '../../stores/memory.ts';

t.test('the timed store passes every argument and every method through', async (t) => {
  const metrics = new NodeMetrics('n1');
  const raw = new MemoryStore();
  const store = metrics.instrument(raw);
  t.equal(store.kind, raw.kind);
  await store.connect();
  t.equal(await store.create('a', { 'm:c': '1' }, 60_000), true);
  t.equal(await store.create('b', { 'm:c': '2' }, 60_000), true);
  t.same(await store.indexUser('u', 'a', 60_000, 1), []);
  // maxSessions 1: the older session is returned as the excess (the argument reached the store).
  t.same(await store.indexUser('u', 'b', 60_000, 1), ['a'], 'maxSessions reaches the store');
  t.same(await store.load('a'), await raw.load('a'));
  const text = await metrics.registry.metrics();
  t.match(text, /sessionlab_store_call_duration_seconds_count\{[^}]*op="indexUser"[^}]*\} 2/);
  const extended = Object.assign(new MemoryStore(), {
    rotateOnce: async (id: string): Promise<string> => `rotated ${id}`,
  });
  const timed = metrics.instrument(extended) as typeof extended;
  t.equal(await timed.rotateOnce('x'), 'rotated x', 'a method beyond the interface is kept');
  t.ok('rotateOnce' in timed);
  await store.close();
});
