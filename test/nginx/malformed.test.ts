/**
 * Issue 13 item 2: nginx in front of real engine nodes on redis answers every malformed request
 * with a 4xx (501/505 for codings and versions it does not support), never a 500, JSON whenever
 * the answer comes from nginx itself; and a legitimate session is intact afterwards.
 */
import t from 'tap';
import { clusterFor, loggedIn } from '../helpers/cluster.ts';
import { malformedRequests, type MalformedRequest } from '../helpers/malformed-requests.ts';
import { pooled } from '../../scenarios/conformance/steps.ts';
import { sendAll, type RawAnswer, type RawTarget } from '../helpers/raw-http.ts';

const PLAIN_COUNT = 8_000;
const TLS_COUNT = 2_000;
const CONCURRENCY = 16;
const PIPELINE = 25;
const ALLOWED_5XX = new Set([501, 505]);

interface Outcome {
  request: MalformedRequest;
  answer: RawAnswer;
}

/** `family status` -> count, for a readable diagnostic when something is off. */
function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { request, answer } of outcomes) {
    const key = `${request.family} ${answer.status || answer.failure}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Batches of `PIPELINE` requests, pipelined on one connection each, `CONCURRENCY` at a time. */
async function fuzz(target: RawTarget, requests: readonly MalformedRequest[]): Promise<Outcome[]> {
  const batches: MalformedRequest[][] = [];
  for (let i = 0; i < requests.length; i += PIPELINE) batches.push(requests.slice(i, i + PIPELINE));
  const jobs = batches.map((batch) => async () => {
    const answers = await sendAll(
      target,
      batch.map((request) => request.bytes),
    );
    return batch.map((request, i) => ({ request, answer: answers[i] as RawAnswer }));
  });
  return (await pooled(jobs, CONCURRENCY)).flat();
}

t.test('10,000 malformed requests through nginx get 4xx, never a 500', async (t) => {
  const cluster = await clusterFor(t, { nodes: 2, tls: true });
  const { nginx } = cluster;
  if (nginx.tlsPort === undefined || nginx.entryTls === undefined) throw new Error('no TLS entry');
  // One session per entry: over HTTPS the cookie is a Secure one that plain HTTP never gets.
  const sessions = await Promise.all(
    [nginx.entry, nginx.entryTls].map(async (entry) => {
      const client = await loggedIn(cluster, entry);
      const put = await client.request(entry, 'PUT', '/session/data/cart', { body: { value: 3 } });
      t.equal(put.status, 204);
      return { entry, client };
    }),
  );

  const started = performance.now();
  const requests = malformedRequests(PLAIN_COUNT + TLS_COUNT);
  const outcomes = [
    ...(await fuzz({ port: nginx.port, tls: false }, requests.slice(0, PLAIN_COUNT))),
  ];
  t.comment(`plain in ${Math.round(performance.now() - started)} ms`);
  outcomes.push(...(await fuzz({ port: nginx.tlsPort, tls: true }, requests.slice(PLAIN_COUNT))));
  t.equal(outcomes.length, 10_000);
  t.comment(`10,000 raw requests in ${Math.round(performance.now() - started)} ms`);
  const counts = tally(outcomes);
  const http09 = outcomes.filter(({ request }) => isHttp09(request));
  t.same(
    distinct(http09.map(({ answer }) => answer.failure ?? answer.status)),
    ['closed'],
    'HTTP/0.9 has no status line: nginx closes without relaying a status-less answer',
  );
  const bad = outcomes.filter(
    ({ request, answer }) =>
      (answer.status === 0 && !isHttp09(request)) ||
      (answer.status >= 500 && !ALLOWED_5XX.has(answer.status)),
  );
  t.same(
    bad.slice(0, 5).map(({ request, answer }) => [request.bytes.toString('latin1', 0, 80), answer]),
    [],
    `no 5xx but 501/505 and no request without an answer; seen: ${JSON.stringify(counts)}`,
  );
  const answered = outcomes.filter(({ answer }) => answer.status !== 0);
  const fromNginx = answered.filter(({ answer }) => answer.headers['x-node-id'] === undefined);
  const notJson = fromNginx.filter(
    ({ answer }) =>
      answer.headers['content-type'] !== 'application/json' || !isErrorJson(answer.body),
  );
  t.same(
    notJson
      .slice(0, 5)
      .map(({ request, answer }) => [request.bytes.toString('latin1', 0, 80), answer]),
    [],
    'every answer without X-Node-Id is an {"error": ...} JSON from nginx',
  );
  t.ok(fromNginx.length > 1000, `nginx itself answered ${fromNginx.length}`);
  t.ok(answered.length - fromNginx.length > 1000, 'the nodes answered the well-framed ones');

  for (const { entry, client } of sessions) {
    const me = await client.request(entry, 'GET', '/me');
    t.equal(me.status, 200, `the session still works through ${entry}`);
    t.match(me.body, { user: 'alice' });
    const cart = await client.request(entry, 'GET', '/session/data/cart');
    t.same([cart.status, cart.body], [200, { value: 3 }]);
  }
});

/** A request line without an HTTP version is HTTP/0.9. */
function isHttp09(request: MalformedRequest): boolean {
  const line = request.bytes.toString('latin1', 0, request.bytes.indexOf('\r\n'));
  return !/ HTTP\/|http\//.test(line);
}

const distinct = (values: readonly unknown[]): unknown[] => [...new Set(values)];

function isErrorJson(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed;
  } catch {
    return false;
  }
}
