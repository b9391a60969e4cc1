/**
 * Every error sessionlab throws on purpose, in one coded hierarchy. Callers branch on `code`,
 * never on the message. `message` is for the logs (it may name an address); `publicMessage` is
 * what a client may see, in public words.
 */

export type SessionlabErrorCode =
  | 'SESSIONLAB_ERR_STORE_UNAVAILABLE'
  | 'SESSIONLAB_ERR_STORE_CONFLICT'
  | 'SESSIONLAB_ERR_SESSION_TOO_LARGE'
  | 'SESSIONLAB_ERR_COOKIE_HEADER_TOO_LARGE'
  | 'SESSIONLAB_ERR_NOT_INTEGER'
  | 'SESSIONLAB_ERR_SESSION_GONE'
  | 'SESSIONLAB_ERR_INVALID_OPTION'
  | 'SESSIONLAB_ERR_INVALID_ARGUMENT'
  | 'SESSIONLAB_ERR_BAD_REQUEST'
  | 'SESSIONLAB_ERR_USAGE'
  | 'SESSIONLAB_ERR_TARGET'
  | 'SESSIONLAB_ERR_STEP'
  | 'SESSIONLAB_ERR_BAD_RESULTS';

export class SessionlabError extends Error {
  readonly code: SessionlabErrorCode;
  /** What a client may be told; never an address, a credential or a stack. */
  readonly publicMessage: string;

  constructor(
    code: SessionlabErrorCode,
    message: string,
    options?: ErrorOptions & { publicMessage?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.publicMessage = options?.publicMessage ?? message;
  }
}

/** The store did not answer within the deadline, or refused: fail closed (HTTP 503). */
export class StoreUnavailableError extends SessionlabError {
  constructor(message: string, options?: ErrorOptions) {
    super('SESSIONLAB_ERR_STORE_UNAVAILABLE', message, {
      ...options,
      publicMessage: 'session store unavailable; try again shortly',
    });
  }
}

/** Optimistic concurrency gave up after its bounded retries (HTTP 503, safe to retry). */
export class StoreConflictError extends SessionlabError {
  constructor(message: string) {
    super('SESSIONLAB_ERR_STORE_CONFLICT', message, {
      publicMessage: 'the session is busy with other requests; try again',
    });
  }
}

/** A commit would push the stored session over maxSessionBytes; nothing changed (HTTP 413). */
export class SessionTooLargeError extends SessionlabError {
  readonly bytes: number;
  readonly maxBytes: number;

  constructor(bytes: number, maxBytes: number) {
    super(
      'SESSIONLAB_ERR_SESSION_TOO_LARGE',
      `session would hold ${bytes} bytes, over the limit of ${maxBytes}; nothing was written`,
    );
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/**
 * The Cookie header is over the limit: answered 431 without reading or writing any session,
 * so planted cookies cannot push the user's session cookie out (a forced logout).
 */
export class CookieHeaderTooLargeError extends SessionlabError {
  constructor(bytes: number, maxBytes: number) {
    super(
      'SESSIONLAB_ERR_COOKIE_HEADER_TOO_LARGE',
      `Cookie header of ${bytes} bytes, over the limit of ${maxBytes}; remove some cookies`,
    );
  }
}

/** A counter increment hit a value that is not an integer; nothing changed (HTTP 409). */
export class NotIntegerError extends SessionlabError {
  readonly key: string;

  constructor(key: string) {
    super('SESSIONLAB_ERR_NOT_INTEGER', `session key "${key}" does not hold an integer counter`);
    this.key = key;
  }
}

/**
 * The session ended (logout, expiry, rotation) while the request ran; its changes were
 * dropped rather than bring the session back.
 */
export class SessionGoneError extends SessionlabError {
  constructor() {
    super('SESSIONLAB_ERR_SESSION_GONE', 'the session ended while this request ran; log in again');
  }
}

/** A configuration value is invalid: thrown at start-up, naming the field and what is allowed. */
export class InvalidOptionError extends SessionlabError {
  constructor(message: string) {
    super('SESSIONLAB_ERR_INVALID_OPTION', message, { publicMessage: 'server misconfigured' });
  }
}

/** A caller passed a value the engine cannot accept (bad key name, value not JSON). */
export class InvalidArgumentError extends SessionlabError {
  constructor(message: string) {
    super('SESSIONLAB_ERR_INVALID_ARGUMENT', message);
  }
}

/** A request a reference server refuses, with the 4xx status to answer. */
export class ClientError extends SessionlabError {
  readonly status: number;

  constructor(status: number, message: string) {
    super('SESSIONLAB_ERR_BAD_REQUEST', message);
    this.status = status;
  }
}

/** A command-line mistake: reported in one line, exit code EXIT.usage. */
export class UsageError extends SessionlabError {
  constructor(message: string, options?: ErrorOptions) {
    super('SESSIONLAB_ERR_USAGE', message, options);
  }
}

/** The target under test cannot be used (no contract document, bad profile answer). */
export class TargetError extends SessionlabError {
  constructor(message: string, options?: ErrorOptions) {
    super('SESSIONLAB_ERR_TARGET', message, options);
  }
}

/** A step a check relies on (log in, write) did not complete: the verdict is UNKNOWN. */
export class StepError extends SessionlabError {
  constructor(message: string, options?: ErrorOptions) {
    super('SESSIONLAB_ERR_STEP', message, options);
  }
}

/** `results.json` is missing, unreadable, not JSON, or not schema 1. */
export class ResultsError extends SessionlabError {
  constructor(message: string, options?: ErrorOptions) {
    super('SESSIONLAB_ERR_BAD_RESULTS', message, options);
  }
}

const STATUS_BY_CODE: Record<SessionlabErrorCode, number> = {
  SESSIONLAB_ERR_STORE_UNAVAILABLE: 503,
  SESSIONLAB_ERR_STORE_CONFLICT: 503,
  SESSIONLAB_ERR_SESSION_TOO_LARGE: 413,
  SESSIONLAB_ERR_COOKIE_HEADER_TOO_LARGE: 431,
  SESSIONLAB_ERR_NOT_INTEGER: 409,
  SESSIONLAB_ERR_SESSION_GONE: 409,
  SESSIONLAB_ERR_INVALID_OPTION: 500,
  SESSIONLAB_ERR_INVALID_ARGUMENT: 400,
  SESSIONLAB_ERR_BAD_REQUEST: 400,
  SESSIONLAB_ERR_USAGE: 500,
  SESSIONLAB_ERR_TARGET: 500,
  SESSIONLAB_ERR_STEP: 500,
  SESSIONLAB_ERR_BAD_RESULTS: 500,
};

/** The HTTP status an error maps to: the client's mistakes are 4xx, store trouble 503. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof ClientError) return error.status;
  return error instanceof SessionlabError ? STATUS_BY_CODE[error.code] : 500;
}

/** The body text a client may see for `error`: its public message, or a generic one. */
export function publicMessageOf(error: unknown): string {
  return error instanceof SessionlabError ? error.publicMessage : 'internal error';
}
