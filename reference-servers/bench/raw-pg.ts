/**
 * The bench's upper limit for a PostgreSQL-backed read: bare node:http doing exactly one
 * `SELECT` of one session row of `sl_sessions` per request over a `pg` pool as large as the
 * store's, nothing else (no cookie, no signature, no framework, no deadline check). Any
 * `GET /session/data/:key` answers `{"value": <the row's value>}`.
 */
import pg from 'pg';
import { redactUrl } from '../../core/redact.ts';
import { DEFAULT_POSTGRES_STORE_OPTIONS } from '../../stores/postgres.ts';
import type { NodeConfig } from '../config.ts';
import { BENCH_VALUE } from './nosession-app.ts';
import { createRawGetServer } from './raw-get.ts';
import type { RawGetServer } from './raw-get.ts';

/** The id of the one row every request reads (not a possible engine id: those are base64url). */
export const RAW_ROW_ID = 'bench:raw';
const SELECT = `SELECT fields->>'d:v' AS value FROM sl_sessions WHERE id = $1`;

export async function createRawPostgresServer(config: NodeConfig): Promise<RawGetServer> {
  if (!/^postgres(ql)?:\/\//.test(config.storeUrl))
    throw new Error(
      `raw-pg-select needs --store-url postgres://user:password@host:port/database, not ${redactUrl(config.storeUrl)}`,
    );
  const pool = new pg.Pool({
    connectionString: config.storeUrl,
    max: DEFAULT_POSTGRES_STORE_OPTIONS.maxConnections,
  });
  pool.on('error', () => undefined);
  // A day from now: the row outlives any bench run, and the sweeper leaves it alone.
  await pool.query(
    `INSERT INTO sl_sessions (id, fields, expires_at) VALUES ($1, $2, now() + interval '1 day')` +
      ` ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, expires_at = excluded.expires_at`,
    [RAW_ROW_ID, { 'd:v': JSON.stringify(BENCH_VALUE) }],
  );
  const server = createRawGetServer(config, 'raw-pg-select', 'postgres', (done) =>
    pool.query<{ value: string | null }>(SELECT, [RAW_ROW_ID]).then(
      (result) => done(null, result.rows[0]?.value ?? null),
      (error: unknown) => done(error, null),
    ),
  );
  return { server, close: () => pool.end() };
}
