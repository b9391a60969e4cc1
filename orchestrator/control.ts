/**
 * The control channel of a running `sessionlab up`: a loopback HTTP endpoint, guarded by a
 * random token kept in the state file, through which `sessionlab fault` drives faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAULT_OPS } from './cluster.ts';
import type { FaultOp, LocalCluster } from './cluster.ts';

/** Faults of the whole cluster or store, without a target. */
export const CLUSTER_FAULT_OPS = ['rolling-restart', 'failover', 'isolate-replicas'] as const;

export interface FaultRequest {
  op: FaultOp | (typeof CLUSTER_FAULT_OPS)[number];
  target?: 'node' | 'store';
  index?: number;
}

export interface ControlChannel {
  url: string;
  token: string;
  close(): Promise<void>;
}

async function apply(cluster: LocalCluster, request: FaultRequest): Promise<unknown> {
  if (request.op === 'rolling-restart') return { primaryKey: (await cluster.rollingRestart()).id };
  if (request.op === 'failover') return cluster.failover();
  if (request.op === 'isolate-replicas') {
    await cluster.isolateReplicas();
    return { done: 'isolate-replicas', until: 'the next failover' };
  }
  if (!FAULT_OPS.includes(request.op))
    throw new RangeError(
      `invalid op "${String(request.op)}": expected ${[...FAULT_OPS, ...CLUSTER_FAULT_OPS].join(' | ')}`,
    );
  if (request.target !== 'node' && request.target !== 'store')
    throw new RangeError('invalid target: expected node | store');
  await cluster.fault(request.op, request.target, Number(request.index ?? 0));
  return { done: `${request.op} ${request.target} ${request.index ?? 0}` };
}

/** `onChange` runs after each fault (pids change): `up` rewrites its state file there. */
export async function serveControl(
  cluster: LocalCluster,
  onChange: () => Promise<void> = async () => undefined,
): Promise<ControlChannel> {
  const token = randomBytes(16).toString('base64url');
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${token}`)
        return reply(401, { error: 'bad control token' });
      if (req.method !== 'POST' || req.url !== '/fault')
        return reply(404, { error: 'POST /fault only' });
      let request: FaultRequest;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FaultRequest;
      } catch {
        return reply(400, { error: 'invalid JSON body' });
      }
      apply(cluster, request).then(
        async (result) => {
          await onChange();
          reply(200, result);
        },
        (error: unknown) =>
          reply(error instanceof RangeError ? 400 : 500, {
            error: String((error as Error).message),
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, token, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Sends a fault to a running `up` through the control channel named in its state file. */
export async function sendFault(
  control: { url: string; token: string },
  request: FaultRequest,
): Promise<unknown> {
  const res = await fetch(`${control.url}/fault`, {
    method: 'POST',
    headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await res.json()) as { error?: string };
  if (res.status !== 200) throw new Error(body.error ?? `control channel answered ${res.status}`);
  return body;
}
