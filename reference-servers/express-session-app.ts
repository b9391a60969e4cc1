// Placeholder replaced by the express-session baseline server.
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { NodeConfig } from './config.ts';
import type { NodeMetrics } from './metrics.ts';

export async function createExpressSessionApp(
  _config: NodeConfig,
  _logger: Logger,
  _metrics: NodeMetrics,
): Promise<{ app: Express; close(): Promise<void> }> {
  throw new Error('the express-session reference server is not built yet');
}
