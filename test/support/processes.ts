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

/** Start Alertmanager with `configFile`, storing in `dataDir`, and wait until it is ready. */
export async function startAlertmanager(configFile: string, dataDir: string, timeoutMs = 15_000): Promise<RunningAlertmanager> {
  const port = await freePort();
  const lines: string[] = [];
  const cmd = toolCommand('prometheus-alertmanager', [
    `--config.file=${configFile}`, `--storage.path=${path.join(dataDir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', '--log.level=debug',
  ]);
  const child: ChildProcess = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => lines.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.status === 200).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager did not become ready:\n${lines.join('').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    log: () => lines.join(''),
    postAlerts: async (alerts) => (await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts),
    })).status,
    stop,
  };
}
