/**
 * The routes of ../shared/CONTRACT.md over an app's OWN session library, whatever the framework:
 * each adapter (express.ts, fastify.ts, koa.ts) maps these handlers onto its router and its
 * library's session object. Input is checked before the session is touched (a client's mistake
 * is 4xx even when the store is down); everything else is the library's own behaviour, unfixed:
 * login uses its regenerate, logout its destroy, and data is read-modify-write of its session.
 */
import { CONTRACT_VERSION } from '../../core/contract.ts';
import type { ContractDocument } from '../../core/contract.ts';
import {
  ClientError,
  InvalidOptionError,
  SessionlabError,
  httpStatusOf,
  publicMessageOf,
} from '../../core/errors.ts';
import { requireCredentials, requireKey, requireValue } from '../http-common.ts';

/** Where the README mounts an adapter; the catalogue is then pointed at `http://node/_sessionlab`. */
export const DEFAULT_ADAPTER_PREFIX = '/_sessionlab';

export interface ContractAdapterOptions {
  /** The app's own password check for the test user (the catalogue sends the same password). */
  checkPassword(user: string, password: string): boolean | Promise<boolean>;
  /** Short id sent in X-Node-Id, different on every node ([A-Za-z0-9_-]{1,32}). */
  nodeId: string;
  /**
   * The limit the deployment expects. None of the three libraries enforces one, so a target that
   * declares it fails SL-IN-02/03 honestly. @default 65536
   */
  maxSessionBytes?: number;
  /** Capabilities the app can vouch for, e.g. `durable-store` for a redis with AOF. @default [] */
  capabilities?: string[];
  /** Called with every error answered 5xx (a store error, a bug): log it there. @default none */
  onServerError?(error: unknown): void;
}

/** What the library reports of its own settings, read from the options the app gave it. */
export interface LibrarySettings {
  /** The library's name, reported as `impl` in `GET /contract`. */
  library: string;
  cookieName: string;
  idleTimeoutMs: number;
}

/** The adapter's part of a session, kept in the library's session under the key `sessionlab`. */
export interface AdapterState {
  user?: string;
  /** Epoch ms of the first anonymous write or of the login. */
  createdAt?: number;
  data?: Record<string, unknown>;
}

/** The library's session for one request, as the contract needs it. */
export interface LibrarySession {
  read(): AdapterState | undefined;
  /** Replaces the adapter's state; the library saves it when the response is sent. */
  write(state: AdapterState): void;
  /** The library's own regenerate: a new id, the old one destroyed in the store. */
  regenerate(): Promise<void>;
  /** The library's own destroy: removed from the store, cookie cleared. */
  destroy(): Promise<void>;
}

export interface ContractReply {
  status: number;
  /** JSON body; none with 204. */
  body?: unknown;
}

type Params = Record<string, unknown>;

export interface ContractRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the prefix, `:key` as the one parameter. */
  path: string;
  /** Runs before the session is loaded: a client's mistake never reaches the store. */
  validate?(params: Params, body: unknown): unknown;
  handle(session: LibrarySession, params: Params, body: unknown): Promise<ContractReply>;
  /** False for routes that never load the session (`GET /contract`, `POST /logout-all`). */
  usesSession: boolean;
}

export const DEFAULT_CONTRACT_ADAPTER_OPTIONS = { maxSessionBytes: 65_536, capabilities: [] };

/** Own keys only: `__proto__` or `constructor` is a session key like any other. */
function readKey(data: Record<string, unknown> | undefined, key: string): unknown {
  return data !== undefined && Object.hasOwn(data, key) ? data[key] : undefined;
}

function withKey(state: AdapterState, key: string, value: unknown): AdapterState {
  const data = { ...state.data };
  Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
  return { ...state, createdAt: state.createdAt ?? Date.now(), data };
}

const keyOf = (params: Params): string =>
  requireKey(typeof params.key === 'string' ? params.key : undefined);

