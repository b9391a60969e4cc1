/**
 * docker-compose.yml: no Docker engine runs here, so the file is validated by docker-compose
 * itself (`config`), and its nginx config is checked against the code that renders it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { renderComposeNginxConfig } from '../../nginx/compose.ts';
import { PROJECT_ROOT } from '../../orchestrator/nodes.ts';

const run = promisify(execFile);
const compose = (args: string[], env: Record<string, string> = {}) =>
  run('docker-compose', ['-f', join(PROJECT_ROOT, 'docker-compose.yml'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
const secrets = { SESSIONLAB_PASSWORD: 'pw', SESSIONLAB_SIGNING_KEYS: `k1:${'s'.repeat(32)}` };

t.test('the committed nginx config is the rendered one', async (t) => {
  const committed = await readFile(join(PROJECT_ROOT, 'nginx/compose/nginx.conf'), 'utf8');
  t.equal(committed, renderComposeNginxConfig(), 'run `make compose-config` after changing nginx/');
});

t.test('docker-compose accepts the file, with memcached behind a profile', async (t) => {
  const { stdout } = await compose(['config', '--services'], secrets);
  t.same(stdout.trim().split('\n').sort(), [
    'memcached',
    'nginx',
    'node1',
    'node2',
    'node3',
    'redis',
  ]);
  const rendered = await compose(['config'], {
    ...secrets,
    SESSIONLAB_STORE_URL: 'memcached://memcached:11211',
  });
  t.match(rendered.stdout, /memcached:\/\/memcached:11211/, 'the store URL reaches the nodes');
  t.match(
    rendered.stdout,
    /memcached:\n(?: {4}.*\n)*? {4}profiles:\n {4}- memcached/,
    'memcached only in its profile',
  );
});

t.test('without secrets docker-compose refuses and says what to set', async (t) => {
  const failure = await compose(['config', '-q']).then(
    () => ({ stderr: 'accepted' }),
    (error: { stderr: string }) => error,
  );
  t.match(failure.stderr, /set SESSIONLAB_PASSWORD/);
});
