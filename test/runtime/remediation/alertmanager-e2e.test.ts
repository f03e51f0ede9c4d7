/**
 * End to end: a real Alertmanager (prometheus-alertmanager 0.25) delivers to the real controller
 * process with a bearer token from `credentials_file`; the controller acts against the Kubernetes
 * API test server.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { requireTool } from '../../support/tools';
import { ControllerProcess } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const api = new KubeApiTestServer();
let ctl: ControllerProcess | undefined;
let am: ChildProcess | undefined;
let amPort = 0;
const amLog: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function amRequest(method: string, urlPath: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${amPort}${urlPath}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  const binary = requireTool('prometheus-alertmanager', 'apt-get install -y prometheus-alertmanager');
  await api.start();
  api.addWorkload('deployments', 'team-a', 'checkout', 2);
  ctl = new ControllerProcess(
    `
safety: { dryRun: false, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
`,
    ['--kubeconfig', api.writeKubeconfig()],
  );
  await ctl.start();
  amPort = await freePort();
  const config = path.join(ctl.dir, 'alertmanager.yml');
  fs.writeFileSync(
    config,
    `route:
  receiver: remediation
  group_by: [alertname, namespace]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: remediation
    webhook_configs:
      - url: http://127.0.0.1:${ctl.port}/webhook
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${ctl.tokenFile}
`,
  );
  am = spawn(binary, [`--config.file=${config}`, `--storage.path=${path.join(ctl.dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
  am.stdout?.on('data', (d: Buffer) => amLog.push(d.toString()));
  am.stderr?.on('data', (d: Buffer) => amLog.push(d.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await amRequest('GET', '/-/ready')).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`alertmanager did not become ready:\n${amLog.join('').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 40_000);

afterAll(async () => {
  if (am !== undefined && am.exitCode === null) {
    const exited = new Promise((r) => am?.once('exit', r));
    am.kill('SIGTERM');
    await exited;
  }
  const code = await ctl?.stop();
  await api.stop();
  expect(code).toBe(0);
});

test('an alert posted to Alertmanager reaches the controller, which restarts the workload once', async () => {
  const labels = { alertname: 'CheckoutCrashLoop', remediation_action: 'restart', namespace: 'team-a', deployment: 'checkout', severity: 'critical' };
  const posted = await amRequest('POST', '/api/v2/alerts', [{ labels, annotations: { summary: 'crash loop' }, startsAt: new Date().toISOString() }]);
  expect(posted.status).toBe(200);
  const c = ctl as ControllerProcess;
  const decision = await c.waitFor(() => c.decisions().find((l) => l.alertname === 'CheckoutCrashLoop'), 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\nalertmanager log:\n${amLog.join('').slice(-3000)}`);
  });
  expect(decision).toMatchObject({ decision: 'acted', rule: 'restart', target: { kind: 'Deployment', namespace: 'team-a', name: 'checkout' } });
  // Alertmanager's own fingerprint and group key were used.
  expect(decision.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  expect(decision.groupKey).toBe('{}:{alertname="CheckoutCrashLoop", namespace="team-a"}');
  const dep = api.get('deployments', 'team-a', 'checkout') as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  expect(dep.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  // Prometheus re-sends firing alerts; whether or not Alertmanager notifies again, no second restart.
  await amRequest('POST', '/api/v2/alerts', [{ labels, annotations: { summary: 'crash loop' }, startsAt: decision.startsAt }]);
  await new Promise((r) => setTimeout(r, 2500));
  expect(api.changesOf('deployments/team-a/checkout')).toHaveLength(1);
}, 40_000);
