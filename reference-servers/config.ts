/**
 * The configuration both reference servers take: where to listen, which store, the test
 * password, timeouts, keyrings and flaws. Checked first, then filled with defaults.
 */
import { InvalidOptionError } from '../core/errors.ts';
import {
  COOKIE_FORMATS,
  DEFAULT_SESSION_OPTIONS,
  checkLifetimeOptions,
} from '../session/options.ts';
import type { CookieFormat, RingKey } from '../session/options.ts';
import { parseStoreUrl } from '../stores/from-url.ts';
import { DEFAULT_ADAPTER_PREFIX } from './adapters/contract-routes.ts';
import { ENVELOPE_FLAWS, FLAWS, isFlaw } from './flaws.ts';
import type { Flaw } from './flaws.ts';

/** Small apps on their own session library with the drop-in adapter mounted (adapter-apps.ts). */
export const ADAPTER_IMPLS = ['adapter-express', 'adapter-fastify', 'adapter-koa'] as const;
export const IMPLS = ['engine', 'express-session', ...ADAPTER_IMPLS] as const;
export type Impl = (typeof IMPLS)[number];

export type AdapterImpl = (typeof ADAPTER_IMPLS)[number];

export function isAdapterImpl(impl: string): impl is AdapterImpl {
  return (ADAPTER_IMPLS as readonly string[]).includes(impl);
}

/** Where a node answers the contract: the adapters are mounted under a prefix, the rest at `/`. */
export function contractPathOf(impl: string): string {
  return isAdapterImpl(impl) ? DEFAULT_ADAPTER_PREFIX : '';
}

/**
 * Bench-only servers (reference-servers/bench/): baselines, the engine on bare node:http, and
 * the load generator's ceiling.
 */
export const BENCH_IMPLS = [
  'express-nosession',
  'engine-http',
  'raw-ioredis-get',
  'raw-pg-select',
  'raw-memcached-get',
  'static-http',
] as const;
export type BenchImpl = (typeof BENCH_IMPLS)[number];

export interface NodeConfigInput {
  impl?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Short id in X-Node-Id. @default 'n1' */
  nodeId?: string;
  /** See stores/from-url.ts. @default 'redis://127.0.0.1:6379' */
  storeUrl?: string;
  password?: string;
  /** @default DEFAULT_SESSION_OPTIONS.idleTimeoutMs */
  idleTimeoutMs?: number;
  /** @default DEFAULT_SESSION_OPTIONS.absoluteTimeoutMs */
  absoluteTimeoutMs?: number;
  /** @default DEFAULT_SESSION_OPTIONS.maxSessionBytes */
  maxSessionBytes?: number;
  /** @default DEFAULT_SESSION_OPTIONS.storeTimeoutMs */
  storeTimeoutMs?: number;
  /** Replicas that must hold each login, rotation and logout (redis WAIT; claims `failover`). @default 0 */
  replicaAcks?: number;
  /** `id:secret,id:secret`, primary first. */
  signingKeys?: string;
  /** `id:secret,...`; empty: no encryption at rest. @default '' */
  encryptionKeys?: string;
  /** Keys the user-index hash (HMAC), >= 32 characters, the same on every node. @default unset */
  userIndexSecret?: string;
  /** Addresses whose X-Forwarded-Proto is believed. @default [] */
  trustedProxies?: string[];
  flaws?: string[];
  /** How the engine carries the id in its cookie (an `envelope-*` flaw implies envelope). @default 'signed' */
  cookieFormat?: string;
  /** pino level. @default 'info' */
  logLevel?: string;
}

export interface NodeConfig {
  impl: Impl;
  port: number;
  host: string;
  nodeId: string;
  storeUrl: string;
  password: string;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  maxSessionBytes: number;
  storeTimeoutMs: number;
  replicaAcks: number;
  signingKeys: RingKey[];
  encryptionKeys: RingKey[];
  userIndexSecret: string | undefined;
  trustedProxies: string[];
  flaws: Set<Flaw>;
  cookieFormat: CookieFormat;
  logLevel: string;
}

