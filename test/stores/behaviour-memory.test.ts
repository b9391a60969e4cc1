import t from 'tap';
import { MemoryStore } from '../../stores/memory.ts';
import { runStoreBehaviour } from './behaviour.ts';

// Process-local: both "nodes" share the one instance (that is what makes it a negative control).
runStoreBehaviour(t, async (t) => {
  const store = new MemoryStore();
  await store.connect();
  t.teardown(() => store.close());
  return { a: store, b: store };
});
