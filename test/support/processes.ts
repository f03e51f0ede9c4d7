import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { toolCommand } from './tools';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Stop the processes that are still running (SIGTERM) and wait until each has exited. */
export function stopProcesses(children: ReadonlyArray<ChildProcess>): Promise<void> {
  return Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  }))).then(() => undefined);
}

/** A real Alertmanager (Debian prometheus-alertmanager) on loopback. */
export interface RunningAlertmanager {
  readonly port: number;
  /** Everything it logged so far. */
  readonly log: () => string;
  /** POST alerts to its API v2. */
  readonly postAlerts: (alerts: ReadonlyArray<Record<string, unknown>>) => Promise<number>;
  /** SIGTERM and wait for the exit. */
  readonly stop: () => Promise<void>;
}

/** How to run one Alertmanager process. */
export interface AlertmanagerProcessOptions {
  /** The configuration file. */
  readonly configFile: string;
  /** The `--storage.path` (kept across restarts). */
  readonly storageDir: string;
  /** The loopback port of its web API. @default - a free port */
  readonly webPort?: number;
  /** Gossip on loopback: its own cluster port and its peers' ports. @default - no cluster */
  readonly cluster?: { readonly listenPort: number; readonly peerPorts: ReadonlyArray<number> };
  /** A hosts file it sees as /etc/hosts (see `toolCommand`). @default - the machine's */
  readonly hostsFile?: string;
  /** A PEM bundle it trusts instead of the system roots (`SSL_CERT_FILE`). @default - the system roots */
  readonly caFile?: string;
  /** More flags, e.g. `--data.retention=120h`. @default - none */
  readonly extraArgs?: ReadonlyArray<string>;
}

/** One Alertmanager process that can be killed and started again on the same ports and storage. */
export class AlertmanagerProcess implements RunningAlertmanager {
  /** Start it and wait until it is ready. */
  public static async start(opts: AlertmanagerProcessOptions, timeoutMs = 15_000): Promise<AlertmanagerProcess> {
    const am = new AlertmanagerProcess(opts, opts.webPort ?? await freePort());
    await am.start(timeoutMs);
    return am;
  }

  private child: ChildProcess | undefined;
  private readonly lines: string[] = [];

  private constructor(private readonly opts: AlertmanagerProcessOptions, public readonly port: number) {}

  /** Start the process (again) and wait until its API answers `/-/ready`. */
  public async start(timeoutMs = 15_000): Promise<void> {
    const c = this.opts.cluster;
    const cmd = toolCommand('prometheus-alertmanager', [
      `--config.file=${this.opts.configFile}`, `--storage.path=${this.opts.storageDir}`, `--web.listen-address=127.0.0.1:${this.port}`,
      ...(c ? [`--cluster.listen-address=127.0.0.1:${c.listenPort}`, ...c.peerPorts.map((p) => `--cluster.peer=127.0.0.1:${p}`)] : ['--cluster.listen-address=']),
      '--log.level=debug', ...(this.opts.extraArgs ?? []),
    ], { hostsFile: this.opts.hostsFile });
    const env = this.opts.caFile ? { ...process.env, SSL_CERT_FILE: this.opts.caFile } : process.env;
    const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.lines.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.lines.push(d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${this.port}/-/ready`).then((r) => r.status === 200).catch(() => false);
      if (ready) return;
      if (Date.now() > deadline || child.exitCode !== null) {
        await this.stop();
        throw new Error(`alertmanager did not become ready:\n${this.log().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Everything it logged so far, across restarts. */
  public log(): string {
    return this.lines.join('');
  }

  /** POST alerts to its API v2; the HTTP status. */
  public async postAlerts(alerts: ReadonlyArray<Record<string, unknown>>): Promise<number> {
    return (await fetch(`http://127.0.0.1:${this.port}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts),
    })).status;
  }

  /** The sum of a metric's samples on its `/metrics`, or `undefined` when it has none. */
  public async metric(name: string): Promise<number | undefined> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    const values = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  }

  /** Send `signal` and wait for the exit. */
  public async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** SIGTERM and wait for the exit. */
  public async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }
}

/** Start Alertmanager with `configFile`, storing in `dataDir`, and wait until it is ready. */
export async function startAlertmanager(configFile: string, dataDir: string, timeoutMs = 15_000): Promise<RunningAlertmanager> {
  return AlertmanagerProcess.start({ configFile, storageDir: path.join(dataDir, 'am-data') }, timeoutMs);
}
