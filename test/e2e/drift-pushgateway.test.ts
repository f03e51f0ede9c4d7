/**
 * The drift program's push, accepted by a real Pushgateway (Debian prometheus-pushgateway) on
 * loopback: the example samples are compared, the results pushed with the tenant namespace as a
 * grouping label, and the Pushgateway exposes them as Prometheus will scrape them.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDrift } from '../../src/runtime/drift/main';
import { freePort } from '../support/processes';
import { requireTool } from '../support/tools';

let gateway: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  const binary = requireTool('prometheus-pushgateway');
  port = await freePort();
  gateway = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('pushgateway did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((r) => gateway?.once('exit', r));
    gateway.kill('SIGTERM');
    await exited;
  }
});

test('pushes every drift score once, with tenant, model, feature, method and namespace labels', async () => {
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/ml/drift-config.json'), 'utf8')) as Record<string, unknown>;
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drift-pg-')), 'config.json');
  fs.writeFileSync(config, JSON.stringify({ ...example, pushgateway: { url: `http://127.0.0.1:${port}`, grouping: { namespace: 'acme' } } }));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDrift(['--config', config], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), now: () => Date.now() });
  expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });
  const report = JSON.parse(out.join('')) as { pushed: boolean; driftedFeatures: string[] };
  expect(report.pushed).toBe(true);

  const exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const scores = exposition.split('\n').filter((l) => l.startsWith('ml_drift_score{'));
  // latency_ms and country with the default methods (KS only for numeric), amount with its own two.
  expect(scores.length).toBe(3 + 2 + 2);
  for (const line of scores) {
    expect(line).toMatch(/instance="",job="ml-drift",.*model="fraud-scorer",namespace="acme",tenant="acme"/);
  }
  expect(exposition).toMatch(/ml_drift_detected\{.*feature="amount".*method="psi".*\} 1/);
  expect(exposition).toMatch(/ml_drift_last_success_timestamp_seconds\{instance="",job="ml-drift",model="fraud-scorer",namespace="acme",tenant="acme"\} \d/);
  // The Pushgateway records a successful push for the group.
  expect(exposition).toMatch(/push_failure_time_seconds\{.*\} 0/);
}, 30_000);
