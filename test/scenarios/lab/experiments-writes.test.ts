/** Guide experiments lost-updates, store-outage, monitoring: each on two real clusters at once (see experiment-check.ts). */
import t from 'tap';
import { checkExperiments } from './experiment-check.ts';

await checkExperiments(t, ['lost-updates', 'store-outage', 'monitoring']);
