/** The catalogue on express's own session library over memcached, through its drop-in adapter. */
import t from 'tap';
import { assertAdapterVerdicts } from './adapter-verdicts.ts';

await assertAdapterVerdicts(t, 'adapter-express', 'memcached');
