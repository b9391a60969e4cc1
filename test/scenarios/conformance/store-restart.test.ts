/**
 * SL-FT-02 with the store killed and restarted, not only paused (issue 13 item 3): the engine on
 * redis with an append-only file keeps every session; the same cluster with redis run without
 * persistence (flaw `volatile-store`) is caught.
 */
import t from 'tap';
import { runControl } from '../../../scenarios/conformance/controls.ts';
import { storeBackCheck } from '../../../scenarios/conformance/checks/store-back.ts';
import { runCatalogue } from './run-catalogue.ts';

t.test('on redis with persistence the session survives a pause and a restart', async (t) => {
  const report = await runCatalogue(t, { store: 'redis' }, ['SL-FT-02']);
  t.same(
    report.checks.map((c) => [c.id, c.verdict, c.why]),
    [['SL-FT-02', 'PASS', 'the session survived the store paused and the store restarted']],
  );
});

t.test('redis without persistence fails SL-FT-02 at the restart', async (t) => {
  const result = await runControl('volatile-store', [storeBackCheck], 'redis');
  t.same(
    result.checks.map((c) => c.verdict),
    ['FAIL'],
  );
  t.match(result.checks[0]?.why, /^after a store restart: the session was gone \(401\)/);
  t.equal(result.caught, true);
});

t.test('on memcached a restart loses the session with a clean 401, which passes', async (t) => {
  const report = await runCatalogue(t, { store: 'memcached', idleTimeoutMs: 4000 }, ['SL-FT-02']);
  t.same(
    report.checks.map((c) => [c.id, c.verdict]),
    [['SL-FT-02', 'PASS']],
  );
  t.match(report.checks[0]?.why, /a restarted store lost it with a clean 401/);
});
