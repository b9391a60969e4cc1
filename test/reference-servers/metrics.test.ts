import t from 'tap';
import { NodeMetrics } from '../../reference-servers/metrics.ts';
import { MemoryStore } from '../../stores/memory.ts';
import type { RotationBuild } from '../../core/store.ts';

const TTL = 60_000;

t.test('the timed store passes every argument through and times each call', async (t) => {
  const metrics = new NodeMetrics('n1');
  const memory = new MemoryStore();
  const store = metrics.instrument(memory);
  await store.connect();
  t.teardown(() => store.close());
  for (const id of ['s1', 's2', 's3']) {
    await store.create(id, { 'm:c': '1' }, TTL);
    await store.indexUser('u', id, TTL);
  }
  t.same(await store.indexUser('u', 's3', TTL, 2), ['s1'], 'maxSessions reaches the store');
  t.equal(store.rotate, undefined, 'no rotate where the store has none');
  const text = await metrics.registry.metrics();
  t.match(text, /sessionlab_store_call_duration_seconds_count\{[^}]*op="indexUser"[^}]*\} 4/);
});

t.test('the timed store forwards rotate when the store has one', async (t) => {
  class RotatingStore extends MemoryStore {
    calls: string[] = [];
    async rotate(oldId: string, newId: string, build: RotationBuild) {
      this.calls.push(`${oldId}>${newId}`);
      const taken = await this.take(oldId);
      const { fields, ttlMs } = build(taken);
      return { taken, created: await this.create(newId, fields, ttlMs) };
    }
  }
  const memory = new RotatingStore();
  const store = new NodeMetrics('n1').instrument(memory);
  await store.create('old', { 'd:x': '1' }, TTL);
  const result = await store.rotate?.('old', 'new', (taken) => ({
    fields: taken ?? {},
    ttlMs: TTL,
  }));
  t.same(result, { taken: { 'd:x': '1' }, created: true });
  t.same(memory.calls, ['old>new']);
  await store.close();
});
