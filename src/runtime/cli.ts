/**
 * The runtime image's entrypoint: one binary, one sub-command per program of `src/runtime`.
 *
 *   node lib/src/runtime/cli.js <command> [options]      (in the image: ENTRYPOINT ["node", "/app/lib/src/runtime/cli.js"])
 *
 * Programs are loaded only when their command runs, so `--help` and each command load only what they need.
 */

/** What every program module exports. */
export interface RuntimeProgram {
  /** Run with the arguments after the command name; resolves to the exit status. */
  main(argv: readonly string[]): Promise<number>;
}

/** One command of the runtime image. */
export interface RuntimeCommand {
  /** One-line description for `--help`. */
  readonly description: string;
  /** Path of the program module below `src/runtime` (for checks and documentation). */
  readonly module: string;
  /** Load the program. */
  readonly load: () => RuntimeProgram;
}

/* eslint-disable @typescript-eslint/no-require-imports -- programs are loaded on demand, not at start-up */
/** The commands, by name. Manifests name them as the first container argument. */
export const RUNTIME_COMMANDS: Readonly<Record<string, RuntimeCommand>> = {
  'drift': {
    description: 'compare reference and current feature distributions (KS, PSI, Jensen-Shannon) and push the scores',
    module: 'drift/main',
    load: () => require('./drift/main') as RuntimeProgram,
  },
  'anomaly': {
    description: 'score recent metric vectors with an isolation forest and push the anomaly scores',
    module: 'anomaly/main',
    load: () => require('./anomaly/main') as RuntimeProgram,
  },
  'remediation': {
    description: 'serve the Alertmanager webhook and run the remediation actions the policy allows',
    module: 'remediation/main',
    load: () => require('./remediation/main') as RuntimeProgram,
  },
  'index-setup': {
    description: 'apply the Elasticsearch index plan (ILM policies, templates, data streams) idempotently',
    module: 'index-setup/main',
    load: () => require('./index-setup/main') as RuntimeProgram,
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Exit status for a bad command line. */
export const USAGE_EXIT_CODE = 2;

/** The usage text listing every command. */
export function usage(): string {
  const width = Math.max(...Object.keys(RUNTIME_COMMANDS).map((c) => c.length));
  const lines = Object.entries(RUNTIME_COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.description}`);
  return `Usage: cli <command> [options]

Commands:
${lines.join('\n')}

Run "cli <command> --help" for the options of a command.
`;
}

/** Output streams (tests pass their own). */
export interface CliIo {
  /** Standard output. */
  readonly stdout: (text: string) => void;
  /** Standard error. */
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * Dispatch `argv` (`<command> [options]`) to its program; resolves to the exit status. `--help` lists the
 * commands (exit 0); no command or an unknown one prints the usage on stderr (exit 2).
 */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(usage());
    return 0;
  }
  if (command === undefined) {
    io.stderr(`cli: a command is required\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  const entry = Object.prototype.hasOwnProperty.call(RUNTIME_COMMANDS, command) ? RUNTIME_COMMANDS[command] : undefined;
  if (entry === undefined) {
    io.stderr(`cli: unknown command '${command}'\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  return entry.load().main(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      process.stderr.write(`cli: unexpected failure: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
