/**
 * Answers a request node:http could not parse (a control byte in a header nginx relayed, a
 * header block over the limit) the way every other error is answered: a JSON body and X-Node-Id,
 * instead of node's bare `400 Bad Request` without either (../shared/CONTRACT.md, Every response).
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

const ANSWERS: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request took too long to arrive'],
};
const PARSE_ERROR = [400, 'Bad Request', 'the request could not be parsed'] as const;

export function answerClientErrors(server: Server, nodeId: string): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that reset the connection, or a socket already answered: nothing to say.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] = ANSWERS[error.code ?? ''] ?? PARSE_ERROR;
    const body = JSON.stringify({ error: message });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Node-Id: ${nodeId}\r\n\r\n${body}`,
    );
  });
}
