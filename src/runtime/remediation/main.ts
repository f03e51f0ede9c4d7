/**
 * `remediation` program: the remediation controller's command line.
 *
 *   node lib/src/runtime/cli.js remediation --policy /etc/remediation/policy.yaml --token-file /var/run/secrets/remediation/token
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PolicyError, parsePolicy } from '../../remediation/policy';
import { AuditLog } from './audit';
import { ClusterApi } from './cluster';
import { RemediationController } from './controller';
import { DedupStore } from './dedup';
import { Journal } from './journal';
import { createKubeCluster } from './kube-cluster';
import { WebhookServer } from './server';

/** Usage text of the program. */
export const USAGE = `Usage: remediation [options]

Receives Alertmanager webhooks (payload version 4) on POST /webhook and acts on the cluster.

Options (each also read from the environment variable shown):
  --policy FILE            policy YAML (ConfigMap key policy.yaml)      REMEDIATION_POLICY_FILE   (required)
  --token-file FILE        bearer token file (Secret key)               REMEDIATION_TOKEN_FILE    (required)
  --port N                 listen port                                  REMEDIATION_PORT          (default 8080)
  --host ADDR              listen address                               REMEDIATION_HOST          (default 0.0.0.0)
  --tls-cert FILE          PEM certificate; with --tls-key serves HTTPS REMEDIATION_TLS_CERT
  --tls-key FILE           PEM private key                              REMEDIATION_TLS_KEY
  --dry-run | --no-dry-run override the policy's safety.dryRun          REMEDIATION_DRY_RUN=true|false
  --kubeconfig FILE        kubeconfig (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)
  --max-body-bytes N       largest webhook body, else 413               REMEDIATION_MAX_BODY_BYTES (default 1048576)
  --request-timeout-ms N   timeout of one Kubernetes API request        REMEDIATION_REQUEST_TIMEOUT_MS (default 5000)
  --retry-attempts N       tries per API call (409, 429, 5xx, timeout)  REMEDIATION_RETRY_ATTEMPTS (default 5)
  --retry-base-ms N        first backoff delay, doubling                REMEDIATION_RETRY_BASE_MS (default 100)
  --sweep-interval-s N     how often expired IP blocks are deleted      REMEDIATION_SWEEP_INTERVAL_S (default 60)
  --dedup-ttl-s N          how long an alert is remembered              REMEDIATION_DEDUP_TTL_S (default 86400)
  --action-budget-ms N     no retry of an action starts after this long REMEDIATION_ACTION_BUDGET_MS (default: 80 % of the drain timeout)
  --state-dir DIR          journal of intents and outcomes (a volume)   REMEDIATION_STATE_DIR     (default: none, state in memory only)
  --drain-timeout-s N      on SIGTERM, the whole drain (requests, then running actions) takes at
                           most this long; actions still running are audited as abandoned and
                           the exit code is 1                           REMEDIATION_DRAIN_TIMEOUT_S (default 25)
  --help                   print this text

Run exactly one replica (see docs/guide/remediation.md).
`;

const FLAGS: Readonly<Record<string, string>> = {
  policy: 'REMEDIATION_POLICY_FILE',
  'token-file': 'REMEDIATION_TOKEN_FILE',
  port: 'REMEDIATION_PORT',
  host: 'REMEDIATION_HOST',
  'tls-cert': 'REMEDIATION_TLS_CERT',
  'tls-key': 'REMEDIATION_TLS_KEY',
  kubeconfig: 'KUBECONFIG',
  'max-body-bytes': 'REMEDIATION_MAX_BODY_BYTES',
  'request-timeout-ms': 'REMEDIATION_REQUEST_TIMEOUT_MS',
  'retry-attempts': 'REMEDIATION_RETRY_ATTEMPTS',
  'retry-base-ms': 'REMEDIATION_RETRY_BASE_MS',
  'sweep-interval-s': 'REMEDIATION_SWEEP_INTERVAL_S',
  'dedup-ttl-s': 'REMEDIATION_DEDUP_TTL_S',
  'drain-timeout-s': 'REMEDIATION_DRAIN_TIMEOUT_S',
  'state-dir': 'REMEDIATION_STATE_DIR',
  'action-budget-ms': 'REMEDIATION_ACTION_BUDGET_MS',
};

/** Parsed command line. */
export interface RemediationArgs {
  readonly help: boolean;
  readonly values: Readonly<Record<string, string>>;
  readonly dryRun?: boolean;
}

/** Parse arguments (then environment variables for what the arguments leave out). */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): RemediationArgs {
  const values: Record<string, string> = {};
  let dryRun: boolean | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--no-dry-run') dryRun = false;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (!(name in FLAGS)) throw new Error(`unknown option --${name}; see --help`);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`option --${name} needs a value`);
      values[name] = value;
    } else throw new Error(`unexpected argument '${arg}'; see --help`);
  }
  for (const [name, variable] of Object.entries(FLAGS)) {
    const v = env[variable];
    if (values[name] === undefined && v !== undefined && v !== '' && name !== 'kubeconfig') values[name] = v;
  }
  if (dryRun === undefined && env.REMEDIATION_DRY_RUN !== undefined && env.REMEDIATION_DRY_RUN !== '') {
    if (env.REMEDIATION_DRY_RUN !== 'true' && env.REMEDIATION_DRY_RUN !== 'false') throw new Error(`REMEDIATION_DRY_RUN must be true or false, got '${env.REMEDIATION_DRY_RUN}'`);
    dryRun = env.REMEDIATION_DRY_RUN === 'true';
  }
  return { help, values, ...(dryRun !== undefined ? { dryRun } : {}) };
}

