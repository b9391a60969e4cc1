/**
 * The mutating proxy relays exchanges whole (status, headers, every Set-Cookie line, body) and
 * lets only nginx's address speak for the client's scheme.
 */
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import t from 'tap';
import { PROXY_ADDRESS } from '../../../orchestrator/cluster.ts';
import { IDENTITY } from '../../../scenarios/mutate/kit.ts';
import { startMutatingProxy } from '../../../scenarios/mutate/proxy.ts';
import type { Contract } from '../../../scenarios/conformance/types.ts';

const contract: Contract = {
  contract: 1,
  node: 'n1',
  cookieName: 'sid',
  idleTimeoutMs: 2000,
  absoluteTimeoutMs: 8000,
  maxSessionBytes: 65536,
  capabilities: [],
};

t.test('the identity proxy relays the exchange; X-Forwarded-* only from nginx', async (t) => {
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('content-type', 'application/json');
      res.writeHead(201);
      res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'] ?? null, body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  const proxy = await startMutatingProxy({
    upstream: `http://127.0.0.1:${port}`,
    node: 0,
    shared: new Map(),
    contract,
    handle: IDENTITY.handle,
  });
  t.teardown(async () => {
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });
  const direct = await request(`${proxy.url}/x`, {
    method: 'PUT',
    headers: { 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
    body: '{"value":1}',
  });
  t.equal(direct.statusCode, 201);
  t.same(direct.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  t.same(await direct.body.json(), { proto: null, body: '{"value":1}' });
  // nginx connects from PROXY_ADDRESS: its X-Forwarded-Proto reaches the node.
  const viaNginx = await new Promise<string>((resolve, reject) => {
    const out = httpGet(
      `${proxy.url}/x`,
      { localAddress: PROXY_ADDRESS, headers: { 'x-forwarded-proto': 'https' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      },
    );
    out.on('error', reject);
  });
  t.same(JSON.parse(viaNginx), { proto: 'https', body: '' });
});
