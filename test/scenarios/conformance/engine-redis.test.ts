/** The engine passes every MUST check (and every SHOULD) on redis, encryption at rest on. */
import t from 'tap';
import { expectAllPass, runCatalogue } from './run-catalogue.ts';

const report = await runCatalogue(t, { store: 'redis', encrypt: true });
expectAllPass(t, report);