export const DEFAULT_NODE_CONFIG = {
  impl: 'engine',
  port: 0,
  host: '127.0.0.1',
  nodeId: 'n1',
  storeUrl: 'redis://127.0.0.1:6379',
  idleTimeoutMs: DEFAULT_SESSION_OPTIONS.idleTimeoutMs,
  absoluteTimeoutMs: DEFAULT_SESSION_OPTIONS.absoluteTimeoutMs,
  maxSessionBytes: DEFAULT_SESSION_OPTIONS.maxSessionBytes,
  storeTimeoutMs: DEFAULT_SESSION_OPTIONS.storeTimeoutMs,
  replicaAcks: 0,
  logLevel: 'info',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `k2:secret,k1:secret` → ring keys (secrets may contain ':' but not ','). */
export function parseRing(field: string, text: string): RingKey[] {
  if (text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new InvalidOptionError(`invalid ${field} entry: expected id:secret`);
    return { id: entry.slice(0, colon), secret: entry.slice(colon + 1) };
  });
}

function port(value: number | undefined): number {
  if (value === undefined) return DEFAULT_NODE_CONFIG.port;
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new InvalidOptionError(`invalid port ${value}: expected an integer from 0 to 65535`);
  return value;
}

export function resolveNodeConfig(input: NodeConfigInput): NodeConfig {
  const d = DEFAULT_NODE_CONFIG;
  const impl = input.impl ?? d.impl;
  if (!(IMPLS as readonly string[]).includes(impl))
    throw new InvalidOptionError(`invalid impl "${impl}": expected ${IMPLS.join(' | ')}`);
  const storeUrl = input.storeUrl ?? d.storeUrl;
  parseStoreUrl(storeUrl);
  if (!input.password)
    throw new InvalidOptionError('password: expected the test password (SESSIONLAB_PASSWORD)');
  if (!input.signingKeys)
    throw new InvalidOptionError(
      'signingKeys: expected id:secret[,id:secret] (SESSIONLAB_SIGNING_KEYS)',
    );
  const nodeId = input.nodeId ?? d.nodeId;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(nodeId))
    throw new InvalidOptionError(`invalid nodeId "${nodeId}": expected [A-Za-z0-9_-]{1,32}`);
  const logLevel = input.logLevel ?? d.logLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new InvalidOptionError(
      `invalid logLevel "${logLevel}": expected ${LOG_LEVELS.join(' | ')}`,
    );
  const flaws = new Set<Flaw>();
  for (const name of input.flaws ?? []) {
    if (!isFlaw(name))
      throw new InvalidOptionError(
        `invalid flaw "${name}": expected ${Object.keys(FLAWS).join(' | ')}`,
      );
    flaws.add(name);
  }
  if (flaws.size > 0 && impl !== 'engine')
    throw new InvalidOptionError('flaws: only the engine server has flaw switches');
  checkLifetimeOptions(input);
  const format = input.cookieFormat ?? 'signed';
  if (!(COOKIE_FORMATS as readonly string[]).includes(format))
    throw new InvalidOptionError(
      `invalid cookieFormat "${format}": expected ${COOKIE_FORMATS.join(' | ')}`,
    );
  if (format !== 'signed' && impl !== 'engine')
    throw new InvalidOptionError('cookieFormat: only the engine server has cookie formats');
  const envelope = format === 'envelope' || ENVELOPE_FLAWS.some((f) => flaws.has(f));
  return {
    impl: impl as Impl,
    port: port(input.port),
    host: input.host ?? d.host,
    nodeId,
    storeUrl,
    password: input.password,
    idleTimeoutMs: input.idleTimeoutMs ?? d.idleTimeoutMs,
    absoluteTimeoutMs: input.absoluteTimeoutMs ?? d.absoluteTimeoutMs,
    maxSessionBytes: input.maxSessionBytes ?? d.maxSessionBytes,
    storeTimeoutMs: input.storeTimeoutMs ?? d.storeTimeoutMs,
    replicaAcks: input.replicaAcks ?? d.replicaAcks,
    signingKeys: parseRing('signingKeys', input.signingKeys),
    encryptionKeys: parseRing('encryptionKeys', input.encryptionKeys ?? ''),
    userIndexSecret: input.userIndexSecret,
    trustedProxies: [...(input.trustedProxies ?? [])],
    flaws,
    cookieFormat: envelope ? 'envelope' : 'signed',
    logLevel,
  };
}
