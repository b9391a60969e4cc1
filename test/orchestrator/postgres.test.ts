import { readFile } from 'node:fs/promises';
import pg from 'pg';
import t from 'tap';
import { postgresFor } from '../helpers/services.ts';

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

t.test('postgres answers on its loopback port, as a user that is not root', async (t) => {
  const server = await postgresFor(t);
  t.equal(server.host, '127.0.0.1');
  t.equal(server.url, `postgres://sessionlab:${server.password}@127.0.0.1:${server.port}/postgres`);
  const [row] = await query(server.url, 'SELECT current_user AS who, version() AS version');
  t.equal(row?.['who'], 'sessionlab');
  t.match(String(row?.['version']), new RegExp(`^PostgreSQL ${server.version}\\.`));
  const pid = server.process.pid ?? -1;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  t.not(uid, 0, `postgres runs as uid ${uid}`);
});

t.test('a wrong password is refused', async (t) => {
  const server = await postgresFor(t);
  const wrong = server.url.replace(server.password, 'not-the-password');
  await t.rejects(query(wrong, 'SELECT 1'), { code: '28P01' });
});

t.test('a restarted postgres keeps its data; a stopped one is gone', async (t) => {
  const server = await postgresFor(t);
  await query(server.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
  const before = server.process.pid ?? -1;
  await server.process.restart();
  t.not(server.process.pid, before);
  t.same(await query(server.url, 'SELECT n FROM kept'), [{ n: 7 }]);
  const pid = server.process.pid ?? -1;
  await server.stop();
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  await t.rejects(query(server.url, 'SELECT 1'), { code: 'ECONNREFUSED' });
});

t.test('a pause stops the backends of open connections too; a kill ends them', async (t) => {
  const server = await postgresFor(t);
  const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  t.teardown(() => client.end().catch(() => undefined));
  const [backend] = (await client.query('SELECT pg_backend_pid() AS pid')).rows as {
    pid: number;
  }[];
  server.process.pause();
  let answered = false;
  const pending = client.query('SELECT 1 AS n').then((r) => {
    answered = true;
    return r.rows;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(answered, false, 'no answer on an open connection while paused');
  server.process.resume();
  t.same(await pending, [{ n: 1 }], 'the same connection answers once resumed');
  await server.process.kill();
  // Gone, or dead and not reaped yet (its parent died too; the container's init may be slow).
  // A SIGKILL takes effect when the process is next scheduled: on a loaded machine it may still
  // show as running for a moment, so look again for up to 10 s.
  const backendState = async (): Promise<string> => {
    const stat = await readFile(`/proc/${backend?.pid ?? -1}/stat`, 'utf8').catch(() => '');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  };
  let state = await backendState();
  for (let i = 0; i < 100 && state !== '' && state !== 'Z'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await backendState();
  }
  t.ok(state === '' || state === 'Z', `its backend is dead (state "${state}")`);
});
