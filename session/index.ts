/** The engine's public surface: `import { createSessionEngine } from 'sessionlab/session'`. */
export { SessionEngine, createSessionEngine } from './engine.ts';
export type { SessionEvent, SessionEventType } from './engine.ts';
export { Session } from './session.ts';
export type { RegenerateOptions } from './session.ts';
export { DEFAULT_SESSION_OPTIONS } from './options.ts';
export type { RingKey, SessionOptions } from './options.ts';
export { sessionMiddleware, sessionOf } from './express.ts';
export { withSession, sendError } from './http.ts';
export * from '../core/errors.ts';
