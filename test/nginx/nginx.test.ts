import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { BALANCE_MODES, renderNginxConfig, type NginxUpstream } from '../../nginx/render.ts';
import { generateSelfSignedCert } from '../../orchestrator/tls.ts';
import { checkNginxConfig } from '../../orchestrator/nginx.ts';
import { freePorts } from '../../orchestrator/ports.ts';
import { nginxFor } from '../helpers/nginx.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Echo {
  node: string;
  proto: string | null;
  remoteAddress: string | null;
  realIp: string | null;
}

interface AppNode extends NginxUpstream {
  id: string;
  /** `METHOD /path` of every request this node received. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * A tiny app node: answers its id in X-Node-Id and echoes what nginx forwarded; `/store-down`
 * answers the app's own 503, `/crash` (and `/crash-<id>` on this node only) drops the connection
 * without an answer.
 */
async function appNodeFor(t: Test, id: string): Promise<AppNode> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.url === '/crash' || req.url === `/crash-${id}`) {
      req.socket.destroy();
      return;
    }
    const store = req.url === '/store-down';
    const echo: Echo = {
      node: id,
      proto: header(req.headers, 'x-forwarded-proto'),
      remoteAddress: req.socket.remoteAddress ?? null,
      realIp: header(req.headers, 'x-real-ip'),
    };
    res.writeHead(store ? 503 : 200, { 'content-type': 'application/json', 'x-node-id': id });
    res.end(JSON.stringify(store ? { error: 'session store unreachable' } : echo));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('app node has no port');
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  t.teardown(close);
  return { id, host: '127.0.0.1', port: address.port, hits, close };
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

/** One request on a fresh connection; HTTPS skips verification of the self-signed cert. */
function send(url: string, options: { method?: string; cookie?: string } = {}): Promise<Reply> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = options.cookie === undefined ? {} : { cookie: options.cookie };
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: options.method ?? 'GET', headers, agent: false, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.method === 'POST' ? '{}' : undefined);
  });
}

/** X-Node-Id of `count` requests in a row. */
async function nodeIds(count: number, url: string, cookie?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await send(url, cookie === undefined ? {} : { cookie });
    ids.push(`${reply.status} ${header(reply.headers, 'x-node-id')}`);
  }
  return ids;
}

const distinct = (values: readonly string[]): string[] => [...new Set(values)].sort();

async function twoNodes(t: Test): Promise<[AppNode, AppNode]> {
  return [await appNodeFor(t, 'a'), await appNodeFor(t, 'b')];
}

t.test('every balance mode, with TLS and without, passes nginx -t', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-nginx-'));
  t.teardown(() => rm(runDir, { recursive: true, force: true }));
  const tls = { port: 8443, ...(await generateSelfSignedCert(join(runDir, 'tls'))) };
  const upstreams = [
    { host: '127.0.0.1', port: 4001 },
    { host: '127.0.0.1', port: 4002 },
  ];
  const configFile = join(runDir, 'nginx.conf');
  for (const balance of BALANCE_MODES) {
    for (const withTls of [false, true]) {
      const options = { upstreams, listenPort: 8080, runDir, balance, proxyBind: '127.0.0.2' };
      await writeFile(configFile, renderNginxConfig(withTls ? { ...options, tls } : options));
      await t.resolves(checkNginxConfig(configFile, runDir), `${balance} tls=${withTls}`);
    }
  }
});

t.test("an invalid config is rejected with nginx's own message", async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'sessionlab-nginx-'));
  t.teardown(() => rm(runDir, { recursive: true, force: true }));
  const configFile = join(runDir, 'nginx.conf');
  const tls = { port: 8443, certFile: join(runDir, 'none.pem'), keyFile: join(runDir, 'none.key') };
  const upstreams = [{ host: '127.0.0.1', port: 4001 }];
  await writeFile(configFile, renderNginxConfig({ upstreams, listenPort: 8080, runDir, tls }));
  await t.rejects(checkNginxConfig(configFile, runDir), {
    message: new RegExp(`^nginx rejected ${configFile}:\\n.*cannot load certificate`),
  });
});

