import { parseDriftJobConfig } from '../../ml/model';
import { computeDrift, driftMetrics } from './engine';
import { loadDriftData } from './load';
import { PROCESS_IO, ProgramIo, publish, readConfigFile, runAsScript, runProgram } from './program';

/** Usage text of the drift program. */
export const DRIFT_USAGE = `Usage: drift --config <file> [--no-push] [--fail-on-drift] [--time <RFC 3339 | unix seconds>]

Compares the reference and current windows of every configured feature (Kolmogorov-Smirnov, PSI,
Jensen-Shannon), prints a JSON report on stdout and pushes the scores to the Pushgateway in one PUT
(nothing is pushed when any step fails).

Options:
  -c, --config <file>  drift job configuration (JSON; see docs/guide/ml.md)
  --no-push            compute and print the report, push nothing
  --fail-on-drift      exit 1 when drift is detected (default: exit 0, drift is reported as metrics)
  --time <t>           evaluate the windows as of this time (default: now)
  -h, --help           show this help

Exit codes:
  0   success (with or without drift)        1   drift detected and --fail-on-drift given
  2   bad command line or configuration      3   bad input data (empty, NaN/Inf, missing feature)
  4   source unreachable after retries       5   push to the Pushgateway failed
  70  internal error
`;

/**
 * The drift program: `drift --config <file>`. Returns the exit code.
 * @param io streams and clock (tests inject their own)
 */
export async function runDrift(argv: readonly string[], io: ProgramIo): Promise<number> {
  return runProgram('drift', DRIFT_USAGE, argv, '--fail-on-drift', io, async (args) => {
    const config = parseDriftJobConfig(readConfigFile(args.configPath));
    const evaluatedAt = args.timeMs ?? io.now();
    const data = await loadDriftData(config, evaluatedAt);
    const report = computeDrift(config, data, evaluatedAt);
    return publish(args, io, { target: config, metrics: (at) => driftMetrics(report, at), report, detected: report.driftDetected });
  });
}

/** Entry point used by `src/runtime/cli.ts`: `drift [args]`. Returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  return runDrift(argv, PROCESS_IO);
}

if (require.main === module) runAsScript('drift', main);
