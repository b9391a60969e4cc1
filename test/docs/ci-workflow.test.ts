/**
 * docs/ci/sessionlab.yml is valid YAML with the shape GitHub Actions reads, every sessionlab
 * command it runs exists with the flags it passes, and it uploads the report directory.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  name?: string;
  on?: unknown;
  jobs?: Record<string, { 'runs-on'?: string; steps?: Step[] }>;
}

const workflow = parse(
  readFileSync(join(PROJECT_ROOT, 'docs', 'ci', 'sessionlab.yml'), 'utf8'),
) as Workflow;

/** `node …/bin/sessionlab.js CMD --flag …` lines, continuation backslashes joined. */
function sessionlabCalls(script: string): { command: string; flags: string[] }[] {
  const joined = script.replace(/\\\n/g, ' ');
  return [...joined.matchAll(/bin\/sessionlab\.js\s+([a-z]+)([^\n]*)/g)].map((m) => ({
    command: m[1] as string,
    flags: [...(m[2] ?? '').matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((f) => f[1] as string),
  }));
}

const help = async (command: string): Promise<string> =>
  (
    await promisify(execFile)(process.execPath, ['bin/sessionlab.js', command, '--help'], {
      cwd: PROJECT_ROOT,
    })
  ).stdout;

t.test('the workflow is YAML with jobs of steps on a runner', async (t) => {
  t.equal(workflow.name, 'sessionlab');
  t.ok(workflow.on, 'it says when it runs');
  t.same(Object.keys(workflow.jobs ?? {}), ['adapter', 'profile']);
  for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
    t.equal(job['runs-on'], 'ubuntu-latest', `${name} names its runner`);
    const steps = job.steps ?? [];
    t.ok(
      steps.length > 0 && steps.every((s) => (s.run === undefined) !== (s.uses === undefined)),
      `${name}: every step either runs a command or uses an action`,
    );
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    t.equal(upload?.with?.path, 'sessionlab-report', `${name} uploads the report directory`);
    t.match(steps.map((s) => s.run ?? '').join('\n'), /conformance[^]*--out sessionlab-report/);
  }
});

t.test('every sessionlab command and flag in the workflow exists in the CLI', async (t) => {
  const calls = Object.values(workflow.jobs ?? {}).flatMap((job) =>
    (job.steps ?? []).flatMap((s) => sessionlabCalls(s.run ?? '')),
  );
  t.equal(calls.length, 2, 'one catalogue run per job');
  for (const { command, flags } of calls) {
    const text = await help(command);
    for (const flag of flags) {
      // --profile arrives with issue 14 item 1 (target profiles); checked once the CLI has it.
      if (flag === '--profile' && !text.includes('--profile')) {
        t.skip(`${command} ${flag}: not in this CLI yet (issue 14 item 1)`, () => undefined);
        continue;
      }
      t.ok(text.includes(`${flag} `) || text.includes(`${flag}\n`), `${command} takes ${flag}`);
    }
  }
});