/** Checks the options first (naming the field), then builds the route table. */
export function contractRoutes(
  options: ContractAdapterOptions,
  settings: LibrarySettings,
): ContractRoute[] {
  if (typeof options.checkPassword !== 'function')
    throw new InvalidOptionError('checkPassword: expected a function (user, password) => boolean');
  if (typeof options.nodeId !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(options.nodeId))
    throw new InvalidOptionError(
      `invalid nodeId "${options.nodeId}": expected [A-Za-z0-9_-]{1,32}`,
    );
  if (!Number.isInteger(settings.idleTimeoutMs) || settings.idleTimeoutMs <= 0)
    throw new InvalidOptionError(
      `${settings.library}: the session cookie needs a maxAge in ms (it is the idle timeout the target declares)`,
    );
  const maxSessionBytes =
    options.maxSessionBytes ?? DEFAULT_CONTRACT_ADAPTER_OPTIONS.maxSessionBytes;
  if (!Number.isInteger(maxSessionBytes) || maxSessionBytes <= 0)
    throw new InvalidOptionError(
      `invalid maxSessionBytes ${maxSessionBytes}: expected an integer > 0`,
    );
  const contract: ContractDocument = {
    contract: CONTRACT_VERSION,
    node: options.nodeId,
    cookieName: settings.cookieName,
    idleTimeoutMs: settings.idleTimeoutMs,
    // None of the libraries ends a session a fixed time after login.
    absoluteTimeoutMs: 0,
    maxSessionBytes,
    // carry-over: login copies the anonymous data into the regenerated session.
    capabilities: ['carry-over', ...(options.capabilities ?? [])],
    impl: `${settings.library} adapter`,
  };
  const ok = (body: unknown): ContractReply => ({ status: 200, body });
  const noContent: ContractReply = { status: 204 };

  return [
    { method: 'GET', path: '/contract', usesSession: false, handle: async () => ok(contract) },
    {
      method: 'POST',
      path: '/login',
      usesSession: true,
      validate: async (_params, body) => {
        const { user, password } = requireCredentials(body);
        if (!(await options.checkPassword(user, password)))
          throw new ClientError(401, 'wrong user name or password');
      },
      handle: async (session, _params, body) => {
        const { user } = requireCredentials(body);
        const carried = session.read()?.data;
        await session.regenerate();
        session.write({ user, createdAt: Date.now(), ...(carried ? { data: carried } : {}) });
        return ok({ user });
      },
    },
    {
      method: 'GET',
      path: '/me',
      usesSession: true,
      handle: async (session) => {
        const { user, createdAt } = session.read() ?? {};
        if (user === undefined) throw new ClientError(401, 'not logged in');
        return ok({ user, createdAt });
      },
    },
    {
      method: 'POST',
      path: '/logout',
      usesSession: true,
      handle: async (session) => {
        await session.destroy();
        return noContent;
      },
    },
    {
      method: 'POST',
      path: '/logout-all',
      usesSession: false,
      handle: async () => {
        throw new ClientError(404, `logout-all is not supported by ${settings.library}`);
      },
    },
    {
      method: 'GET',
      path: '/session/data',
      usesSession: true,
      handle: async (session) => ok({ data: session.read()?.data ?? {} }),
    },
    {
      method: 'GET',
      path: '/session/data/:key',
      usesSession: true,
      validate: keyOf,
      handle: async (session, params) => {
        const value = readKey(session.read()?.data, keyOf(params));
        if (value === undefined) throw new ClientError(404, 'no such key');
        return ok({ value });
      },
    },
    {
      method: 'PUT',
      path: '/session/data/:key',
      usesSession: true,
      validate: (params, body) => {
        keyOf(params);
        requireValue(body);
      },
      handle: async (session, params, body) => {
        session.write(withKey(session.read() ?? {}, keyOf(params), requireValue(body)));
        return noContent;
      },
    },
    {
      method: 'DELETE',
      path: '/session/data/:key',
      usesSession: true,
      validate: keyOf,
      handle: async (session, params) => {
        const state = session.read();
        const key = keyOf(params);
        if (state?.data !== undefined && Object.hasOwn(state.data, key)) {
          const data = { ...state.data };
          delete data[key];
          session.write({ ...state, data });
        }
        return noContent;
      },
    },
    {
      // Read-modify-write of the library's session: concurrent increments overwrite each other.
      method: 'POST',
      path: '/session/counter/:key',
      usesSession: true,
      validate: keyOf,
      handle: async (session, params) => {
        const key = keyOf(params);
        const state = session.read() ?? {};
        const current = readKey(state.data, key) ?? 0;
        if (!Number.isInteger(current))
          throw new ClientError(409, `session key "${key}" does not hold an integer counter`);
        const value = (current as number) + 1;
        session.write(withKey(state, key, value));
        return ok({ value });
      },
    },
  ];
}

/**
 * The JSON error body and status of anything a handler or the framework threw: a
 * SessionlabError keeps its code's status and public words; a framework's 4xx (bad JSON, wrong
 * content type) stays 4xx; anything else, a store error included, is 500 `internal error`.
 */
export function errorReply(error: unknown): ContractReply {
  if (error instanceof SessionlabError)
    return { status: httpStatusOf(error), body: { error: publicMessageOf(error) } };
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const given = status ?? statusCode;
  if (typeof given === 'number' && given >= 400 && given < 500)
    return { status: given, body: { error: 'the request could not be understood' } };
  return { status: 500, body: { error: 'internal error' } };
}
