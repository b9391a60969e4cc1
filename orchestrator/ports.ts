/**
 * Loopback ports for the services sessionlab starts: find free ones, talk to whatever listens
 * on one, and poll until it answers.
 */
import { connect, createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** What is awaited, for the error message: `redis-server 127.0.0.1:6390`. */
  what: string;
  /**
   * Give up after this long, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Pause between two probes, in milliseconds.
   * @default 50
   */
  intervalMs?: number;
}

export const DEFAULT_WAIT_FOR_OPTIONS = { timeoutMs: 10_000, intervalMs: 50 } as const;

export interface SendAndReceiveOptions {
  /**
   * The reply is complete once it ends with this text (or with any of these).
   * @default '\r\n'
   */
  until?: string | readonly string[];
  /**
   * Reject when no complete reply came within this long, in milliseconds.
   * @default 1000
   */
  timeoutMs?: number;
}

export const DEFAULT_SEND_AND_RECEIVE_OPTIONS = { until: '\r\n', timeoutMs: 1000 } as const;

/** Resolves with a TCP port that was free on `host` a moment ago (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}

/**
 * Resolves with `count` distinct free ports. All are held open at once, because a port closed
 * by one call may be handed out again by the next.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAnyPort(host));
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error(`no port on ${host}`);
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/**
 * Polls `probe` until it resolves true. A probe that throws ends the wait at once (the service
 * died: waiting longer cannot help); one that resolves false is tried again after `intervalMs`.
 */
export async function waitFor(
  probe: () => Promise<boolean>,
  options: WaitForOptions,
): Promise<void> {
  const { what } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_OPTIONS.timeoutMs;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_FOR_OPTIONS.intervalMs;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() >= deadline) throw new Error(`${what} was not ready after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Connects to `host:port`, writes `request` and resolves with the reply text, for one-line
 * protocols (redis inline commands, memcached text). Rejects when no full reply came in time.
 */
export function sendAndReceive(
  host: string,
  port: number,
  request: string,
  options: SendAndReceiveOptions = {},
): Promise<string> {
  const endings = [options.until ?? DEFAULT_SEND_AND_RECEIVE_OPTIONS.until].flat();
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_AND_RECEIVE_OPTIONS.timeoutMs;
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host, port });
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    const timer = setTimeout(
      () => finish(new Error(`${host}:${port} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (endings.some((ending) => reply.endsWith(ending))) finish();
    });
    socket.on('error', finish);
    socket.on('close', () =>
      finish(new Error(`${host}:${port} closed the connection after ${JSON.stringify(reply)}`)),
    );
  });
}

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
}
