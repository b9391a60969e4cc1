/**
 * The wire types of ../shared/CONTRACT.md, version 1: what every target answers, whatever it
 * is written in. The reference servers produce these; the scenarios read them.
 */

export const CONTRACT_VERSION = 1;

/** Test user names (CONTRACT.md "Authentication"). */
export const USER_PATTERN = /^[a-z0-9_-]{1,32}$/;
/** Session data keys (CONTRACT.md "Session data"); anything else is 400. */
export const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Optional behaviours a target may claim in `GET /contract`: the contract's own two, and the
 * extensions this project's checks know (`encrypt-at-rest`: stored values are sealed;
 * `durable-store`: sessions survive a restart of the store; `failover`: acknowledged logins and
 * logouts survive a failover of the store to a replica).
 */
export const CAPABILITIES = [
  'logout-all',
  'carry-over',
  'encrypt-at-rest',
  'durable-store',
  'failover',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Answered by `GET /contract`: the target's declared behaviour. */
export interface ContractDocument {
  contract: typeof CONTRACT_VERSION;
  node: string;
  cookieName: string;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  maxSessionBytes: number;
  /** Claimed capabilities; a target may list ones this project does not know. */
  capabilities: string[];
  [extension: string]: unknown;
}

/** Every error body (CONTRACT.md "Every response"). */
export interface ErrorBody {
  error: string;
}

/** `POST /login` → 200 and `GET /me` → 200. */
export interface MeBody {
  user: string;
  createdAt?: number;
}
