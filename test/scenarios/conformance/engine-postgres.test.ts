/**
 * The engine passes every MUST check (and every SHOULD) on PostgreSQL, encryption at rest on,
 * SL-FT-02 with a restart of the server (postgres claims `durable-store`). A longer idle
 * timeout than the default local one (longer than memcached's 4 s): each request costs a few
 * round trips to a server competing for the CPU of a loaded CI machine. At 2 s a touch that
 * timed out (a 503, fail closed) let an idle session expire before SL-EX-01's probe; at 4 s
 * a crash recovery after SL-FT-02's kill outlasted the idle timeout (UNKNOWN), and 20 slow
 * reads outlasted touchAfterMs (idle / 10), so SL-ST-04 saw a lazy touch (NON_STRICT).
 */
import t from 'tap';
import { expectAllPass, runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, {
  store: 'postgres',
  encrypt: true,
  idleTimeoutMs: 6000,
  absoluteTimeoutMs: 15_000,
});
expectAllPass(t, report);
