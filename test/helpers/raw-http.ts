/**
 * Raw HTTP/1.x over node:net or node:tls, for requests no HTTP client would send: one request
 * per connection, the answer read until its body is complete, the connection closed, or a
 * deadline passes. Failures are data (`status: 0` with the reason), never exceptions.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

export interface RawAnswer {
  /** 0 when no status line came back. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why there is no status: `timeout`, `closed`, or the socket error code. */
  failure?: string;
}

export interface RawTarget {
  port: number;
  tls: boolean;
  /** The last TLS session seen, resumed by the next connection: a full handshake costs ms. */
  tlsSession?: Buffer;
}

/**
 * Sends `requests` pipelined on one fresh connection to 127.0.0.1 and reads answers in order
 * until the connection closes or `timeoutMs` passes: nginx closes after an error it cannot
 * recover from, so the answers may be fewer than the requests (the caller sends the rest again).
 */
export function sendPipelined(
  target: RawTarget,
  requests: readonly Buffer[],
  timeoutMs = 3000,
): Promise<{ answers: RawAnswer[]; failure?: string }> {
  return new Promise((resolve) => {
    const tlsOptions = { host: '127.0.0.1', port: target.port, rejectUnauthorized: false };
    const socket: Socket | TLSSocket = target.tls
      ? connectTls(target.tlsSession ? { ...tlsOptions, session: target.tlsSession } : tlsOptions)
      : connectTcp({ host: '127.0.0.1', port: target.port });
    socket.on('session', (session: Buffer) => (target.tlsSession = session));
    const answers: RawAnswer[] = [];
    let pending = Buffer.alloc(0);
    let settled = false;
    const settle = (failure?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(failure === undefined ? { answers } : { answers, failure });
    };
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () =>
      socket.write(Buffer.concat(requests)),
    );
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let length = messageLength(pending); length > 0; length = messageLength(pending)) {
        answers.push(parseAnswer(pending.subarray(0, length)));
        pending = pending.subarray(length);
      }
      if (answers.length === requests.length) settle();
    });
    socket.once('end', () => settle(answers.length === 0 ? 'closed' : undefined));
    socket.once('close', () => settle(answers.length === 0 ? 'closed' : undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => settle(error.code ?? 'error'));
  });
}

/** Every request answered, in order: what one connection left unanswered goes on a new one. */
export async function sendAll(
  target: RawTarget,
  requests: readonly Buffer[],
  timeoutMs = 3000,
): Promise<RawAnswer[]> {
  const answers: RawAnswer[] = [];
  // Bounded: every round answers at least one request or records a failure for one.
  while (answers.length < requests.length) {
    const rest = requests.slice(answers.length);
    const round = await sendPipelined(target, rest, timeoutMs);
    answers.push(...round.answers);
    if (round.answers.length === 0) {
      answers.push({ status: 0, headers: {}, body: '', failure: round.failure ?? 'closed' });
    }
  }
  return answers;
}

/** Bytes of the first complete answer in `raw`, 0 while it is incomplete. */
function messageLength(raw: Buffer): number {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return 0;
  const head = raw.subarray(0, end).toString('latin1');
  const bodyStart = end + 4;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length !== null) {
    const total = bodyStart + Number(length[1]);
    return raw.length >= total ? total : 0;
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const last = raw.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
    return last < 0 ? 0 : last + 7;
  }
  return bodyStart;
}

function split(raw: Buffer): { head: string; body: Buffer } | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { head: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end + 4) };
}

function parseAnswer(raw: Buffer): RawAnswer {
  const parts = split(raw);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(parts?.head ?? raw.toString('latin1'));
  if (parts === undefined || status === null) {
    return { status: status === null ? 0 : Number(status[1]), headers: {}, body: '' };
  }
  const headers: Record<string, string> = {};
  for (const line of parts.head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
  return {
    status: Number(status[1]),
    headers,
    body: chunked ? dechunk(parts.body) : parts.body.toString('utf8'),
  };
}

function dechunk(body: Buffer): string {
  let text = '';
  let rest = body.toString('utf8');
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (lineEnd < 0 || !(size > 0)) return text;
    text += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
}
