/**
 * What every `sessionlab` command's exit code means: one table for the CLI, the conformance
 * runner, the bench and the reports.
 */
export const EXIT = {
  /** Every MUST check passed (conformance), the run completed (bench, report). */
  pass: 0,
  /** A MUST check failed, or a bench target failed its smoke check. */
  fail: 1,
  /** Some check could not decide (UNKNOWN), and none failed. */
  inconclusive: 2,
  /** The harness itself failed. */
  harness: 4,
  /** Bad arguments: nothing was run. */
  usage: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a run's exit code means, in words for reports. */
export const EXIT_MEANING: Readonly<Record<number, string>> = {
  0: 'pass',
  1: 'a MUST check failed',
  2: 'inconclusive',
  4: 'harness error',
  5: 'bad arguments',
} satisfies Record<ExitCode, string>;
