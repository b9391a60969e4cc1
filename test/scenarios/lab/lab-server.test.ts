/**
 * The lab server behind nginx: bad input is a 4xx JSON error in public words, the page's session
 * record hides the id, and `/_lab/` exists only where the lab was asked for.
 */
import t from 'tap';
import { send } from '../../../scenarios/conformance/client.ts';
import { startCluster } from '../../../orchestrator/cluster.ts';
import { startLabCluster } from './lab-fixture.ts';

t.test('bad input to the lab answers 4xx JSON, never 500', async (t) => {
  const cluster = await startLabCluster(t);
  const api = `${cluster.nginx.entry}/_lab/api`;
  const json = { 'content-type': 'application/json' };
  const cases: [string, string, Record<string, string>, string | undefined, number, string][] = [
    ['POST', '/burst', json, '{"n":"x"}', 400, 'n must be an integer from 1 to 200'],
    ['POST', '/burst', json, '{"n":500}', 400, 'n must be an integer from 1 to 200'],
    ['POST', '/burst', json, '{"n":5}', 409, 'no session yet: log in or write something first'],
    ['POST', '/burst', json, '{"n":5', 400, 'the body is not valid JSON'],
    ['POST', '/burst', json, '[1]', 400, 'the body must be a JSON object'],
    ['POST', '/burst', {}, '{"n":5}', 415, 'send the body as application/json'],
    ['POST', '/node', json, '{"op":"kill","index":7}', 400, 'node must be an integer from 0 to 1'],
    ['POST', '/node', json, '{"op":"explode","index":0}', 400, 'op must be kill or start'],
    ['POST', '/store', json, '{"op":"flush"}', 400, 'op must be pause or resume'],
    ['POST', '/flaw', json, '{"name":"nope","on":true}', 400, 'flaw must be one of: memory-store'],
    ['POST', '/flaw', json, '{"name":"resurrect","on":"yes"}', 400, 'on must be true or false'],
    [
      'POST',
      '/login',
      json,
      '{"user":"Robert\'); DROP"}',
      400,
      'user must match ^[a-z0-9_-]{1,32}$',
    ],
    ['POST', '/login', json, 'x'.repeat(5000), 413, 'request body too large'],
    ['GET', '/nothing', {}, undefined, 404, 'no lab route GET /_lab/api/nothing'],
    ['DELETE', '/state', {}, undefined, 404, 'no lab route DELETE /_lab/api/state'],
  ];
  for (const [method, path, headers, rawBody, status, message] of cases) {
    const reply = await send(`${api}${path}`, method, {
      headers,
      ...(rawBody === undefined ? {} : { rawBody }),
    });
    t.equal(reply.status, status, `${method} ${path} ${rawBody ?? ''} → ${status}`);
    t.match(reply.body, {
      error: message.includes('memory-store') ? /^flaw must be one of: memory-store, / : message,
    });
    t.match(reply.headers['content-type'], /^application\/json/);
  }
});

t.test(
  'a node-restarting operation answers 202 at once, and a second one meanwhile 409',
  async (t) => {
    const cluster = await startLabCluster(t);
    const api = `${cluster.nginx.entry}/_lab/api`;
    const body = { name: 'resurrect', on: true };
    const first = await send(`${api}/flaw`, 'POST', { body });
    t.equal(first.status, 202);
    t.same(first.body, { started: 'flaw resurrect on' });
    const second = await send(`${api}/rotate-key`, 'POST', { body: {} });
    t.equal(second.status, 409);
    t.same(second.body, { error: 'busy: flaw resurrect on' });
    // Bounded: two node restarts; the picture says when the switch is done.
    let state = { busy: 'start', flaws: [] as string[] };
    for (let i = 0; i < 600 && state.busy !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await send(`${api}/state`, 'GET')).body as typeof state;
    }
    t.same(state.flaws, ['resurrect'], 'the picture shows the flaw on');
    t.same(cluster.flaws, ['resurrect']);
  },
);

t.test('the record view shows the session as stored, with its id hashed', async (t) => {
  const cluster = await startLabCluster(t);
  const entry = cluster.nginx.entry;
  const login = await send(`${entry}/_lab/api/login`, 'POST', { body: { user: 'bob' } });
  t.equal(login.status, 200);
  t.same(login.body, { user: 'bob' }, 'the body carries no cookie');
  t.match(login.setCookie[0], /^sid=[^;]+; .*HttpOnly/, 'the node’s HttpOnly cookie is passed on');
  t.match(login.node, /^n[12]$/);
  const cookie = (login.setCookie[0] ?? '').split(';')[0] ?? '';
  const id = cookie.slice(4).split('.')[0] ?? '';
  const record = await send(`${entry}/_lab/api/record`, 'GET', { cookie });
  t.equal(record.status, 200);
  const body = record.body as { session: string; records: { key: string; values: string[] }[] };
  t.match(body.session, /^#[0-9a-f]{8}$/);
  t.ok(body.records.length >= 1, 'the session is found in the store');
  t.ok(
    body.records.some((r) => r.key.includes(body.session)),
    'keys name the hash',
  );
  t.ok(
    body.records.some((r) => r.values.some((v) => v.includes('bob'))),
    'the user is stored',
  );
  t.notOk(record.text.includes(id), 'the raw id appears nowhere');
});

t.test('without a lab port nginx has no /_lab/ route: it reaches the nodes (404)', async (t) => {
  const cluster = await startCluster({ runDir: t.testdir(), nodes: 1 });
  t.teardown(() => cluster.stop());
  const reply = await send(`${cluster.nginx.entry}/_lab/`, 'GET');
  t.equal(reply.status, 404);
  t.equal(reply.node, 'n1', 'a node answered, not a lab');
});