function intOption(values: Readonly<Record<string, string>>, name: string, dflt: number, min: number): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

/** Hooks for tests: a cluster instead of the real client, and where the lines go. */
export interface MainHooks {
  readonly cluster?: ClusterApi;
  readonly write?: (line: string) => void;
  /** Called with the bound port once listening. */
  readonly onListening?: (port: number) => void;
  /** Resolves when the program should stop. @default SIGTERM or SIGINT */
  readonly stopSignal?: Promise<void>;
}

/** Run the controller until SIGTERM; resolves to the exit code. */
export async function main(argv: readonly string[], hooks: MainHooks = {}): Promise<number> {
  const log = new AuditLog(hooks.write);
  let args: RemediationArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`remediation: ${(e as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const v = args.values;
  let server: WebhookServer;
  let controller: RemediationController;
  let sweepMs: number;
  let drainMs: number;
  let cluster: ClusterApi;
  try {
    if (v.policy === undefined) throw new Error('--policy (or REMEDIATION_POLICY_FILE) is required');
    if (v['token-file'] === undefined) throw new Error('--token-file (or REMEDIATION_TOKEN_FILE) is required');
    if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) throw new Error('--tls-cert and --tls-key go together');
    const policy = parsePolicy(fs.readFileSync(v.policy, 'utf8'));
    const timeoutMs = intOption(v, 'request-timeout-ms', 5000, 1);
    cluster = hooks.cluster ?? (await createKubeCluster({ ...(v.kubeconfig !== undefined ? { kubeconfig: v.kubeconfig } : {}), requestTimeoutMs: timeoutMs }));
    sweepMs = intOption(v, 'sweep-interval-s', 60, 1) * 1000;
    drainMs = intOption(v, 'drain-timeout-s', 25, 0) * 1000;
    const dedupTtlMs = intOption(v, 'dedup-ttl-s', 86_400, 1) * 1000;
    controller = new RemediationController({
      policy,
      cluster,
      ...(args.dryRun !== undefined ? { dryRun: args.dryRun } : {}),
      retry: { attempts: intOption(v, 'retry-attempts', 5, 1), baseDelayMs: intOption(v, 'retry-base-ms', 100, 1) },
      log,
      dedup: new DedupStore({ ttlMs: dedupTtlMs }),
      instance: process.env.POD_NAME ?? os.hostname(),
      // An action that started just before SIGTERM still ends inside the drain.
      actionBudgetMs: intOption(v, 'action-budget-ms', Math.max(1000, Math.floor(drainMs * 0.8)), 1),
      ...(v['state-dir'] !== undefined ? { journal: new Journal({ directory: v['state-dir'], retentionMs: dedupTtlMs }) } : {}),
    });
    // Unfinished intents are settled before any webhook can be decided against stale state.
    await controller.recover();
    server = new WebhookServer({
      controller,
      tokenFile: v['token-file'],
      maxBodyBytes: intOption(v, 'max-body-bytes', 1_048_576, 1024),
      log,
      ...(v['tls-cert'] !== undefined && v['tls-key'] !== undefined ? { tls: { certFile: v['tls-cert'], keyFile: v['tls-key'] } } : {}),
    });
    const port = await server.listen(intOption(v, 'port', 8080, 0), v.host ?? '0.0.0.0');
    log.log('info', 'listening', { port, tls: v['tls-cert'] !== undefined, dryRun: controller.engine.dryRun, rules: policy.rules.length, allowedNamespaces: policy.safety.allowedNamespaces });
    hooks.onListening?.(port);
  } catch (e) {
    const msg = e instanceof PolicyError ? `invalid policy ${v.policy}: ${e.message}` : (e as Error).message;
    log.log('error', 'startup failed', { error: msg });
    return 1;
  }

  const sweep = (): void => {
    void controller.sweepExpiredBlocks();
  };
  sweep();
  const timer = setInterval(sweep, sweepMs);
  timer.unref();

  await (hooks.stopSignal ??
    new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    }));
  clearInterval(timer);
  // The whole drain fits --drain-timeout-s (below the pod's terminationGracePeriodSeconds): the
  // server gets at most a fifth of it for requests being served, the actions the rest.
  const began = Date.now();
  log.log('info', 'shutting down', { pending: controller.pending, drainTimeoutMs: drainMs });
  const requestsFinished = await server.close(Math.min(5_000, Math.floor(drainMs / 5)));
  const drained = await controller.drain(Math.max(0, drainMs - (Date.now() - began)));
  const abandoned = drained ? 0 : controller.abandonPending();
  cluster.close?.();
  log.log(drained ? 'info' : 'error', 'stopped', { drained, requestsFinished, pending: controller.pending, abandoned, durationMs: Date.now() - began });
  return drained ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`remediation: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
