/**
 * The configuration both reference servers take: where to listen, which store, the test
 * password, timeouts, keyrings and flaws. Checked first, then filled with defaults.
 */
import { InvalidOptionError } from '../core/errors.ts';
import type { RingKey } from '../session/options.ts';
import { parseStoreUrl } from '../stores/from-url.ts';
import { FLAWS, isFlaw } from './flaws.ts';
import type { Flaw } from './flaws.ts';

export const IMPLS = ['engine', 'express-session'] as const;
export type Impl = (typeof IMPLS)[number];

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
  /** @default 1_800_000 */
  idleTimeoutMs?: number;
  /** @default 43_200_000 */
  absoluteTimeoutMs?: number;
  /** @default 65_536 */
  maxSessionBytes?: number;
  /** @default 1000 */
  storeTimeoutMs?: number;
  /** `id:secret,id:secret`, primary first. */
  signingKeys?: string;
  /** `id:secret,...`; empty: no encryption at rest. @default '' */
  encryptionKeys?: string;
  /** Addresses whose X-Forwarded-Proto is believed. @default [] */
  trustedProxies?: string[];
  flaws?: string[];
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
  signingKeys: RingKey[];
  encryptionKeys: RingKey[];
  trustedProxies: string[];
  flaws: Set<Flaw>;
  logLevel: string;
}

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

function integer(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new InvalidOptionError(`invalid ${field} ${value}: expected an integer >= ${min}`);
  return value;
}

export function resolveNodeConfig(input: NodeConfigInput): NodeConfig {
  const impl = input.impl ?? 'engine';
  if (!(IMPLS as readonly string[]).includes(impl))
    throw new InvalidOptionError(`invalid impl "${impl}": expected ${IMPLS.join(' | ')}`);
  const storeUrl = input.storeUrl ?? 'redis://127.0.0.1:6379';
  parseStoreUrl(storeUrl);
  if (!input.password)
    throw new InvalidOptionError('password: expected the test password (SESSIONLAB_PASSWORD)');
  if (!input.signingKeys)
    throw new InvalidOptionError(
      'signingKeys: expected id:secret[,id:secret] (SESSIONLAB_SIGNING_KEYS)',
    );
  const nodeId = input.nodeId ?? 'n1';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(nodeId))
    throw new InvalidOptionError(`invalid nodeId "${nodeId}": expected [A-Za-z0-9_-]{1,32}`);
  const logLevel = input.logLevel ?? 'info';
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
  return {
    impl: impl as Impl,
    port: integer('port', input.port, 0, 0),
    host: input.host ?? '127.0.0.1',
    nodeId,
    storeUrl,
    password: input.password,
    idleTimeoutMs: integer('idleTimeoutMs', input.idleTimeoutMs, 1_800_000, 1000),
    absoluteTimeoutMs: integer('absoluteTimeoutMs', input.absoluteTimeoutMs, 43_200_000, 0),
    maxSessionBytes: integer('maxSessionBytes', input.maxSessionBytes, 65_536, 0),
    storeTimeoutMs: integer('storeTimeoutMs', input.storeTimeoutMs, 1000, 1),
    signingKeys: parseRing('signingKeys', input.signingKeys),
    encryptionKeys: parseRing('encryptionKeys', input.encryptionKeys ?? ''),
    trustedProxies: [...(input.trustedProxies ?? [])],
    flaws,
    logLevel,
  };
}
