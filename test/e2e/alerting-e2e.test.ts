import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { AlertRouting, Receiver } from '../../src/alerting';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { Duration } from '../../src/core/duration';
import { DEV, EnvironmentProfile, LevelTiming } from '../../src/core/environment';
import { renderRuleGroups } from '../../src/prometheus/model';
import { defaultSloRuleGroups } from '../../src/prometheus/slo';
import { freePort } from '../support/processes';
import { requireTool, toolCommand } from '../support/tools';

/**
 * End to end: a real Prometheus scrapes an exporter served here whose API fails half its
 * requests, evaluates the generated SLO rules for tenant `acme`, and a real Alertmanager routes
 * the page through the generated routing to the tenant's on-call webhook served here.
 *
 * Only data is adapted for the test: notification timing of 1 s (profile), the webhook URL,
 * and the mount directories of secrets and templates. The routing tree is the generated one.
 */
const prometheusBin = requireTool('prometheus');

const fast: LevelTiming = { groupWait: Duration.seconds(1), groupInterval: Duration.seconds(1), repeatInterval: Duration.hours(1), escalateAfter: Duration.minutes(5) };
const profile: EnvironmentProfile = { ...DEV, name: 'e2e', receivers: ['slack', 'webhook'], escalation: { L1: fast, L2: fast, L3: fast, L4: fast } };

interface Notification {
  readonly receiver: string;
  readonly status: string;
  readonly alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

const processes: ChildProcess[] = [];
const servers: http.Server[] = [];
const logs: string[] = [];
let dir = '';

async function serve(handler: http.RequestListener): Promise<number> {
  const srv = http.createServer(handler);
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return (srv.address() as net.AddressInfo).port;
}

function start(bin: string, args: string[], name: string): void {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  processes.push(child);
}

async function stopAll(): Promise<void> {
  await Promise.all(processes.map((p) => new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  })));
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

afterAll(async () => {
  await stopAll();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('an SLO breach reaches the tenant webhook through the generated routing', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alerting-e2e-'));
  const notifications: Notification[] = [];
  const webhookPort = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (req.url === '/hook') notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  // The exporter: tenant acme's API answers half of its requests with 500, 50 requests per second each.
  const started = Date.now();
  const exporterPort = await serve((_req, res) => {
    const n = Math.round(((Date.now() - started) / 1000) * 50);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE http_requests_total counter\nhttp_requests_total{tenant="acme",code="200"} ${n}\nhttp_requests_total{tenant="acme",code="500"} ${n}\n`);
  });

  // Alertmanager configuration from the construct.
  const routing = new AlertRouting(new Chart(new App(), 'e2e'), 'Routing', { profile, namespace: 'monitoring' });
  routing.addSecret('alerting-credentials', ['slack-url']);
  routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#platform', webhookUrl: SecretKeyRef.of('alerting-credentials', 'slack-url') }));
  routing.addTenantRoute('acme', [Receiver.webhook({ name: 'acme-oncall', url: `http://127.0.0.1:${webhookPort}/hook`, levels: ['L2', 'L3'] })]);
  const secrets = path.join(dir, 'secrets');
  fs.mkdirSync(path.join(secrets, 'alerting-credentials'), { recursive: true });
  fs.writeFileSync(path.join(secrets, 'alerting-credentials', 'slack-url'), `http://127.0.0.1:${webhookPort}/slack`);
  fs.writeFileSync(path.join(dir, 'notifications.tmpl'), routing.renderTemplates());
  fs.writeFileSync(path.join(dir, 'alertmanager.yaml'), routing.renderConfig({ secretsDirectory: secrets, templateDirectory: dir }));

  // Prometheus: the generated SLO rules for acme, scraping and evaluating every second.
  const groups = renderRuleGroups(defaultSloRuleGroups(profile).filter((g) => g.name === 'slo-api-errors'), { tenant: 'acme' });
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
  const amPort = await freePort();
  const promPort = await freePort();
  fs.writeFileSync(path.join(dir, 'prometheus.yaml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [path.join(dir, 'rules.yaml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
    scrape_configs: [{ job_name: 'acme-api', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
  }));

  const alertmanager = toolCommand('prometheus-alertmanager', [
    `--config.file=${path.join(dir, 'alertmanager.yaml')}`, `--storage.path=${path.join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=',
  ]);
  start(alertmanager.file, alertmanager.args, 'alertmanager');
  start(prometheusBin, [
    `--config.file=${path.join(dir, 'prometheus.yaml')}`, `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ], 'prometheus');

  const deadline = Date.now() + 90_000;
  let page: Notification | undefined;
  while (!page && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    page = notifications.find((n) => n.alerts.some((a) => a.labels.alertname === 'ApiErrorsBurnRatePage' && a.status === 'firing'));
    if (processes.some((p) => p.exitCode !== null)) break;
  }
  if (!page) throw new Error(`no page arrived within 90 s; received ${JSON.stringify(notifications)}\n${logs.slice(-30).join('')}`);
  expect(page.receiver).toBe('acme-oncall');
  const alert = page.alerts.find((a) => a.labels.alertname === 'ApiErrorsBurnRatePage')!;
  expect(alert.labels).toEqual({ alertname: 'ApiErrorsBurnRatePage', severity: 'critical', slo: 'api-errors', tenant: 'acme' });
  expect(alert.annotations.summary).toBe('SLO api-errors of tenant acme burns its error budget fast');
  expect(alert.annotations.runbook_url).toMatch(/\/docs\/runbooks\/SloErrorBudgetBurn\.md$/);
}, 120_000);
