/**
 * No false kill: the proxy with the identity mutant in front of a correct engine × redis
 * cluster passes every check of the catalogue (PASS or SKIPPED, nothing else).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { closeAgents } from '../../../scenarios/conformance/client.ts';
import { IDENTITY } from '../../../scenarios/mutate/kit.ts';
import { runMutation } from '../../../scenarios/mutate/run.ts';

// A cluster per worker and a run of checks per mutant: past the 180 s file default when loaded.
t.setTimeout(420_000);

t.test('the identity proxy in front of the engine passes the whole catalogue', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-identity-'));
  t.teardown(async () => {
    await closeAgents();
    await rm(runDir, { recursive: true, force: true });
  });
  const report = await runMutation(
    { kind: 'local', cluster: { runDir } },
    { mutants: [IDENTITY], quick: false, parallel: 1, runDir },
  );
  const [identity] = report.mutants;
  t.ok(identity, 'the identity mutant ran');
  t.equal(identity?.killed, false, `killed by ${identity?.killedBy.join(', ')}`);
  const wrong = identity?.checks.filter((c) => c.verdict !== 'PASS' && c.verdict !== 'SKIPPED');
  t.same(wrong, [], 'every check PASS or SKIPPED');
  t.ok((identity?.checks.length ?? 0) >= 30, 'the whole catalogue ran');
});
