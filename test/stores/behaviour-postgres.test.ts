import pg from 'pg';
import t from 'tap';
import { migratePostgres } from '../../stores/postgres-migrate.ts';
import { PostgresStore } from '../../stores/postgres.ts';
import { postgresFor } from '../helpers/services.ts';
import { runStoreBehaviour } from './behaviour.ts';

const server = await postgresFor(t);
const admin = new pg.Pool({ connectionString: server.url, max: 1 });
await migratePostgres(admin);
await admin.end();

runStoreBehaviour(t, async (t) => {
  const a = new PostgresStore({ url: server.url });
  const b = new PostgresStore({ url: server.url });
  await Promise.all([a.connect(), b.connect()]);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b };
});
