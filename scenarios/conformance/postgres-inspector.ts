/**
 * Read-only look into a PostgreSQL session store for the SL-ST checks. It knows no schema: a
 * "key" is one row of any table in `public` (`<table>/<primary key>`), its content the row as
 * JSON, its TTL the time to the earliest of its timestamp columns named like `expire` or
 * `absolute` (-1: none). So it reads sessionlab's `sl_sessions` and connect-pg-simple's
 * `session` alike. Writes are counted from row versions (`xmin`): a row that is new, changed
 * or gone since the last look counts one; reads leave every version as it was.
 */
import pg from 'pg';
import type { StoreInspector } from './types.ts';

interface Table {
  name: string;
  /** SQL for the primary key as text, for the key name. */
  key: string;
  /** SQL for the remaining TTL in ms, or -1. */
  ttl: string;
}

interface Row {
  key: string;
  ttl_ms: string;
  content: string;
  version: string;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export class PostgresInspector implements StoreInspector {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  /** Row version by key at the last writeCount(). */
  #versions = new Map<string, string>();
  #writes = 0;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 1, statement_timeout: 5000 });
    this.#pool.on('error', () => undefined);
  }

  async #tables(): Promise<Table[]> {
    const { rows } = await this.#pool.query<{ name: string; keys: string[]; times: string[] }>(
      `SELECT c.relname AS name,
         array(SELECT a.attname FROM pg_index i JOIN pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
               WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY a.attnum)::text[] AS keys,
         array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
               AND NOT a.attisdropped AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype)
               AND a.attname ~ '(expire|absolute)')::text[] AS times
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'sl_schema_version'
       ORDER BY c.relname`,
    );
    return rows.map(({ name, keys, times }) => ({
      name,
      key: keys.length
        ? keys.map((k) => `t.${quote(k)}::text`).join(` || '/' || `)
        : 't.ctid::text',
      ttl: times.length
        ? `coalesce(floor(extract(epoch FROM (least(${times.map((c) => `t.${quote(c)}::timestamptz`).join(', ')}) - now())) * 1000), -1)`
        : '-1',
    }));
  }

  /** Rows of every table; with `marker`, only rows whose content holds it. */
  async #rows(marker?: string): Promise<Row[]> {
    const out: Row[] = [];
    for (const table of await this.#tables()) {
      const where = marker === undefined ? '' : 'WHERE strpos(row_to_json(t)::text, $1) > 0';
      const { rows } = await this.#pool.query<Row>(
        `SELECT ${literal(table.name)} || '/' || ${table.key} AS key, ${table.ttl} AS ttl_ms,
           row_to_json(t)::text AS content, t.xmin::text AS version
         FROM ${quote(table.name)} t ${where}`,
        marker === undefined ? [] : [marker],
      );
      out.push(...rows);
    }
    return out;
  }

  async findKeys(token: string): Promise<{ key: string; ttlMs: number }[]> {
    return (await this.#rows())
      .filter((row) => row.key.includes(token))
      .map((row) => ({ key: row.key, ttlMs: Number(row.ttl_ms) }));
  }

  async keysHolding(marker: string): Promise<{ key: string; ttlMs: number }[]> {
    return (await this.#rows(marker)).map((row) => ({ key: row.key, ttlMs: Number(row.ttl_ms) }));
  }

  async values(key: string): Promise<string[]> {
    return (await this.#rows()).filter((row) => row.key === key).map((row) => row.content);
  }

  async writeCount(): Promise<number> {
    const now = new Map((await this.#rows()).map((row) => [row.key, row.version]));
    for (const [key, version] of now) if (this.#versions.get(key) !== version) this.#writes++;
    for (const key of this.#versions.keys()) if (!now.has(key)) this.#writes++;
    this.#versions = now;
    return this.#writes;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
