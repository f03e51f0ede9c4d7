/**
 * `index-setup` program: applies the Elasticsearch index plan (ILM policies, component and index templates, data
 * streams) rendered by the ElasticIndices model. Run as a Job; running it again changes nothing.
 *
 *   node lib/src/runtime/index-setup/main.js --plan /etc/index-setup/plan.json --url https://es-http:9200 \
 *     --username-file /var/run/secrets/es/username --password-file /var/run/secrets/es/password
 */
import * as fs from 'node:fs';
import { Client, ClientOptions } from '@elastic/elasticsearch';
import { parseIndexSetupPlan } from '../../logging/model';
import { applyPlan, IndexSetupError } from './apply';

/** Usage text of the program. */
export const USAGE = `Usage: index-setup [options]

Applies an index setup plan to Elasticsearch: each object is read first and PUT only when missing or different.
Retries 5xx, 429, timeouts and connection failures with exponential backoff; stops on any other error.

Options (each also read from the environment variable shown):
  --plan FILE              plan JSON (ConfigMap key plan.json)        INDEX_SETUP_PLAN            (required)
  --url URL                Elasticsearch URL                          ELASTICSEARCH_URL           (required)
  --username-file FILE     user name file (Secret key)                ELASTICSEARCH_USERNAME_FILE
  --password-file FILE     password file (Secret key)                 ELASTICSEARCH_PASSWORD_FILE
  --api-key-file FILE      API key file, instead of user and password ELASTICSEARCH_API_KEY_FILE
  --ca-file FILE           PEM CA bundle for https                    ELASTICSEARCH_CA_FILE
  --max-attempts N         tries per request                          INDEX_SETUP_MAX_ATTEMPTS    (default 6)
  --backoff-ms N           first retry delay, doubling                INDEX_SETUP_BACKOFF_MS      (default 500)
  --max-backoff-ms N       longest retry delay                        INDEX_SETUP_MAX_BACKOFF_MS  (default 30000)
  --request-timeout-ms N   timeout of one request                     INDEX_SETUP_REQUEST_TIMEOUT_MS (default 30000)
  --help                   print this text

Exit status: 0 applied (or nothing to do), 1 a request failed, 2 bad options or input.
`;

const FLAGS: Readonly<Record<string, string>> = {
  plan: 'INDEX_SETUP_PLAN',
  url: 'ELASTICSEARCH_URL',
  'username-file': 'ELASTICSEARCH_USERNAME_FILE',
  'password-file': 'ELASTICSEARCH_PASSWORD_FILE',
  'api-key-file': 'ELASTICSEARCH_API_KEY_FILE',
  'ca-file': 'ELASTICSEARCH_CA_FILE',
  'max-attempts': 'INDEX_SETUP_MAX_ATTEMPTS',
  'backoff-ms': 'INDEX_SETUP_BACKOFF_MS',
  'max-backoff-ms': 'INDEX_SETUP_MAX_BACKOFF_MS',
  'request-timeout-ms': 'INDEX_SETUP_REQUEST_TIMEOUT_MS',
};

/** Parsed command line. */
export interface IndexSetupArgs {
  /** Print usage and exit. */
  readonly help: boolean;
  /** Option values by flag name (flags win over the environment). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Parse `--flag value` / `--flag=value` options, filling gaps from the environment.
 *
 * @throws Error on an unknown option or a missing value.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): IndexSetupArgs {
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) {
      throw new Error(`unexpected argument '${arg}'; see --help`);
    }
    const name = m[1]!;
    if (!(name in FLAGS)) {
      throw new Error(`unknown option --${name}; see --help`);
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) {
      throw new Error(`option --${name} needs a value`);
    }
    values[name] = value;
  }
  for (const [name, variable] of Object.entries(FLAGS)) {
    const fromEnv = env[variable];
    if (values[name] === undefined && fromEnv !== undefined && fromEnv !== '') {
      values[name] = fromEnv;
    }
  }
  return { help, values };
}

function positiveInt(values: Readonly<Record<string, string>>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) {
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--${name} must be a positive whole number, got '${raw}'`);
  }
  return n;
}

function readSecretFile(path: string, what: string): string {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read ${what} from ${path}: ${(e as Error).message}`);
  }
}

/** Client options from the parsed values: URL, credentials from files, TLS, our own retries only. */
export function clientOptions(values: Readonly<Record<string, string>>): ClientOptions {
  const url = values.url;
  if (url === undefined || !/^https?:\/\/\S+$/.test(url)) {
    throw new Error(`--url (or ELASTICSEARCH_URL) must be an http:// or https:// URL, got '${url ?? ''}'`);
  }
  const apiKeyFile = values['api-key-file'];
  const userFile = values['username-file'];
  const passwordFile = values['password-file'];
  if (apiKeyFile !== undefined && (userFile !== undefined || passwordFile !== undefined)) {
    throw new Error('give either --api-key-file or --username-file with --password-file, not both');
  }
  if ((userFile === undefined) !== (passwordFile === undefined)) {
    throw new Error('--username-file and --password-file go together');
  }
  const auth = apiKeyFile !== undefined
    ? { apiKey: readSecretFile(apiKeyFile, 'the API key') }
    : userFile !== undefined && passwordFile !== undefined
      ? { username: readSecretFile(userFile, 'the user name'), password: readSecretFile(passwordFile, 'the password') }
      : undefined;
  const ca = values['ca-file'];
  return {
    node: url,
    ...(auth !== undefined ? { auth } : {}),
    ...(ca !== undefined ? { tls: { ca: readSecretFile(ca, 'the CA bundle') } } : {}),
    // The program owns the retry policy (backoff, what is transient); the client must not retry on its own.
    maxRetries: 0,
    requestTimeout: positiveInt(values, 'request-timeout-ms', 30000),
  };
}

/** Run the program; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let client: Client;
  let plan;
  let opts;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const planFile = args.values.plan;
    if (planFile === undefined) {
      throw new Error('--plan (or INDEX_SETUP_PLAN) is required');
    }
    plan = parseIndexSetupPlan(readSecretFile(planFile, 'the plan'));
    opts = {
      maxAttempts: positiveInt(args.values, 'max-attempts', 6),
      initialBackoffMs: positiveInt(args.values, 'backoff-ms', 500),
      maxBackoffMs: positiveInt(args.values, 'max-backoff-ms', 30000),
      log: (line: string) => process.stdout.write(`index-setup: ${line}\n`),
    };
    client = new Client(clientOptions(args.values));
  } catch (e) {
    process.stderr.write(`index-setup: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const counts = await applyPlan(client, plan, opts);
    opts.log(`done: ${plan.steps.length} steps, ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`);
    return 0;
  } catch (e) {
    if (e instanceof IndexSetupError) {
      process.stderr.write(`index-setup: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`index-setup: unexpected failure: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exitCode = 1; },
  );
}
