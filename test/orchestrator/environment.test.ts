import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { collectEnvironment, parseVersion } from '../../orchestrator/environment.ts';

const run = promisify(execFile);

t.test('versions are read from each tool’s banner', async (t) => {
  t.equal(
    parseVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1'),
    '7.0.15',
  );
  t.equal(parseVersion('memcached 1.6.18\n'), '1.6.18');
  t.equal(parseVersion('nginx version: nginx/1.22.1\n'), '1.22.1');
  t.equal(parseVersion('command not found'), undefined);
  t.equal(parseVersion(null), undefined);
});

t.test('the environment names this machine, its services and the commit', async (t) => {
  const environment = await collectEnvironment('sessionlab bench --quick');
  t.equal(environment.command, 'sessionlab bench --quick');
  t.equal(environment.versions.node, process.versions.node);
  t.equal(environment.versions.sessionlab, '0.1.0');
  t.ok(environment.machine.cpus >= 1);
  t.ok(environment.machine.memoryGiB > 0);
  t.match(environment.machine.platform, /^[a-z0-9]+ [a-z0-9_]+$/);
  // make test installs these services, so each must be found.
  t.match(environment.versions.redis, /^\d+\.\d+\.\d+$/);
  t.match(environment.versions.memcached, /^\d+\.\d+\.\d+$/);
  t.match(environment.versions.nginx, /^\d+\.\d+\.\d+$/);
  const head = await run('git', ['rev-parse', 'HEAD']).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  t.equal(environment.gitCommit, head);
});

t.test('missing binaries are left out, not errors', async (t) => {
  const path = process.env.PATH;
  t.teardown(() => {
    process.env.PATH = path;
  });
  process.env.PATH = '/nonexistent';
  const environment = await collectEnvironment('x');
  t.equal(environment.versions.redis, undefined);
  t.equal(environment.versions.memcached, undefined);
  t.equal(environment.gitCommit, undefined);
  t.equal(environment.versions.node, process.versions.node);
});
