/**
 * The engine passes every MUST check (and every SHOULD) on memcached, encryption at rest on.
 * A longer idle timeout than the default local one: the memcached client's reconnection after
 * a paused server, under a loaded CI machine, can take longer than 2 s (SL-FT-02 would then
 * rightly say UNKNOWN rather than PASS).
 */
import t from 'tap';
import { expectAllPass, runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, {
  store: 'memcached',
  encrypt: true,
  idleTimeoutMs: 4000,
  absoluteTimeoutMs: 10_000,
});
expectAllPass(t, report);
