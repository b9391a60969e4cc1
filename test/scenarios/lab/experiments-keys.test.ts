/** Guide experiments rotation, cookie, fixation: each on two real clusters at once (see experiment-check.ts). */
import t from 'tap';
import { checkExperiments } from './experiment-check.ts';

await checkExperiments(t, ['rotation', 'cookie', 'fixation']);
