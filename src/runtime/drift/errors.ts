/**
 * Exit codes shared by the ML programs (`drift`, `anomaly`). A CronJob's pod succeeds (0) whether or
 * not drift was found: the finding travels as metrics, so Kubernetes does not retry a healthy run.
 */
export const ExitCode = {
  /** The run completed (and pushed, when a Pushgateway is configured). */
  OK: 0,
  /** Drift (or an anomaly) was detected and `--fail-on-drift` / `--fail-on-anomaly` was given. */
  DETECTED: 1,
  /** Bad command line or configuration file. */
  USAGE: 2,
  /** Bad input data: empty samples, NaN or infinite values, a feature missing on one side, a rejected query. */
  BAD_INPUT: 3,
  /** A source (Prometheus, a sample file or URL) could not be reached or read, after the configured retries. */
  SOURCE_UNREACHABLE: 4,
  /** The Pushgateway rejected the push or could not be reached, after the configured retries. */
  PUSH_FAILED: 5,
  /** An unexpected internal error (a bug). */
  INTERNAL: 70,
} as const;

/** An error that ends a run with a documented exit code. */
export class RunError extends Error {
  constructor(
    message: string,
    /** The process exit code this error maps to. */
    public readonly exitCode: number,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

/** Bad input data (exit code 3). */
export function badInput(message: string): RunError {
  return new RunError(message, ExitCode.BAD_INPUT);
}

/** A source that cannot be reached or read (exit code 4). */
export function sourceUnreachable(message: string): RunError {
  return new RunError(message, ExitCode.SOURCE_UNREACHABLE);
}

/** A failed push (exit code 5). */
export function pushFailed(message: string): RunError {
  return new RunError(message, ExitCode.PUSH_FAILED);
}
