/** Guide experiments memory, sticky, timeouts: each on two real clusters at once (see experiment-check.ts). */
import t from 'tap';
import { checkExperiments } from './experiment-check.ts';

await checkExperiments(t, ['memory', 'sticky', 'timeouts']);
