/**
 * `sessionlab <command>`: the entry that touches argv, the environment and process.exit.
 * Exit codes are core/exit-codes.ts: 5 bad arguments, 4 a harness error; commands set the rest.
 */
import { Command, CommanderError } from 'commander';
import { InvalidOptionError, UsageError } from '../core/errors.ts';
import { EXIT } from '../core/exit-codes.ts';
import { registerBench } from './bench.ts';
import { registerConformance } from './conformance.ts';
import { registerFailoverLoad } from './failover-load.ts';
import { registerFault } from './fault.ts';
import { registerLab } from './lab.ts';
import { registerMutate } from './mutate.ts';
import { registerProfile } from './profile.ts';
import { registerReport } from './report.ts';
import { registerSoak } from './soak.ts';
import { registerStore } from './store.ts';
import { registerSuite } from './suite.ts';
import { registerUp } from './up.ts';

const program = new Command('sessionlab')
  .description('Is my shared-session setup correct, secure and fast?')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

for (const register of [
  registerUp,
  registerFault,
  registerFailoverLoad,
  registerConformance,
  registerProfile,
  registerReport,
  registerSuite,
  registerBench,
  registerLab,
  registerSoak,
  registerStore,
  registerMutate,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else if (error instanceof UsageError || error instanceof InvalidOptionError) {
    process.stderr.write(`sessionlab: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`sessionlab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.harness;
  }
}