t.test('round-robin reaches both nodes over 10 requests', async (t) => {
  const nginx = await nginxFor(t, { upstreams: await twoNodes(t) });
  t.same(distinct(await nodeIds(10, `${nginx.entry}/contract`)), ['200 a', '200 b']);
});

t.test('ip-hash keeps one client on one node', async (t) => {
  const nginx = await nginxFor(t, { upstreams: await twoNodes(t), balance: 'ip-hash' });
  t.equal(distinct(await nodeIds(10, `${nginx.entry}/me`)).length, 1);
});

t.test('cookie-hash keeps a session on one node, under sid or __Host-sid', async (t) => {
  const nginx = await nginxFor(t, { upstreams: await twoNodes(t), balance: 'cookie-hash' });
  const plain = distinct(await nodeIds(10, `${nginx.entry}/me`, 'theme=dark; sid=s1.abc'));
  t.equal(plain.length, 1);
  const hostPrefixed = await nodeIds(10, `${nginx.entry}/me`, '__Host-sid=s1.abc; theme=dark');
  t.same(distinct(hostPrefixed), plain, 'the same id reaches the same node under either name');
  const spread = await Promise.all(
    Array.from({ length: 20 }, (_, i) => nodeIds(1, `${nginx.entry}/me`, `sid=session-${i}`)),
  );
  t.same(distinct(spread.flat()), ['200 a', '200 b'], 'different sessions use both nodes');
});

t.test('the node sees X-Forwarded-Proto https over TLS and http otherwise', async (t) => {
  const nginx = await nginxFor(t, { upstreams: [await appNodeFor(t, 'a')], tls: true });
  t.equal(nginx.entryTls, `https://127.0.0.1:${nginx.tlsPort}`);
  const overTls = JSON.parse((await send(`${nginx.entryTls}/me`)).body) as Echo;
  t.equal(overTls.proto, 'https');
  const plain = JSON.parse((await send(`${nginx.entry}/me`)).body) as Echo;
  t.equal(plain.proto, 'http');
});

t.test('with proxyBind the node sees connections from 127.0.0.2', async (t) => {
  const nginx = await nginxFor(t, {
    upstreams: [await appNodeFor(t, 'a')],
    proxyBind: '127.0.0.2',
  });
  const echo = JSON.parse((await send(`${nginx.entry}/me`)).body) as Echo;
  t.equal(echo.remoteAddress, '127.0.0.2');
  t.equal(echo.realIp, '127.0.0.1');
});

t.test('a dead node is routed around for GET and POST alike', async (t) => {
  const [a, b] = await twoNodes(t);
  const nginx = await nginxFor(t, { upstreams: [a, b] });
  await a.close();
  const statuses: string[] = [];
  for (let i = 0; i < 10; i++) {
    const method = i % 2 === 0 ? 'GET' : 'POST';
    const reply = await send(`${nginx.entry}/session/counter/n`, { method });
    statuses.push(`${method} ${reply.status} ${header(reply.headers, 'x-node-id')}`);
  }
  t.same(distinct(statuses), ['GET 200 b', 'POST 200 b']);
});

t.test("the app's own 503 passes through untouched and is not retried", async (t) => {
  const [a, b] = await twoNodes(t);
  const nginx = await nginxFor(t, { upstreams: [a, b] });
  const reply = await send(`${nginx.entry}/store-down`);
  t.equal(reply.status, 503);
  t.equal(reply.body, '{"error":"session store unreachable"}');
  t.equal([...a.hits, ...b.hits].length, 1);
});

t.test('a POST whose node dies mid-request is not replayed on another node', async (t) => {
  const [a, b] = await twoNodes(t);
  const nginx = await nginxFor(t, { upstreams: [a, b] });
  const reply = await send(`${nginx.entry}/crash`, { method: 'POST' });
  t.equal(reply.status, 502);
  t.same([...a.hits, ...b.hits], ['POST /crash']);
});

