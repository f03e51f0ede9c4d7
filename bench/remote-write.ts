/**
 * Remote-write cost of the two tenancy designs, measured side by side in one run: for each tenant
 * count, two real Prometheus servers (the deployed release, from .cache/tools/sid) scrape the same
 * synthetic target (SERIES_PER_TENANT series per tenant plus platform series) and write to a local
 * receiver, one with the queues `RemoteWriteTenancy.queuePerTenant()` synthesizes (one per tenant
 * plus the platform's), one with the single queue of `RemoteWriteTenancy.byLabel()`. CPU is read
 * from /proc over the measurement window after a warm-up, RSS at its end.
 *
 *   npx ts-node --transpile-only bench/remote-write.ts [tenants...]   (default: 100 500)
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { deriveEnvironment, EnvironmentProfile, PROD, RemoteWriteTenancy } from '../src/core/environment';
import { SecretKeyRef } from '../src/core/secret-ref';
import { MonitoringPlatform } from '../src/platform/monitoring-platform';
import { remoteWriteConfig, startRemoteWriteReceiver } from '../test/support/remote-write';

const SERIES_PER_TENANT = 10;
const SCRAPE_INTERVAL_S = 5;
const WARMUP_S = 20;
const MEASURE_S = 30;
const PROMETHEUS = path.join(__dirname, '..', '.cache', 'tools', 'sid', 'root', 'usr', 'bin', 'prometheus');
const CLK_TCK = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Queue = Parameters<typeof remoteWriteConfig>[0][number];

function queues(environment: EnvironmentProfile, tenants: ReadonlyArray<string>): Queue[] {
  const chart = Testing.chart();
  const platform = new MonitoringPlatform(chart, 'platform', { environment, alerting: { configSecretName: 'am', credentialSecrets: [] }, grafanaAdminSecret: 'grafana-admin' });
  for (const t of tenants) platform.addTenant(t);
  platform.addAuditLogs({ url: 'https://elasticsearch.logging.svc:9200', username: 'grafana', password: SecretKeyRef.of('es', 'password') });
  const objects = Testing.synth(chart) as Array<{ kind: string; spec?: { remoteWrite?: Queue[] } }>;
  return objects.find((o) => o.kind === 'Prometheus')?.spec?.remoteWrite ?? [];
}

function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const rssMiB = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Result { readonly design: string; readonly queues: number; readonly millicores: number; readonly rssMiB: number; readonly samplesPerSecond: number }

async function measure(n: number): Promise<Result[]> {
  const tenants = Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}`);
  const body = [
    ...tenants.flatMap((t) => Array.from({ length: SERIES_PER_TENANT }, (_, j) => `app_metric{tenant="${t}",series="${j}"} ${j}`)),
    ...Array.from({ length: 50 }, (_, j) => `platform_metric{series="${j}"} ${j}`), '',
  ].join('\n');
  const target = http.createServer((_, res) => { res.setHeader('Content-Type', 'text/plain; version=0.0.4'); res.end(body); });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const address = `127.0.0.1:${(target.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-remote-write-'));
  const designs: Array<[string, Queue[]]> = [
    ['queue per tenant', queues(deriveEnvironment(PROD, { name: 'q', remoteWrite: { ...PROD.remoteWrite!, tenancy: RemoteWriteTenancy.queuePerTenant() } }), tenants)],
    ['one queue (by label)', queues(PROD, tenants)],
  ];
  const runs: Array<{ design: string; queues: number; child: ChildProcess; receiver: Awaited<ReturnType<typeof startRemoteWriteReceiver>> }> = [];
  for (const [design, qs] of designs) {
    const receiver = await startRemoteWriteReceiver('X-Scope-OrgID', { decode: false });
    const file = path.join(dir, `${runs.length}.yaml`);
    fs.writeFileSync(file, stringify({
      global: { scrape_interval: `${SCRAPE_INTERVAL_S}s` },
      scrape_configs: [{ job_name: 'apps', static_configs: [{ targets: [address] }] }],
      remote_write: remoteWriteConfig(qs, receiver.url),
    }));
    const child = spawn(PROMETHEUS, [`--config.file=${file}`, `--storage.tsdb.path=${path.join(dir, `${runs.length}-db`)}`, `--web.listen-address=127.0.0.1:${await freePort()}`], { stdio: 'ignore' });
    runs.push({ design, queues: qs.length, child, receiver });
  }
  await sleep(WARMUP_S * 1000);
  const start = runs.map((r) => ({ ticks: cpuTicks(r.child.pid as number), samples: r.receiver.stats.requests }));
  const receivedBefore = runs.map((r) => r.receiver.stats.requests);
  await sleep(MEASURE_S * 1000);
  const results = runs.map((r, i) => ({
    design: r.design,
    queues: r.queues,
    millicores: Math.round(((cpuTicks(r.child.pid as number) - start[i]!.ticks) / CLK_TCK / MEASURE_S) * 1000),
    rssMiB: rssMiB(r.child.pid as number),
    samplesPerSecond: Math.round((n * SERIES_PER_TENANT + 50) / SCRAPE_INTERVAL_S),
    requests: r.receiver.stats.requests - (receivedBefore[i] ?? 0),
  }));
  for (const r of runs) { r.child.kill('SIGTERM'); await r.receiver.close(); }
  target.close();
  await sleep(1000);
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  process.stdout.write(`remote write: ${SERIES_PER_TENANT} series per tenant, scrape every ${SCRAPE_INTERVAL_S}s, CPU over ${MEASURE_S}s after ${WARMUP_S}s warm-up; both designs run at the same time\n`);
  process.stdout.write('tenants  design                  queues  CPU millicores  RSS MiB  samples/s scraped  write requests\n');
  for (const n of sizes.length > 0 ? sizes : [100, 500]) {
    for (const r of await measure(n)) {
      process.stdout.write(`${String(n).padStart(7)}  ${r.design.padEnd(22)}  ${String(r.queues).padStart(6)}  ${String(r.millicores).padStart(14)}  ${String(r.rssMiB).padStart(7)}  ${String(r.samplesPerSecond).padStart(17)}  ${String((r as Result & { requests: number }).requests).padStart(14)}\n`);
    }
  }
}

main().catch((e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exit(1); });
