/**
 * Tenant isolation of remote write, with a real Prometheus (the deployed release) sending to a
 * receiver on loopback that decodes the snappy-compressed protobuf (test/support/remote-write.ts).
 * Both designs run with the remote-write queues the platform synthesizes:
 *
 * - queue per tenant: each tenant's series arrive under its own X-Scope-OrgID and no other's, the
 *   platform's under `platform`;
 * - by label (one queue to a tenant gateway): every series arrives once, with its tenant label
 *   intact, and partitioning them by that label (the gateway's rule, with `platform` for series
 *   without it) gives exactly the per-tenant design's partition.
 *
 * The gateway itself (cortex-tenant) is not packaged in Debian and is not run here.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { deriveEnvironment, EnvironmentProfile, PROD, RemoteWriteTenancy } from '../../src/core/environment';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { MonitoringPlatform } from '../../src/platform/monitoring-platform';
import { freePort, stopProcesses } from '../support/processes';
import { remoteWriteConfig, RemoteWriteReceiver, startRemoteWriteReceiver } from '../support/remote-write';
import { Manifest } from '../support/schema';
import { requireTool } from '../support/tools';

const TENANTS = ['acme', 'globex', 'initech'];
const children: ChildProcess[] = [];
const logs: string[] = [];
let dir = '';
let target: http.Server;
let targetAddress = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Queue = Parameters<typeof remoteWriteConfig>[0][number];
function synthesizedQueues(environment: EnvironmentProfile): Queue[] {
  const chart = Testing.chart();
  const platform = new MonitoringPlatform(chart, 'platform', { environment, alerting: { configSecretName: 'am', credentialSecrets: [] }, grafanaAdminSecret: 'grafana-admin' });
  for (const t of TENANTS) platform.addTenant(t);
  platform.addAuditLogs({ url: 'https://elasticsearch.logging.svc:9200', username: 'grafana', password: SecretKeyRef.of('es', 'password') });
  const prometheus = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'Prometheus') as Manifest;
  return (prometheus.spec as { remoteWrite: Queue[] }).remoteWrite;
}

async function run(name: string, queues: Queue[]): Promise<RemoteWriteReceiver> {
  const receiver = await startRemoteWriteReceiver();
  const port = await freePort();
  const configFile = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(configFile, stringify({
    global: { scrape_interval: '1s' },
    scrape_configs: [{ job_name: 'apps', static_configs: [{ targets: [targetAddress] }] }],
    remote_write: remoteWriteConfig(queues, receiver.url),
  }));
  const child = spawn(requireTool('prometheus'), [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, `${name}-db`)}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  children.push(child);
  // Until every tenant's series and the platform's have arrived.
  const deadline = Date.now() + 30_000;
  const complete = () => {
    const all = [...receiver.byTenant.values()].flatMap((m) => [...m.keys()]).map((k) => JSON.parse(k) as Record<string, string>);
    return [...TENANTS, undefined].every((t) => all.some((l) => l.__name__ === 'app_requests_total' && l.tenant === t));
  };
  while (!complete()) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name}: not every tenant arrived:\n${logs.join('').slice(-3000)}`);
    await sleep(300);
  }
  child.kill('SIGTERM');
  return receiver;
}

const appSeries = (keys: Iterable<string>) => [...keys].map((k) => JSON.parse(k) as Record<string, string>).filter((l) => l.job === 'apps' && l.__name__.startsWith('app_'));

let perTenant: RemoteWriteReceiver;
let byLabel: RemoteWriteReceiver;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-write-tenancy-'));
  target = http.createServer((_, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end([...TENANTS.flatMap((t, i) => [`app_requests_total{tenant="${t}",code="200"} ${i}`, `app_latency_seconds{tenant="${t}"} 0.${i + 1}`]), 'app_requests_total{code="200"} 7', ''].join('\n'));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetAddress = `127.0.0.1:${(target.address() as AddressInfo).port}`;
  const queuesPerTenant = synthesizedQueues(deriveEnvironment(PROD, { name: 'q', remoteWrite: { ...PROD.remoteWrite!, tenancy: RemoteWriteTenancy.queuePerTenant() } }));
  const queuesByLabel = synthesizedQueues(PROD);
  expect([queuesPerTenant.length, queuesByLabel.length]).toEqual([TENANTS.length + 1, 1]);
  [perTenant, byLabel] = await Promise.all([run('per-tenant', queuesPerTenant), run('by-label', queuesByLabel)]);
}, 60_000);

afterAll(async () => {
  await stopProcesses(children);
  target?.close();
  await Promise.all([perTenant, byLabel].filter(Boolean).map((r) => r.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('queue per tenant: a tenant\'s samples arrive only under its own tenant id, the platform\'s under "platform"', () => {
  expect(perTenant.stats.errors).toBe(0);
  expect([...perTenant.byTenant.keys()].sort()).toEqual([...TENANTS, 'platform'].sort());
  for (const t of TENANTS) {
    const series = [...(perTenant.byTenant.get(t) as Map<string, number>).keys()].map((k) => JSON.parse(k) as Record<string, string>);
    expect(series.length).toBeGreaterThan(0);
    expect(series.filter((l) => l.tenant !== t)).toEqual([]);
  }
  expect(appSeries((perTenant.byTenant.get('platform') as Map<string, number>).keys()).filter((l) => l.tenant !== undefined)).toEqual([]);
});

test('by label: one queue, no header, every series once with its tenant label; partitioned by it, the same as per tenant', () => {
  expect(byLabel.stats.errors).toBe(0);
  expect([...byLabel.byTenant.keys()]).toEqual(['']);
  const partition = (series: Record<string, string>[]) => {
    const out: Record<string, string[]> = {};
    for (const l of series) (out[l.tenant ?? 'platform'] ??= []).push(JSON.stringify(l));
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.sort()]).sort());
  };
  const viaGateway = partition(appSeries((byLabel.byTenant.get('') as Map<string, number>).keys()));
  const perQueue = Object.fromEntries([...perTenant.byTenant.entries()].map(([t, m]) => [t, appSeries(m.keys()).map((l) => JSON.stringify(l)).sort()]).sort());
  expect(viaGateway).toEqual(perQueue);
  expect(Object.keys(viaGateway).sort()).toEqual([...TENANTS, 'platform'].sort());
});
