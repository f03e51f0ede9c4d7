/**
 * Runs the real controller program (`src/runtime/remediation/main.ts` through ts-node) as a child
 * process and collects its JSON log lines.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** A log line of the controller. */
export type LogLine = Record<string, unknown>;

/** The running controller. */
export class ControllerProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  port = 0;
  readonly token = 'webhook-test-token-0123456789';
  readonly dir: string;
  private child?: ChildProcess;
  private exit?: Promise<number>;

  constructor(
    private readonly policyYaml: string,
    private readonly args: readonly string[],
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-'));
  }

  /** Path of the token file (for an Alertmanager `credentials_file`). */
  get tokenFile(): string {
    return path.join(this.dir, 'token');
  }

  /** Start and wait until it listens. */
  async start(timeoutMs = 20_000): Promise<void> {
    fs.writeFileSync(path.join(this.dir, 'policy.yaml'), this.policyYaml);
    fs.writeFileSync(this.tokenFile, `${this.token}\n`);
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/runtime/remediation/main.ts', '--policy', path.join(this.dir, 'policy.yaml'), '--token-file', this.tokenFile, '--host', '127.0.0.1', '--port', '0', ...this.args],
      { cwd: ROOT, env: { ...process.env, KUBECONFIG: '', REMEDIATION_DRY_RUN: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    // 'close' (not 'exit'): every line the process wrote has been read by then.
    this.exit = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : -1))));
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.stderr.push(`stdout: ${line}`);
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString('utf8')));
    const listening = await this.waitFor(() => this.lines.find((l) => l.msg === 'listening' || l.msg === 'startup failed'), timeoutMs);
    if (listening.msg !== 'listening') throw new Error(`controller did not start: ${JSON.stringify(listening)}`);
    this.port = listening.port as number;
  }

  /** Decision lines logged so far. */
  decisions(): LogLine[] {
    return this.lines.filter((l) => l.msg === 'decision');
  }

  /** Wait until `probe` returns something, polling every 20 ms. */
  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out; stderr: ${this.stderr.join('').slice(-2000)}; last lines: ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** POST a webhook body; resolves to the status and the parsed body. */
  post(body: unknown, token: string = this.token, agent?: http.Agent): Promise<{ status: number; body: unknown }> {
    return postJson(this.port, '/webhook', body, token, agent);
  }

  /** SIGKILL (no shutdown at all, as the kernel's OOM killer or a node failure would) and wait until its output is read. */
  async kill(): Promise<number> {
    if (this.child === undefined || this.exit === undefined) return -1;
    this.child.kill('SIGKILL');
    return this.exit;
  }

  /** Log lines with the given `msg`. */
  messages(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number> {
    if (this.child === undefined || this.exit === undefined) return -1;
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }
}

/** POST JSON to a loopback server with a bearer token. */
export function postJson(port: number, urlPath: string, body: unknown, token: string, agent?: http.Agent): Promise<{ status: number; body: unknown }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw);
          } catch {
            // Not JSON (e.g. metrics text).
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** A firing (or resolved) alert as Alertmanager sends it in a version 4 payload. */
export function alert(labels: Record<string, string>, opts: { status?: 'firing' | 'resolved'; fingerprint?: string; startsAt?: string } = {}): Record<string, unknown> {
  return {
    status: opts.status ?? 'firing',
    labels,
    annotations: {},
    startsAt: opts.startsAt ?? '2024-05-01T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: opts.fingerprint ?? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
  };
}

/** A version 4 webhook payload around the alerts. */
export function payload(alerts: readonly Record<string, unknown>[], groupKey = '{}:{alertname="X"}'): Record<string, unknown> {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'remediation',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager',
    alerts,
  };
}
