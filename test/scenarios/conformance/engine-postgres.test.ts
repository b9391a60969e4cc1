/**
 * The engine passes every MUST check (and every SHOULD) on PostgreSQL, encryption at rest on,
 * SL-FT-02 with a restart of the server (postgres claims `durable-store`). A longer idle
 * timeout than the default local one, as for memcached: each request costs a few round trips
 * to a server competing for the CPU of a loaded CI machine, and an idle session whose touch
 * times out (a 503, fail closed) would expire before a 2 s timeout's probes.
 */
import t from 'tap';
import { expectAllPass, runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, {
  store: 'postgres',
  encrypt: true,
  idleTimeoutMs: 4000,
  absoluteTimeoutMs: 10_000,
});
expectAllPass(t, report);
