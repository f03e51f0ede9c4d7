/**
 * Real components on loopback: the prod environment's Prometheus rules, exactly as synthesized
 * and laid out as the Prometheus operator mounts them (the PrometheusRule objects its selectors
 * pick, with the namespace label it enforces; test/support/operator-layout.ts), loaded and
 * evaluated by a real Prometheus (the deployed release) scraping itself and a real node-exporter.
 *
 * The configuration is the part of the operator-generated one that rules depend on (external
 * labels, rule files); only the intervals are shortened (1 s) so that evaluation cycles are quick.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { layOutPrometheus, PrometheusLayout } from '../support/operator-layout';
import { freePort } from '../support/processes';
import { synthEnvironment } from '../support/synth';
import { requireTool } from '../support/tools';

interface RuleStatus {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health: string;
  readonly lastError?: string;
}
interface GroupStatus {
  readonly name: string;
  readonly file: string;
  readonly rules: RuleStatus[];
  readonly lastEvaluation: string;
}

const children: ChildProcess[] = [];
const logs: string[] = [];
let dir = '';
let layout: PrometheusLayout | undefined;
let promPort = 0;

function start(file: string, args: string[], name: string): void {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  children.push(child);
}

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${promPort}${p}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${p}: ${body.error}`);
  return body.data;
}

/** Sum of a metric's samples on Prometheus's own /metrics, per value of `by` when given. */
async function selfMetric(name: string): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-prometheus-'));
  const { objects } = synthEnvironment('prod');
  layout = layOutPrometheus(objects, path.join(dir, 'root'));
  promPort = await freePort();
  const exporterPort = await freePort();
  start(requireTool('prometheus-node-exporter'), [`--web.listen-address=127.0.0.1:${exporterPort}`], 'node-exporter');
  const configFile = path.join(dir, 'root', 'etc', 'prometheus', 'config_out', 'prometheus.env.yaml');
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(configFile, stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s', external_labels: layout.externalLabels },
    rule_files: [layout.ruleFiles],
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] },
      { job_name: 'node-exporter', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] },
    ],
  }));
  start(requireTool('prometheus'), [
    `--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'prometheus-db')}`, `--web.listen-address=127.0.0.1:${promPort}`,
    `--storage.tsdb.retention.time=${String(layout.spec.retention ?? '24h')}`, ...((layout.spec.enableFeatures as string[] | undefined) ?? []).map((f) => `--enable-feature=${f}`),
  ], 'prometheus');
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) throw new Error(`prometheus did not become ready:\n${logs.join('').slice(-3000)}`);
    await sleep(200);
  }
}, 40_000);

afterAll(async () => {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  })));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('Prometheus loads every prod rule the operator would mount and evaluates them without a failure', async () => {
  const l = layout as PrometheusLayout;
  const files = fs.readdirSync(path.dirname(l.ruleFiles));
  const expected = files.flatMap((f) => (parse(fs.readFileSync(path.join(path.dirname(l.ruleFiles), f), 'utf8')) as { groups: Array<{ name: string; rules: unknown[] }> }).groups
    .map((g) => ({ file: f, name: g.name, rules: g.rules.length })));
  expect(l.selectedRules.length).toBeGreaterThan(0);
  expect(expected.length).toBeGreaterThan(0);

  // Every group evaluated at least twice (1 s interval), then read the counters.
  let groups: GroupStatus[] = [];
  const deadline = Date.now() + 30_000;
  for (;;) {
    groups = (await api<{ groups: GroupStatus[] }>('/api/v1/rules')).groups;
    const iterations = await selfMetric('prometheus_rule_group_iterations_total');
    if (groups.length === expected.length && iterations.length === expected.length && iterations.every((n) => n >= 2)) break;
    if (Date.now() > deadline) throw new Error(`rule groups not evaluated twice: ${groups.length}/${expected.length} loaded, iterations ${JSON.stringify(iterations)}\n${logs.join('').slice(-3000)}`);
    await sleep(500);
  }
  const failures = (await selfMetric('prometheus_rule_evaluation_failures_total')).reduce((a, b) => a + b, 0);
  const evaluations = (await selfMetric('prometheus_rule_evaluations_total')).reduce((a, b) => a + b, 0);
  const iterations = await selfMetric('prometheus_rule_group_iterations_total');
  const rules = groups.flatMap((g) => g.rules);
  const unhealthy = rules.filter((r) => r.health !== 'ok' || r.lastError).map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
  console.log(`real Prometheus e2e (prod rules):\n${JSON.stringify({
    prometheusRuleObjects: l.selectedRules,
    ruleGroups: groups.length,
    rules: rules.length,
    alertingRules: rules.filter((r) => r.type === 'alerting').length,
    recordingRules: rules.filter((r) => r.type === 'recording').length,
    minGroupIterations: Math.min(...iterations),
    ruleEvaluations: evaluations,
    evaluationFailures: failures,
  }, null, 2)}`);

  expect(groups.map((g) => g.name).sort()).toEqual(expected.map((g) => g.name).sort());
  expect(rules.length).toBe(expected.reduce((n, g) => n + g.rules, 0));
  expect(unhealthy).toEqual([]);
  expect(failures).toBe(0);
  expect(evaluations).toBeGreaterThan(0);
}, 60_000);
