/**
 * Rule evaluation benchmark: the built-in packs in both layouts on a real Prometheus (the deployed
 * 3.5.3, from `scripts/fetch-test-tools.sh`) on loopback, fresh database, with the same synthetic
 * series for each tenant served by an in-process exporter.
 *
 * - `aggregated`: the packs once (`aggregatedTenantRuleGroups`), whatever the number of tenants;
 * - `per-tenant`: every tenant's scoped copy (`defaultTenantRuleGroups` rendered for the tenant);
 * - `none`: no rules, the cost of scraping and storing the series alone; evaluation CPU is a
 *   design's CPU minus this baseline.
 *
 * Per run: rules loaded, CPU in cores (utime + stime of the Prometheus process over the measured
 * window), evaluation seconds per cycle (sum of `prometheus_rule_group_last_duration_seconds`),
 * RSS, head series and missed iterations. Baseline, escalation and tenant-written rules are the
 * same in both layouts and left out.
 *
 *   npx ts-node --transpile-only bench/rules.ts [--tenants 10,100,1000] [--seconds 30] [--interval 15s] [--pods 2]
 *
 * The environment variables BENCH_RULES_TENANTS, BENCH_RULES_SECONDS, BENCH_RULES_INTERVAL and
 * BENCH_RULES_PODS set the same, for `npm run bench`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Duration } from '../src/core/duration';
import { PROD } from '../src/core/environment';
import { aggregatedTenantRuleGroups, TENANT_ALERT_DISABLED_RECORD } from '../src/prometheus/aggregated';
import { isAlertRule, RenderedGroup, renderRuleGroups } from '../src/prometheus/model';
import { defaultTenantRuleGroups } from '../src/prometheus/packs';
import { listMetricNames } from '../src/prometheus/tenant-matcher';

type Design = 'none' | 'aggregated' | 'per-tenant';

interface Options {
  readonly tenants: number[];
  readonly seconds: number;
  readonly interval: Duration;
  readonly pods: number;
  readonly designs: Design[];
}

interface Row {
  readonly design: Design;
  readonly tenants: number;
  readonly rules: number;
  readonly cores: number;
  readonly evalSeconds: number;
  readonly rssMiB: number;
  readonly headSeries: number;
  readonly missed: number;
  /** The groups that took longest in their last evaluation, with seconds. */
  readonly slowest: string;
}

function flag(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : process.env[env] ?? fallback;
}

function options(): Options {
  const tenants = flag('tenants', 'BENCH_RULES_TENANTS', '10,100,1000').split(',').map((s) => Number(s.trim()));
  const seconds = Number(flag('seconds', 'BENCH_RULES_SECONDS', '30'));
  const pods = Number(flag('pods', 'BENCH_RULES_PODS', '2'));
  if (tenants.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--tenants: got ${JSON.stringify(tenants)}; allowed: a comma-separated list of positive integers`);
  if (!(seconds >= 10)) throw new Error(`--seconds: got ${seconds}; allowed: at least 10`);
  if (!Number.isInteger(pods) || pods < 1) throw new Error(`--pods: got ${pods}; allowed: a positive integer`);
  const designs = flag('designs', 'BENCH_RULES_DESIGNS', 'none,aggregated,per-tenant').split(',').map((d) => d.trim()) as Design[];
  if (designs.some((d) => !['none', 'aggregated', 'per-tenant'].includes(d))) throw new Error(`--designs: got ${JSON.stringify(designs)}; allowed: none, aggregated, per-tenant`);
  return { tenants, seconds, pods, designs, interval: Duration.parse(flag('interval', 'BENCH_RULES_INTERVAL', '15s'), '<bench>', '--interval') };
}

const tenantId = (i: number): string => `tenant-${String(i).padStart(5, '0')}`;

/** The metrics the packs read (not what they record), and the extra label sets each needs to be selected. */
function sourceMetrics(): string[] {
  const groups = aggregatedTenantRuleGroups(PROD);
  const recorded = new Set(groups.flatMap((g) => g.rules.filter((r) => !isAlertRule(r)).map((r) => (r as { record: string }).record)));
  const read = new Set(groups.flatMap((g) => g.rules.flatMap((r) => listMetricNames(r.expr))));
  return [...read].filter((m) => !recorded.has(m) && m !== TENANT_ALERT_DISABLED_RECORD && !m.startsWith('tenant_threshold:')).sort();
}

/** Label variants a metric's selectors filter on, so every rule has input. */
function variants(metric: string): string[] {
  if (metric === 'http_requests_total') return ['code="200"', 'code="500"', 'code="403"'];
  if (metric === 'auth_attempts_total') return ['result="success"', 'result="failure"'];
  if (metric === 'kube_pod_container_resource_limits') return ['resource="cpu"', 'resource="memory"'];
  if (metric.endsWith('_bucket')) return ['le="0.1"', 'le="0.2"', 'le="0.5"', 'le="+Inf"'];
  if (metric.startsWith('ml_drift')) return ['feature="f1", method="psi"'];
  if (metric === 'http_requests_by_source_total') return ['source_ip="10.0.0.1"'];
  return [''];
}

/** An exposition of every source metric for every tenant and pod; counters grow with time. */
function exposition(metrics: ReadonlyArray<string>, tenants: number, pods: number, startedAt: number): string {
  const t = (Date.now() - startedAt) / 1000;
  const lines: string[] = [];
  for (const metric of metrics) {
    const counter = metric.endsWith('_total') || metric.endsWith('_bucket') || metric.endsWith('_count') || metric.endsWith('_seconds_total');
    for (let i = 0; i < tenants; i++) {
      const id = tenantId(i);
      for (let p = 0; p < pods; p++) {
        for (const v of variants(metric)) {
          const labels = `tenant="${id}", namespace="${id}", pod="app-${p}", container="app", model="m1", job="app", persistentvolumeclaim="data-${p}"${v ? `, ${v}` : ''}`;
          const value = counter ? (10 + i % 7) * t : metric === 'up' ? 1 : metric.includes('timestamp') ? Math.floor(startedAt / 1000) : 0.3 + (i % 5) / 100;
          lines.push(`${metric}{${labels}} ${value}`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function rulesFiles(design: Design, tenants: number, dir: string): string[] {
  const write = (name: string, groups: RenderedGroup[]): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, stringify({ groups }, { lineWidth: 0 }));
    return file;
  };
  if (design === 'none') return [];
  if (design === 'aggregated') return [write('aggregated.yaml', renderRuleGroups(aggregatedTenantRuleGroups(PROD)))];
  return Array.from({ length: tenants }, (_, i) => write(`${tenantId(i)}.yaml`, renderRuleGroups(defaultTenantRuleGroups(PROD, tenantId(i)), { tenant: tenantId(i) })));
}

function prometheusBinary(): string {
  const bin = path.join(__dirname, '..', '.cache/tools/sid/root/usr/bin/prometheus');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/fetch-test-tools.sh`);
  return bin;
}

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Every series of `metric` in Prometheus' own /metrics (it does not scrape itself here): labels text and value. */
async function ownSeries(port: number, metric: string): Promise<Array<[string, number]>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .map((l) => [l.slice(metric.length, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]);
}