t.test('a GET whose node dies mid-request is answered by another node', async (t) => {
  const [a, b] = await twoNodes(t);
  const nginx = await nginxFor(t, { upstreams: [a, b] });
  for (let i = 0; i < 4; i++) {
    const reply = await send(`${nginx.entry}/crash-a`);
    t.same([reply.status, header(reply.headers, 'x-node-id')], [200, 'b']);
  }
  t.ok(a.hits.length > 0, 'node a was tried and died mid-request');
});

t.test(
  '/metrics is a JSON 404 from nginx, in any spelling, and never reaches a node',
  async (t) => {
    const [a, b] = await twoNodes(t);
    const nginx = await nginxFor(t, { upstreams: [a, b] });
    for (const path of [
      '/metrics',
      '/METRICS',
      '/metrics/',
      '//metrics',
      '/%6detrics',
      '/./metrics',
    ]) {
      const reply = await send(`${nginx.entry}${path}`);
      t.same([reply.status, reply.body], [404, '{"error":"not found"}'], path);
    }
    t.same([...a.hits, ...b.hits], []);
  },
);

t.test('HTTPS answers carry HSTS, errors included; plain HTTP answers do not', async (t) => {
  const nginx = await nginxFor(t, { upstreams: [await appNodeFor(t, 'a')], tls: true });
  for (const path of ['/me', '/metrics']) {
    const reply = await send(`${nginx.entryTls}${path}`);
    t.equal(reply.headers['strict-transport-security'], 'max-age=31536000', path);
  }
  t.equal((await send(`${nginx.entry}/me`)).headers['strict-transport-security'], undefined);
});

t.test('with redirectToHttps plain HTTP gets a 301 to the same URI over HTTPS', async (t) => {
  const a = await appNodeFor(t, 'a');
  const nginx = await nginxFor(t, { upstreams: [a], tls: true, redirectToHttps: true });
  const reply = await send(`${nginx.entry}/session/data/k?x=1`);
  t.equal(reply.status, 301);
  t.equal(reply.headers.location, `https://127.0.0.1:${nginx.tlsPort}/session/data/k?x=1`);
  t.same(a.hits, [], 'nothing is proxied over plain HTTP');
  t.equal((await send(`${nginx.entryTls}/me`)).status, 200);
});

t.test('with every node dead nginx answers a JSON 502', async (t) => {
  const upstreams = (await freePorts(2)).map((port) => ({ host: '127.0.0.1', port }));
  const nginx = await nginxFor(t, { upstreams });
  const reply = await send(`${nginx.entry}/me`);
  t.equal(reply.status, 502);
  t.equal(reply.headers['content-type'], 'application/json');
  t.same(JSON.parse(reply.body), { error: 'no app node answered: are the nodes running?' });
});

t.test('a reload with new upstreams sends every request to them', async (t) => {
  const [a, b] = await twoNodes(t);
  const nginx = await nginxFor(t, { upstreams: [a, b] });
  const before = nginx.process.pid;
  await nginx.reload([b]);
  t.equal(nginx.process.pid, before, 'the master stays, only workers change');
  t.same(distinct(await nodeIds(10, `${nginx.entry}/me`)), ['200 b']);
  t.match(await readFile(nginx.configFile, 'utf8'), `server 127.0.0.1:${b.port} `);
  t.notMatch(await readFile(nginx.configFile, 'utf8'), `server 127.0.0.1:${a.port} `);
});

t.test('after stop() neither the master nor its workers are left', async (t) => {
  const nginx = await nginxFor(t, { upstreams: [await appNodeFor(t, 'a')] });
  const pid = nginx.process.pid;
  if (pid === undefined) throw new Error('nginx is not running');
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  const workers = children.trim().split(' ').map(Number);
  t.equal(workers.length, 1, 'worker_processes 1');
  await nginx.stop();
  for (const gone of [pid, ...workers]) t.throws(() => process.kill(gone, 0), { code: 'ESRCH' });
  await t.rejects(send(nginx.entry), { code: 'ECONNREFUSED' });
});
