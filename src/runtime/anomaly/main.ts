import { parseAnomalyJobConfig } from '../../ml/model';
import { PROCESS_IO, ProgramIo, publish, readConfigFile, runAsScript, runProgram } from '../drift/program';
import { anomalyMetrics, loadVectors, scoreAnomalies } from './engine';

/** Usage text of the anomaly program. */
export const ANOMALY_USAGE = `Usage: anomaly --config <file> [--no-push] [--fail-on-anomaly] [--time <RFC 3339 | unix seconds>]

Pulls the configured metric vectors with query_range, fits a seeded isolation forest on the training
range, scores the points of the scoring range, prints a JSON report on stdout and pushes the scores
to the Pushgateway in one PUT (nothing is pushed when any step fails).

Options:
  -c, --config <file>  anomaly job configuration (JSON; see docs/guide/ml.md)
  --no-push            compute and print the report, push nothing
  --fail-on-anomaly    exit 1 when the most recent point is anomalous
  --time <t>           evaluate as of this time (default: now)
  -h, --help           show this help

Exit codes:
  0   success (with or without an anomaly)   1   anomaly detected and --fail-on-anomaly given
  2   bad command line or configuration      3   bad input data (too few points, NaN/Inf, >1 series)
  4   Prometheus unreachable after retries   5   push to the Pushgateway failed
  70  internal error
`;

/**
 * The anomaly program: `anomaly --config <file>`. Returns the exit code.
 * @param io streams and clock (tests inject their own)
 */
export async function runAnomaly(argv: readonly string[], io: ProgramIo): Promise<number> {
  return runProgram('anomaly', ANOMALY_USAGE, argv, '--fail-on-anomaly', io, async (args) => {
    const config = parseAnomalyJobConfig(readConfigFile(args.configPath));
    const evaluatedAt = args.timeMs ?? io.now();
    const vectors = await loadVectors(config, evaluatedAt);
    const report = scoreAnomalies(config, vectors, evaluatedAt);
    return publish(args, io, { target: config, metrics: (at) => anomalyMetrics(report, at), report, detected: report.anomalyDetected });
  });
}

/** Entry point used by `src/runtime/cli.ts`: `anomaly [args]`. Returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  return runAnomaly(argv, PROCESS_IO);
}

if (require.main === module) runAsScript('anomaly', main);
