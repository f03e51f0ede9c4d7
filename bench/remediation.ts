/**
 * Remediation controller benchmark: webhook handling latency (p50, p99) at a fixed rate of
 * 200 alerts/s and the highest throughput, on loopback, in dry-run and live modes. The controller
 * runs in-process with the real @kubernetes/client-node client against the Kubernetes API test
 * server (test/runtime/remediation/support), so live mode includes real API writes and Events.
 * The API test server and the load generator share the process (and its 2 cores) with the
 * controller, so the figures are an upper bound for the controller alone; 300 warm-up requests
 * per mode are not measured.
 *
 *   npx ts-node --transpile-only bench/remediation.ts
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePolicy } from '../src/remediation/policy';
import { AuditLog, RemediationMetrics } from '../src/runtime/remediation/audit';
import { RemediationController } from '../src/runtime/remediation/controller';
import { createKubeCluster } from '../src/runtime/remediation/kube-cluster';
import { WebhookServer } from '../src/runtime/remediation/server';
import { KubeApiTestServer } from '../test/runtime/remediation/support/kube-api-server';

const TARGETS = 500;
const RATE = 200;
const RATE_SECONDS = 5;
const THROUGHPUT_SECONDS = 3;
const CONCURRENCY = 32;
const TOKEN = 'bench-token';

interface Row {
  mode: string;
  load: string;
  alerts: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  actions: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function post(port: number, agent: http.Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${TOKEN}` } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let seq = 0;
function nextBody(): string {
  const n = seq++;
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="Crash", namespace="team-a"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'remediation',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `d-${n % TARGETS}`, seq: String(n) },
        annotations: {},
        startsAt: '2024-05-01T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `bench-${n}`,
      },
    ],
  });
}

async function fixedRate(port: number, agent: http.Agent): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = process.hrtime.bigint();
  const total = RATE * RATE_SECONDS;
  for (let i = 0; i < total; i++) {
    const due = start + BigInt(Math.round((i * 1e9) / RATE));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = nextBody();
    const t0 = process.hrtime.bigint();
    pending.push(post(port, agent, body).then(() => void latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)));
  }
  await Promise.all(pending);
  return latencies;
}

async function closedLoop(port: number, agent: http.Agent): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + THROUGHPUT_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const body = nextBody();
        const t0 = process.hrtime.bigint();
        await post(port, agent, body);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return latencies;
}

async function runMode(mode: 'dry-run' | 'live', api: KubeApiTestServer, kubeconfig: string, tokenFile: string): Promise<Row[]> {
  const policy = parsePolicy(`
safety: { dryRun: ${mode === 'dry-run'}, cooldown: 0s, perNamespaceCap: 1000000, globalCap: 1000000, maxAttempts: 1000000, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
`);
  let auditLines = 0;
  const controller = new RemediationController({
    policy,
    cluster: await createKubeCluster({ kubeconfig }),
    log: new AuditLog(() => auditLines++),
    metrics: new RemediationMetrics(),
  });
  const server = new WebhookServer({ controller, tokenFile });
  const port = await server.listen(0, '127.0.0.1');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Warm-up (JIT, connection pool, the client's lazy setup), not measured.
  await Promise.all(Array.from({ length: 300 }, () => post(port, agent, nextBody())));
  await controller.drain(60_000);
  const rows: Row[] = [];
  for (const [load, run] of [
    [`${RATE}/s for ${RATE_SECONDS}s`, fixedRate],
    [`max, ${CONCURRENCY} concurrent`, closedLoop],
  ] as const) {
    const changesBefore = api.changes.length;
    const t0 = Date.now();
    const lat = await run(port, agent);
    const seconds = (Date.now() - t0) / 1000;
    await controller.drain(60_000);
    const sorted = [...lat].sort((a, b) => a - b);
    rows.push({ mode, load, alerts: lat.length, seconds, perSecond: lat.length / seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1], actions: api.changes.length - changesBefore });
  }
  agent.destroy();
  await server.close();
  if (auditLines < rows.reduce((n, r) => n + r.alerts, 0)) throw new Error(`audit lines lost: ${auditLines}`);
  return rows;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-bench-'));
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, TOKEN);
  const api = new KubeApiTestServer();
  await api.start();
  for (let i = 0; i < TARGETS; i++) api.addWorkload('deployments', 'team-a', `d-${i}`, 2);
  const kubeconfig = api.writeKubeconfig(dir);
  const rows = [...(await runMode('dry-run', api, kubeconfig, tokenFile)), ...(await runMode('live', api, kubeconfig, tokenFile))];
  await api.stop();
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log('remediation webhook on loopback (1 alert per request, keep-alive; latency is the client round trip)');
  console.log(`${pad('mode', 8)} ${pad('load', 24)} ${pad('alerts', 7)} ${pad('alerts/s', 9)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('max ms', 7)} API writes incl. Events`);
  for (const r of rows) {
    console.log(`${pad(r.mode, 8)} ${pad(r.load, 24)} ${pad(String(r.alerts), 7)} ${pad(r.perSecond.toFixed(0), 9)} ${pad(r.p50.toFixed(2), 7)} ${pad(r.p99.toFixed(2), 7)} ${pad(r.max.toFixed(1), 7)} ${r.actions}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  const target = rows.filter((r) => r.load.startsWith(`${RATE}/s`));
  const ok = target.every((r) => r.p99 < 50);
  console.log(`target p99 < 50 ms at ${RATE} alerts/s: ${ok ? 'met' : 'NOT met'} (${target.map((r) => `${r.mode} ${r.p99.toFixed(2)} ms`).join(', ')})`);
  if (!ok) process.exitCode = 1;
}

void main();
