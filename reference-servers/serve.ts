/**
 * The tail every node entry shares: wait until listening, announce `{"listening": url}` on
 * stdout (what the orchestrator reads), and on SIGTERM/SIGINT stop accepting, close the store
 * and exit (forced after 3 s).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './client-error.ts';
import type { NodeConfig } from './config.ts';

export async function serveNode(
  server: Server,
  config: NodeConfig,
  close: () => Promise<void>,
): Promise<number> {
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  server.keepAliveTimeout = 5_000;
  answerClientErrors(server, config.nodeId);
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ listening: `http://${config.host}:${port}`, node: config.nodeId })}\n`,
  );
  const stop = (): void => {
    server.close(() => void close().finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  return port;
}
