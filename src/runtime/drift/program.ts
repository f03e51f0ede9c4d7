import * as fs from 'node:fs';
import { ValidationError } from '../../core/errors';
import { HttpPolicy, PushgatewayTarget } from '../../ml/model';
import { ExitCode, RunError } from './errors';
import { MetricFamily, pushToGateway, renderExposition } from './exposition';

/** Where a program writes and what time it is (injected by tests). */
export interface ProgramIo {
  /** Write to standard output. */
  readonly stdout: (text: string) => void;
  /** Write to standard error. */
  readonly stderr: (text: string) => void;
  /** The current time in milliseconds since the epoch. */
  readonly now: () => number;
}

/** The process's own streams and clock. */
export const PROCESS_IO: ProgramIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  now: () => Date.now(),
};

/** The options every ML program accepts. */
export interface ProgramArgs {
  /** Path of the JSON configuration file. */
  readonly configPath: string;
  /** False with `--no-push`: compute and report, but push nothing. */
  readonly push: boolean;
  /** True with `--fail-on-drift` / `--fail-on-anomaly`: exit 1 when something was detected. */
  readonly failOnDetection: boolean;
  /** `--time`: evaluation time in milliseconds (default: now). */
  readonly timeMs?: number;
}

/** Parse `--config <file> [--no-push] [--fail-on-<what>] [--time <RFC 3339 | unix seconds>]`. */
export function parseProgramArgs(argv: readonly string[], failFlag: string): ProgramArgs | 'help' {
  let configPath: string | undefined;
  let push = true;
  let failOnDetection = false;
  let timeMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new RunError(`${flag} needs a value`, ExitCode.USAGE);
      return v;
    };
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--config' || flag === '-c') configPath = value();
    else if (flag === '--no-push') push = false;
    else if (flag === failFlag) failOnDetection = true;
    else if (flag === '--time') timeMs = parseTime(value());
    else throw new RunError(`unknown argument ${JSON.stringify(arg)}`, ExitCode.USAGE);
  }
  if (!configPath) throw new RunError('--config <file> is required', ExitCode.USAGE);
  return { configPath, push, failOnDetection, ...(timeMs !== undefined ? { timeMs } : {}) };
}

function parseTime(text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new RunError(`--time: got ${JSON.stringify(text)}; allowed: an RFC 3339 time or unix seconds`, ExitCode.USAGE);
  return ms;
}

/** Read a configuration file, mapping a missing file to a usage error. */
export function readConfigFile(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new RunError(`cannot read the configuration file: ${(e as Error).message}`, ExitCode.USAGE);
  }
}

/**
 * Run a program body with the shared conventions: `--help` prints `usage` and returns 0; errors
 * are printed to stderr as `<name>: <message>` and mapped to their exit codes (configuration
 * errors 2, unexpected errors 70).
 */
export async function runProgram(name: string, usage: string, argv: readonly string[], failFlag: string, io: ProgramIo, body: (args: ProgramArgs) => Promise<number>): Promise<number> {
  try {
    const args = parseProgramArgs(argv, failFlag);
    if (args === 'help') {
      io.stdout(usage);
      return ExitCode.OK;
    }
    return await body(args);
  } catch (e) {
    if (e instanceof RunError) {
      io.stderr(`${name}: ${e.message}\n`);
      if (e.exitCode === ExitCode.USAGE && !(e.message.startsWith('cannot read'))) io.stderr(`run '${name} --help' for usage\n`);
      return e.exitCode;
    }
    if (e instanceof ValidationError) {
      io.stderr(`${name}: invalid configuration: ${e.message}\n`);
      return ExitCode.USAGE;
    }
    io.stderr(`${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.INTERNAL;
  }
}

/** What a finished run publishes. */
export interface RunOutcome {
  /** Where to push, with the grouping key's tenant and model. */
  readonly target: { readonly pushgateway?: PushgatewayTarget; readonly tenant: string; readonly model: string; readonly http: HttpPolicy };
  /** The metrics to push, rendered when the push happens (so the success timestamp is the push time). */
  readonly metrics: (finishedAtMs: number) => MetricFamily[];
  /** The report printed on stdout. */
  readonly report: object;
  /** Whether something was detected (exit 1 with the fail flag). */
  readonly detected: boolean;
}

/**
 * Push the metrics in one PUT (when a Pushgateway is configured and `--no-push` is not given), then
 * print the report with `pushed` and return the exit code.
 */
export async function publish(args: ProgramArgs, io: ProgramIo, outcome: RunOutcome): Promise<number> {
  const { pushgateway, tenant, model, http } = outcome.target;
  let pushed = false;
  if (args.push && pushgateway) {
    await pushToGateway(pushgateway, { tenant, model, ...(pushgateway.grouping ?? {}) }, renderExposition(outcome.metrics(io.now())), http);
    pushed = true;
  }
  io.stdout(`${JSON.stringify({ ...outcome.report, pushed }, null, 2)}\n`);
  return outcome.detected && args.failOnDetection ? ExitCode.DETECTED : ExitCode.OK;
}

/** Run `main` with the process arguments and set the process exit code (for `require.main === module`). */
export function runAsScript(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: internal error: ${String(e)}\n`);
      process.exitCode = ExitCode.INTERNAL;
    },
  );
}
