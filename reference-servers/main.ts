/**
 * Entry of one reference-server node: `node --import tsx reference-servers/main.ts --impl engine
 * --port 8081 --node-id n1 --store-url redis://127.0.0.1:6379 [--flaw NAME ...]`, with the test
 * password and keys in SESSIONLAB_PASSWORD / SESSIONLAB_SIGNING_KEYS / SESSIONLAB_ENCRYPTION_KEYS.
 * A store URL with credentials belongs in SESSIONLAB_STORE_URL (not in argv, which `ps` shows);
 * --store-url wins over it.
 * Prints one JSON line `{"listening": "http://host:port"}` when ready; SIGTERM stops it cleanly.
 */
import type { Server } from 'node:http';
import { Command } from 'commander';
import { pino } from 'pino';
import { createStoreFromUrl } from '../stores/from-url.ts';
import { redactUrl } from '../core/redact.ts';
import { IMPLS, isAdapterImpl, resolveNodeConfig } from './config.ts';
import { serveNode } from './serve.ts';
import type { NodeConfig } from './config.ts';
import type { Logger } from 'pino';
import { createEngineApp } from './engine-app.ts';
import { FLAWS } from './flaws.ts';
import { NodeMetrics } from './metrics.ts';
import { MemoryStore } from '../stores/memory.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseArgs(argv: string[]): NodeConfig {
  const program = new Command('reference-server')
    .option('--impl <impl>', IMPLS.join(' | '), 'engine')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', Number, 0)
    .option('--node-id <id>', 'short id sent in X-Node-Id', 'n1')
    .option(
      '--store-url <url>',
      'redis:// | redis-cluster:// | redis-sentinel:// | memcached:// | memory://',
    )
    .option('--idle-timeout-ms <ms>', 'idle timeout', Number)
    .option('--absolute-timeout-ms <ms>', 'absolute timeout (0: none)', Number)
    .option('--max-session-bytes <n>', 'largest stored session', Number)
    .option('--store-timeout-ms <ms>', 'deadline of every store call', Number)
    .option('--replica-acks <n>', 'redis replicas that must hold each login and logout', Number)
    .option(
      '--trusted-proxy <address>',
      'believe X-Forwarded-Proto from this address (repeatable)',
      collect,
      [],
    )
    .option(
      '--flaw <name>',
      `break one guarantee (repeatable): ${Object.keys(FLAWS).join(', ')}`,
      collect,
      [],
    )
    .option('--cookie-format <format>', 'engine cookie: signed | envelope', 'signed')
    .option('--log-level <level>', 'pino level', 'info')
    .parse(argv);
  const o = program.opts<Record<string, unknown>>();
  const env = process.env;
  return resolveNodeConfig({
    impl: o.impl as string,
    host: o.host as string,
    port: o.port as number,
    nodeId: o.nodeId as string,
    ...(o.storeUrl === undefined
      ? env.SESSIONLAB_STORE_URL === undefined
        ? {}
        : { storeUrl: env.SESSIONLAB_STORE_URL }
      : { storeUrl: o.storeUrl as string }),
    ...(env.SESSIONLAB_PASSWORD === undefined ? {} : { password: env.SESSIONLAB_PASSWORD }),
    ...(env.SESSIONLAB_SIGNING_KEYS === undefined
      ? {}
      : { signingKeys: env.SESSIONLAB_SIGNING_KEYS }),
    ...(env.SESSIONLAB_ENCRYPTION_KEYS === undefined
      ? {}
      : { encryptionKeys: env.SESSIONLAB_ENCRYPTION_KEYS }),
    ...(env.SESSIONLAB_USER_INDEX_SECRET === undefined
      ? {}
      : { userIndexSecret: env.SESSIONLAB_USER_INDEX_SECRET }),
    ...(o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.idleTimeoutMs as number }),
    ...(o.absoluteTimeoutMs === undefined
      ? {}
      : { absoluteTimeoutMs: o.absoluteTimeoutMs as number }),
    ...(o.maxSessionBytes === undefined ? {} : { maxSessionBytes: o.maxSessionBytes as number }),
    ...(o.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: o.storeTimeoutMs as number }),
    ...(o.replicaAcks === undefined ? {} : { replicaAcks: o.replicaAcks as number }),
    trustedProxies: o.trustedProxy as string[],
    flaws: o.flaw as string[],
    cookieFormat: o.cookieFormat as string,
    logLevel: o.logLevel as string,
  });
}

async function startApp(
  config: NodeConfig,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<{ server: Server; close(): Promise<void> }> {
  // The library apps load on demand: an engine node (most nodes the harness starts) never pays
  // for fastify, koa and express-session.
  if (isAdapterImpl(config.impl)) {
    const { ADAPTER_APPS } = await import('./adapter-apps.ts');
    const { server, close } = await ADAPTER_APPS[config.impl](config, logger, metrics);
    return { server: server.listen(config.port, config.host), close };
  }
  if (config.impl === 'engine') {
    const onError = (error: Error): void =>
      logger.warn({ err: error.message }, 'store connection error');
    const raw = config.flaws.has('memory-store')
      ? new MemoryStore()
      : createStoreFromUrl(config.storeUrl, {
          timeoutMs: config.storeTimeoutMs,
          onError,
          // The flaw claims `failover` but acknowledges before any replica holds the write.
          replicaAcks: config.flaws.has('no-replica-acks') ? 0 : config.replicaAcks,
        });
    const store = metrics.instrument(raw);
    await store.connect();
    const app = createEngineApp(config, store, logger, metrics);
    return { server: app.listen(config.port, config.host), close: () => store.close() };
  }
  const { createExpressSessionApp } = await import('./express-session-app.ts');
  const { app, close } = await createExpressSessionApp(config, logger, metrics);
  return { server: app.listen(config.port, config.host), close };
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv);
  const logger = pino({ level: config.logLevel, base: { node: config.nodeId } });
  const metrics = new NodeMetrics(config.nodeId);
  const { server, close } = await startApp(config, logger, metrics);
  const port = await serveNode(server, config, close);
  logger.info(
    { impl: config.impl, store: redactUrl(config.storeUrl), port, flaws: [...config.flaws] },
    'node ready',
  );
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`reference-server: ${redactUrl(message)}\n`);
  process.exit(1);
});
