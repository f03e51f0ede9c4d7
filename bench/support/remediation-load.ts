/**
 * Open-loop load for the remediation benchmark, run in its own process so that a stalled
 * controller cannot slow the generator down: request i is due at start + i / rate, whatever
 * happened to the earlier ones, and its latency is measured from that scheduled time. /healthz is
 * probed every 100 ms the same way. Prints one JSON object.
 *
 *   ts-node bench/support/remediation-load.ts '{"port":8080,"token":"…","alertsPerSecond":1000,…}'
 */
import * as http from 'node:http';

interface LoadSpec {
  readonly port: number;
  readonly token: string;
  readonly alertsPerSecond: number;
  readonly alertsPerRequest: number;
  readonly seconds: number;
  /** Share of alerts that repeat one sent before (Alertmanager's re-sends). */
  readonly duplicateShare: number;
  readonly targets: number;
  readonly timeoutMs: number;
  /** Seconds sent at the full rate before measuring (JIT, connection pools), not recorded. */
  readonly warmupSeconds: number;
}

/** What the generator measured. */
export interface LoadResult {
  readonly requests: number;
  readonly alerts: number;
  readonly statuses: Record<string, number>;
  readonly timeouts: number;
  readonly latencyMs: readonly number[];
  readonly healthzMs: readonly number[];
  readonly lateStarts: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let fresh = 0;
const recent: string[] = [];

function nextAlerts(): Record<string, unknown>[] {
  return Array.from({ length: spec.alertsPerRequest }, () => {
    let n: number;
    if (recent.length > 0 && Math.random() < spec.duplicateShare) n = Number(recent[Math.floor(Math.random() * recent.length)]);
    else {
      n = fresh++;
      recent.push(String(n));
      if (recent.length > 2000) recent.shift();
    }
    return {
      status: 'firing',
      labels: { alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `d-${n % spec.targets}`, seq: String(n) },
      annotations: {},
      startsAt: '2024-05-01T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `bench-${n}`,
    };
  });
}

function request(method: string, path: string, body: string | undefined, scheduled: number): Promise<{ status: string; ms: number }> {
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${spec.token}` };
    const req = http.request({ host: '127.0.0.1', port: spec.port, path, method, agent, headers, timeout: spec.timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: String(res.statusCode), ms: performance.now() - scheduled }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: e.message === 'timeout' ? 'timeout' : 'error', ms: performance.now() - scheduled }));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const perSecond = spec.alertsPerSecond / spec.alertsPerRequest;
  const warmup = Math.round(perSecond * spec.warmupSeconds);
  const total = warmup + Math.round(perSecond * spec.seconds);
  const statuses: Record<string, number> = {};
  const latencyMs: number[] = [];
  const healthzMs: number[] = [];
  let lateStarts = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now() + 50;
  let next = 0;
  let nextProbe = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + (next * 1000) / perSecond <= now) {
      const scheduled = start + (next * 1000) / perSecond;
      if (now - scheduled > 5) lateStarts++;
      const body = JSON.stringify({ version: '4', groupKey: '{}:{alertname="Crash"}', truncatedAlerts: 0, status: 'firing', receiver: 'remediation', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager', alerts: nextAlerts() });
      const measured = next >= warmup;
      pending.push(request('POST', '/webhook', body, scheduled).then((r) => {
        if (!measured) return;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        latencyMs.push(r.ms);
      }));
      next++;
    }
    while (start + nextProbe * 100 <= now) {
      const measured = nextProbe * 100 >= spec.warmupSeconds * 1000;
      pending.push(request('GET', '/healthz', undefined, start + nextProbe * 100).then((r) => void (measured && healthzMs.push(r.ms))));
      nextProbe++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  const result: LoadResult = { requests: total - warmup, alerts: (total - warmup) * spec.alertsPerRequest, statuses, timeouts: statuses.timeout ?? 0, latencyMs, healthzMs, lateStarts };
  process.stdout.write(JSON.stringify(result));
}

main().catch((e: unknown) => {
  process.stderr.write(`load generator failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