async function ownMetric(port: number, metric: string): Promise<number> {
  return (await ownSeries(port, metric)).reduce((sum, [, v]) => sum + v, 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitReady(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error('prometheus did not become ready in 300 s');
}

async function runOne(design: Design, tenants: number, opts: Options): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-rules-${design}-`));
  const metrics = sourceMetrics();
  const startedAt = Date.now();
  const exporter = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition(metrics, tenants, opts.pods, startedAt));
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterPort = (exporter.address() as AddressInfo).port;
  const port = await freePort();
  const interval = opts.interval.toPrometheus();
  const files = rulesFiles(design, tenants, dir);
  fs.writeFileSync(path.join(dir, 'prometheus.yaml'), stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: files.length > 0 ? [path.join(dir, design === 'aggregated' ? 'aggregated.yaml' : 'tenant-*.yaml')] : [],
    scrape_configs: [{ job_name: 'synthetic', honor_labels: true, scrape_timeout: interval, static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
  }));
  const proc = spawn(prometheusBinary(), [
    `--config.file=${path.join(dir, 'prometheus.yaml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  try {
    await waitReady(port, proc);
    const pid = proc.pid as number;
    // Warm up: two cycles, so every group has run and the head holds every series.
    await sleep(2 * opts.interval.toMilliseconds());
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    await sleep(opts.seconds * 1000);
    const cores = (cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000);
    return {
      design, tenants, cores,
      rules: await ownMetric(port, 'prometheus_rule_group_rules'),
      evalSeconds: await ownMetric(port, 'prometheus_rule_group_last_duration_seconds'),
      rssMiB: rssMiB(pid),
      headSeries: await ownMetric(port, 'prometheus_tsdb_head_series'),
      missed: await ownMetric(port, 'prometheus_rule_group_iterations_missed_total'),
      slowest: (await ownSeries(port, 'prometheus_rule_group_last_duration_seconds')).sort((a, b) => b[1] - a[1]).slice(0, 3)
        .map(([labels, v]) => `${/rule_group="[^"]*;([^"]+)"/.exec(labels)?.[1] ?? labels} ${v.toFixed(2)}s`).join(', '),
    };
  } catch (e) {
    throw new Error(`${design} at ${tenants} tenants: ${(e as Error).message}\n${stderr}`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
    await new Promise<void>((r) => exporter.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opts = options();
  process.stdout.write(`prometheus 3.5.3, fresh database, evaluation interval ${opts.interval.toPrometheus()}, ${opts.pods} pods per tenant, ${opts.seconds} s measured after 2 warm-up cycles\n`);
  process.stdout.write('design      tenants   rules  CPU cores  eval CPU  eval s/cycle  RSS MiB  head series  missed\n');
  for (const tenants of opts.tenants) {
    const rows: Row[] = [];
    for (const design of opts.designs) rows.push(await runOne(design, tenants, opts));
    const base = rows.find((r) => r.design === 'none')?.cores ?? 0;
    for (const r of rows) {
      const evalCpu = r.design === 'none' ? '-' : Math.max(0, r.cores - base).toFixed(3);
      process.stdout.write(`${r.design.padEnd(10)}  ${String(r.tenants).padStart(7)}  ${String(r.rules).padStart(6)}  ${r.cores.toFixed(3).padStart(9)}  ${evalCpu.padStart(8)}  ${r.evalSeconds.toFixed(3).padStart(12)}  ${String(r.rssMiB).padStart(7)}  ${String(r.headSeries).padStart(11)}  ${String(r.missed).padStart(6)}\n`);
      if (r.slowest) process.stdout.write(`            slowest groups: ${r.slowest}\n`);
    }
    const agg = rows.find((r) => r.design === 'aggregated');
    const per = rows.find((r) => r.design === 'per-tenant');
    if (!agg || !per) continue;
    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');
    process.stdout.write(`  at ${tenants} tenants, aggregated / per-tenant: rules ${ratio(agg.rules, per.rules)}, eval CPU ${ratio(Math.max(0, agg.cores - base), Math.max(0, per.cores - base))}, eval s ${ratio(agg.evalSeconds, per.evalSeconds)}\n`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
