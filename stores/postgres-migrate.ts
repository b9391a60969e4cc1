/**
 * The schema of the PostgreSQL store as versioned migrations: plain .sql files in
 * stores/postgres-migrations (teams that run their own migrations apply those), applied in
 * order, each in one transaction under an advisory lock so two nodes never migrate at once.
 */
import { readFile } from 'node:fs/promises';
import type pg from 'pg';

/** Every migration, oldest first; a new version is a new file, never an edit of an old one. */
export const POSTGRES_MIGRATIONS = [
  { version: 1, file: '001-sessions.sql' },
  { version: 2, file: '002-user-index-limit.sql' },
] as const;

/** The schema version this code needs. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Arbitrary constant that names sessionlab's migration lock (pg_advisory_xact_lock). */
const MIGRATION_LOCK = 0x5e551011;

export function migrationFile(file: string): URL {
  return new URL(`./postgres-migrations/${file}`, import.meta.url);
}

/** The newest applied version, 0 when none. */
export async function schemaVersion(client: pg.ClientBase | pg.Pool): Promise<number> {
  const table = await client.query<{ present: boolean }>(
    `SELECT to_regclass('sl_schema_version') IS NOT NULL AS present`,
  );
  if (!table.rows[0]?.present) return 0;
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM sl_schema_version',
  );
  return rows[0]?.version ?? 0;
}

/** Applies the migrations the database lacks; resolves with the versions applied now. */
export async function migratePostgres(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    for (const migration of POSTGRES_MIGRATIONS) {
      const sql = await readFile(migrationFile(migration.file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        if ((await schemaVersion(client)) < migration.version) {
          await client.query(sql);
          applied.push(migration.version);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    client.release();
  }
  return applied;
}
