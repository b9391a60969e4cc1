/**
 * `sessionlab <command>`: the entry that touches argv, the environment and process.exit.
 * Exit code 5 means bad arguments, 4 a harness error; commands may set their own codes.
 */
import { Command, CommanderError } from 'commander';
import { InvalidOptionError } from '../session/errors.ts';
import { registerBench } from './bench.ts';
import { UsageError } from './cluster-flags.ts';
import { registerConformance } from './conformance.ts';
import { registerFault } from './fault.ts';
import { registerReport } from './report.ts';
import { registerSuite } from './suite.ts';
import { registerUp } from './up.ts';

export const EXIT_BAD_ARGUMENTS = 5;
export const EXIT_HARNESS_ERROR = 4;

const program = new Command('sessionlab')
  .description('Is my shared-session setup correct, secure and fast?')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

for (const register of [
  registerUp,
  registerFault,
  registerConformance,
  registerReport,
  registerSuite,
  registerBench,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_ARGUMENTS;
  } else if (error instanceof UsageError || error instanceof InvalidOptionError) {
    process.stderr.write(`sessionlab: ${error.message}\n`);
    process.exitCode = EXIT_BAD_ARGUMENTS;
  } else {
    process.stderr.write(`sessionlab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_HARNESS_ERROR;
  }
}
