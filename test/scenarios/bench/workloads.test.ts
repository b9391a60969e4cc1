/**
 * scenarios/bench/workloads.ts: the request loop of each workload and the per-connection
 * cookies autocannon sends.
 */
import t from 'tap';
import { BENCH_VALUE } from '../../../reference-servers/bench/nosession-app.ts';
import {
  autocannonRequests,
  cookieFromHeaders,
  stepsFor,
} from '../../../scenarios/bench/workloads.ts';

t.test('each workload sends its documented request loop', async (t) => {
  const shape = (workload: Parameters<typeof stepsFor>[0]): string[] =>
    stepsFor(workload, 'u1', 'pw').map((s) => `${s.method} ${s.path} ${s.cookie}`);
  t.same(shape('read'), ['GET /session/data/cart session']);
  t.same(shape('write'), ['PUT /session/data/cart session']);
  t.same(shape('mixed'), [
    ...Array(9).fill('GET /session/data/cart session'),
    'PUT /session/data/cart session',
  ]);
  t.same(shape('login-churn'), ['POST /login none', 'POST /logout login']);
  t.same(shape('anon'), ['GET /session/data none']);
  t.same(stepsFor('login-churn', 'u1', 'pw')[0]?.body, { user: 'u1', password: 'pw' });
  t.same(stepsFor('write', 'u1', 'pw')[0]?.body, { value: `${BENCH_VALUE}:[<id>]` });
});

t.test(
  "a connection's requests carry its own cookie, and only where the step says so",
  async (t) => {
    const [read] = autocannonRequests(stepsFor('read', 'u', 'p'), 'sid=abc');
    t.same(read?.headers, { cookie: 'sid=abc' });
    const [anon] = autocannonRequests(stepsFor('anon', 'u', 'p'), 'sid=abc');
    t.same(anon?.headers, {});
    const [write] = autocannonRequests(stepsFor('write', 'u', 'p'), 'sid=abc');
    t.same(write?.headers, { 'content-type': 'application/json', cookie: 'sid=abc' });
    t.equal(write?.body, JSON.stringify({ value: `${BENCH_VALUE}:[<id>]` }));
  },
);

t.test('every write of a connection stores a new value', async (t) => {
  const [write] = autocannonRequests(stepsFor('write', 'u', 'p'), 'sid=abc');
  const setup = write?.setupRequest;
  if (write === undefined || typeof setup !== 'function') throw new Error('expected setupRequest');
  const sent = [1, 2].map(() => setup({ ...write }, {}).body);
  t.same(sent, [
    JSON.stringify({ value: `${BENCH_VALUE}:w1` }),
    JSON.stringify({ value: `${BENCH_VALUE}:w2` }),
  ]);
});

t.test('login-churn logs out with the cookie its own login just set', async (t) => {
  const [login, logout] = autocannonRequests(stepsFor('login-churn', 'u', 'p'), 'sid=unused');
  const context = {};
  if (typeof login?.onResponse !== 'function' || typeof logout?.setupRequest !== 'function')
    throw new Error('expected onResponse on login and setupRequest on logout');
  login.onResponse(200, '{}', context, { 'Set-Cookie': ['sid=new.k1.mac; Path=/; HttpOnly'] });
  t.same(logout.setupRequest({ method: 'POST', path: '/logout', headers: {} }, context).headers, {
    cookie: 'sid=new.k1.mac',
  });
});

t.test('the first Set-Cookie pair is found whatever the header case', async (t) => {
  t.equal(cookieFromHeaders({ 'set-cookie': 'sid=a; Path=/' }), 'sid=a');
  t.equal(cookieFromHeaders({ 'Set-Cookie': ['sid=b; Path=/', 'x=y'] }), 'sid=b');
  t.equal(cookieFromHeaders({ 'content-type': 'text/plain' }), undefined);
  t.equal(cookieFromHeaders(undefined), undefined);
});
