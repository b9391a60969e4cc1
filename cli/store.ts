/**
 * `sessionlab store migrate --store-url postgres://…`: applies the PostgreSQL store's schema
 * (the .sql files in stores/postgres-migrations) that the database lacks.
 */
import type { Command } from 'commander';
import pg from 'pg';
import { StoreUnavailableError, UsageError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';
import { parseStoreUrl } from '../stores/from-url.ts';
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from '../stores/postgres-migrate.ts';

/** Connecting and migrating together may take this long, in milliseconds. */
const MIGRATE_TIMEOUT_MS = 30_000;

export async function runMigrate(storeUrl: string): Promise<string> {
  const location = parseStoreUrl(storeUrl);
  if (location.kind !== 'postgres') {
    throw new UsageError(
      `invalid --store-url "${redactUrl(storeUrl)}": only postgres:// stores have a schema`,
    );
  }
  const pool = new pg.Pool({
    connectionString: storeUrl,
    max: 1,
    connectionTimeoutMillis: MIGRATE_TIMEOUT_MS,
    statement_timeout: MIGRATE_TIMEOUT_MS,
  });
  pool.on('error', () => undefined);
  try {
    const applied = await migratePostgres(pool);
    return applied.length === 0
      ? `schema at version ${POSTGRES_SCHEMA_VERSION}: nothing to apply`
      : `applied schema version ${applied.join(', ')}; now at ${POSTGRES_SCHEMA_VERSION}`;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = `${location.hosts[0]?.host}:${location.hosts[0]?.port}`;
    throw new StoreUnavailableError(`migrate on postgres at ${where} failed: ${reason}`, {
      cause: error,
    });
  } finally {
    await pool.end();
  }
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('manage a session store');
  store
    .command('migrate')
    .description('apply the PostgreSQL store schema the database lacks (one transaction each)')
    .requiredOption('--store-url <url>', 'postgres://user:password@host:port/database')
    .action(async (flags: { storeUrl: string }) => {
      process.stdout.write(`${await runMigrate(flags.storeUrl)}\n`);
    });
}
