/**
 * The normative statements of ../shared/CONTRACT.md as data: a stable id and the sentence quoted
 * exactly. Each check names the statements it exercises (`covers`), so the coverage table is
 * generated (coverage.ts) and a statement no check can fail is a test failure, not a claim.
 * Ids never change meaning; a new statement gets a new id.
 */

export const CONTRACT_STATEMENTS = {
  'target.shared': {
    section: 'Session contract',
    quote: 'A *target* is a group of nodes (server processes) that share sessions',
  },
  'every.node-id': {
    section: 'Every response',
    quote:
      'Carries the header `X-Node-Id: <id>`: a short id, stable for the life of the node and different on every node of the target.',
  },
  'every.json': {
    section: 'Every response',
    quote: 'Bodies are JSON (`content-type: application/json`) unless the status is 204.',
  },
  'every.no-store': {
    section: 'Every response',
    quote: 'Responses that read or write a session carry `Cache-Control: no-store`.',
  },
  'every.error-shape': {
    section: 'Every response',
    quote:
      'An error is `{"error": "<human readable message>"}` with a 4xx/5xx status. Never a stack trace, never a 200.',
  },
  'discovery.no-session': {
    section: 'Discovery',
    quote: '`GET /contract` -> 200, never creates a session',
  },
  'login.new-id': {
    section: 'Authentication',
    quote: '200 `{"user": "alice"}` and a `Set-Cookie` with a **new** session id.',
  },
  'login.old-id-dead': {
    section: 'Authentication',
    quote: 'Any id the client held before is dead from then on, on every node.',
  },
  'login.wrong-password': {
    section: 'Authentication',
    quote:
      '401 on a wrong password. The session the client held (if any) stays unauthenticated and keeps its data.',
  },
  'login.carry-over': {
    section: 'Authentication',
    quote: 'With capability `carry-over`, data written before login is still there after it.',
  },
  'me.answers': {
    section: 'Authentication',
    quote:
      '`GET /me` -> 200 `{"user": "alice", "createdAt": <epoch ms>}` for an authenticated session, 401 otherwise.',
  },
  'me.no-cookie-on-401': {
    section: 'Authentication',
    quote: 'Never creates a session, never sets a cookie when it answers 401.',
  },
  'logout.removes': {
    section: 'Authentication',
    quote:
      '`POST /logout` -> 204. The session is removed from the store; the response clears the cookie (`Max-Age=0` or a past `Expires`).',
  },
  'logout.everywhere': {
    section: 'Authentication',
    quote: 'Afterwards the old cookie gets 401 on `/me` and 404 on its data, on every node.',
  },
  'logout-all.ends-all': {
    section: 'Authentication',
    quote:
      '`POST /logout-all` (capability `logout-all`) -> 204. Ends every session of the current user, on every node, including ones held by other clients.',
  },
  'data.key-rule': {
    section: 'Session data',
    quote: 'Keys match `^[A-Za-z0-9_.-]{1,64}$`; anything else is 400.',
  },
  'data.anonymous-write': {
    section: 'Session data',
    quote:
      'Anonymous sessions may hold data: the first write creates the session and sets the cookie.',
  },
  'data.put': {
    section: 'Session data',
    quote: '`PUT /session/data/:key` body `{"value": <any JSON>}` -> 204.',
  },
  'data.get': {
    section: 'Session data',
    quote: '`GET /session/data/:key` -> 200 `{"value": <JSON>}`, or 404 when absent.',
  },
  'data.delete': {
    section: 'Session data',
    quote: '`DELETE /session/data/:key` -> 204 (also when absent).',
  },
  'data.get-all': {
    section: 'Session data',
    quote: '`GET /session/data` -> 200 `{"data": {"key": value, ...}}` (`{}` when no session).',
  },
  'data.counter': {
    section: 'Session data',
    quote:
      '`POST /session/counter/:key` -> 200 `{"value": <integer>}`: adds 1 to an integer counter (absent counts as 0). Concurrent increments from any nodes must all count.',
  },
  'data.concurrent-keys': {
    section: 'Session data',
    quote:
      'Two requests of the same session that write *different* keys at the same time must both persist.',
  },
  'data.size-limit': {
    section: 'Session data',
    quote:
      'A write that would make the stored session larger than `maxSessionBytes` is 413 and changes nothing.',
  },
  'lifetime.idle': {
    section: 'Lifetime',
    quote:
      'Idle timeout: a session that sees no request for `idleTimeoutMs` is gone, on every node.',
  },
  'lifetime.touch': {
    section: 'Lifetime',
    quote: 'A request on any node before that restarts the clock for all nodes.',
  },
  'lifetime.absolute': {
    section: 'Lifetime',
    quote:
      'Absolute timeout (when `absoluteTimeoutMs > 0`): the session ends that long after login, whatever the activity.',
  },
  'lifetime.bad-cookie': {
    section: 'Lifetime',
    quote:
      'Expired, destroyed, unknown, malformed or tampered session cookies are treated as no session: `/me` is 401, never 500',
  },
  'lifetime.never-adopt': {
    section: 'Lifetime',
    quote:
      'a new id is issued only when the server must create a session (an id sent by the client is never adopted).',
  },
  'cookie.attributes': {
    section: 'Cookie',
    quote: 'The session cookie is `HttpOnly`, has `SameSite` `Lax` or `Strict`, `Path=/`',
  },
  'cookie.secure': {
    section: 'Cookie',
    quote: 'is `Secure` whenever the request reached the load balancer over HTTPS.',
  },
  'cookie.entropy': {
    section: 'Cookie',
    quote: 'The id carries at least 128 bits from a cryptographic random source.',
  },
  'store.fail-closed': {
    section: 'Failure of the store',
    quote:
      'When the session store cannot be reached, any request that needs the session answers 503 `{"error": ...}` within 2 seconds: it is neither treated as anonymous (no 401 that would log the user out, no new cookie) nor served from stale local state.',
  },
  'store.resume': {
    section: 'Failure of the store',
    quote: 'When the store comes back, sessions it still holds work again without a new login.',
  },
} as const satisfies Record<string, { section: string; quote: string }>;

export type StatementId = keyof typeof CONTRACT_STATEMENTS;

export const STATEMENT_IDS = Object.keys(CONTRACT_STATEMENTS) as StatementId[];
