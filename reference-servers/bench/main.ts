/**
 * Entry of one bench-only reference node: `node --import tsx reference-servers/bench/main.ts
 * --impl express-nosession | engine-http | raw-ioredis-get | raw-memcached-get | raw-pg-select | static-http --port 8081 --node-id n1
 * --store-url redis://127.0.0.1:6379`, with the test password and keys in the environment as
 * for main.ts. Prints one JSON line `{"listening": "http://host:port"}` when ready; SIGTERM
 * stops it cleanly.
 */
import type { Server } from 'node:http';
import { Command } from 'commander';
import { pino } from 'pino';
import { InvalidOptionError } from '../../core/errors.ts';
import { createStoreFromUrl } from '../../stores/from-url.ts';
import { createEngineHttpServer } from './engine-http.ts';
import { createNoSessionApp } from './nosession-app.ts';
import { createRawMemcachedServer } from './raw-memcached.ts';
import { createRawRedisServer } from './raw-redis.ts';
import { createRawPostgresServer } from './raw-pg.ts';
import { createStaticHttpServer } from './static-http.ts';
import { BENCH_IMPLS, resolveNodeConfig } from '../config.ts';
import { serveNode } from '../serve.ts';
import type { BenchImpl, NodeConfig } from '../config.ts';
import { createReferenceEngine } from '../engine-app.ts';
import { NodeMetrics } from '../metrics.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseArgs(argv: string[]): { impl: BenchImpl; config: NodeConfig } {
  const program = new Command('bench-reference-server')
    .option('--impl <impl>', BENCH_IMPLS.join(' | '), 'engine-http')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', Number, 0)
    .option('--node-id <id>', 'short id sent in X-Node-Id', 'n1')
    .option('--store-url <url>', 'redis:// | redis-cluster:// | memcached://')
    .option('--idle-timeout-ms <ms>', 'idle timeout', Number)
    .option('--absolute-timeout-ms <ms>', 'absolute timeout (0: none)', Number)
    .option('--max-session-bytes <n>', 'largest stored session', Number)
    .option('--store-timeout-ms <ms>', 'deadline of every store call', Number)
    .option('--trusted-proxy <address>', 'believe X-Forwarded-Proto from it', collect, [])
    .option('--log-level <level>', 'pino level', 'info')
    .parse(argv);
  const o = program.opts<Record<string, unknown>>();
  const impl = String(o.impl);
  if (!(BENCH_IMPLS as readonly string[]).includes(impl))
    throw new InvalidOptionError(`invalid impl "${impl}": expected ${BENCH_IMPLS.join(' | ')}`);
  const numberOption = (name: string): Record<string, number> =>
    o[name] === undefined ? {} : { [name]: o[name] as number };
  const env = process.env;
  // The engine's checks and defaults; `impl` is ours, so the shared resolver sees `engine`.
  const config = resolveNodeConfig({
    ...numberOption('idleTimeoutMs'),
    ...numberOption('absoluteTimeoutMs'),
    ...numberOption('maxSessionBytes'),
    ...numberOption('storeTimeoutMs'),
    impl: 'engine',
    host: String(o.host),
    port: o.port as number,
    nodeId: String(o.nodeId),
    ...(o.storeUrl === undefined
      ? process.env.SESSIONLAB_STORE_URL === undefined
        ? {}
        : { storeUrl: process.env.SESSIONLAB_STORE_URL }
      : { storeUrl: String(o.storeUrl) }),
    ...(env.SESSIONLAB_PASSWORD === undefined ? {} : { password: env.SESSIONLAB_PASSWORD }),
    ...(env.SESSIONLAB_SIGNING_KEYS === undefined
      ? {}
      : { signingKeys: env.SESSIONLAB_SIGNING_KEYS }),
    trustedProxies: o.trustedProxy as string[],
    logLevel: String(o.logLevel),
  });
  return { impl: impl as BenchImpl, config };
}

async function createServerFor(
  impl: BenchImpl,
  config: NodeConfig,
): Promise<{ server: Server; close(): Promise<void> }> {
  const logger = pino({ level: config.logLevel, base: { node: config.nodeId } });
  if (impl === 'express-nosession') {
    const app = createNoSessionApp(config, logger, new NodeMetrics(config.nodeId));
    return { server: app.listen(config.port, config.host), close: async () => undefined };
  }
  if (impl === 'static-http') {
    return {
      server: createStaticHttpServer(config).listen(config.port, config.host),
      close: async () => undefined,
    };
  }
  if (impl === 'raw-ioredis-get' || impl === 'raw-pg-select') {
    const create = impl === 'raw-ioredis-get' ? createRawRedisServer : createRawPostgresServer;
    const raw = await create(config);
    return { server: raw.server.listen(config.port, config.host), close: raw.close };
  }
  if (impl === 'raw-memcached-get') {
    const raw = await createRawMemcachedServer(config);
    return { server: raw.server.listen(config.port, config.host), close: raw.close };
  }
  const onError = (error: Error): void =>
    logger.warn({ err: error.message }, 'store connection error');
  const store = createStoreFromUrl(config.storeUrl, { timeoutMs: config.storeTimeoutMs, onError });
  await store.connect();
  const server = createEngineHttpServer(config, createReferenceEngine(config, store));
  return { server: server.listen(config.port, config.host), close: () => store.close() };
}

async function main(): Promise<void> {
  const { impl, config } = parseArgs(process.argv);
  const { server, close } = await createServerFor(impl, config);
  await serveNode(server, config, close);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bench-reference-server: ${message}\n`);
  process.exit(1);
});
