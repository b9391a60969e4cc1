/** The catalogue on fastify's own session library over redis, through its drop-in adapter. */
import t from 'tap';
import { assertAdapterVerdicts } from './adapter-verdicts.ts';

await assertAdapterVerdicts(t, 'adapter-fastify', 'redis');
