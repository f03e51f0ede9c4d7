/**
 * End to end: a real Alertmanager (Debian prometheus-alertmanager, the deployed release) delivers to the real controller
 * process with a bearer token from `credentials_file`; the controller acts against the Kubernetes
 * API test server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunningAlertmanager, startAlertmanager } from '../../support/processes';
import { ControllerProcess } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const api = new KubeApiTestServer();
let ctl: ControllerProcess | undefined;
let am: RunningAlertmanager | undefined;

beforeAll(async () => {
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
  am = await startAlertmanager(config, ctl.dir);
}, 40_000);

afterAll(async () => {
  await am?.stop();
  const code = await ctl?.stop();
  await api.stop();
  expect(code).toBe(0);
});

test('an alert posted to Alertmanager reaches the controller, which restarts the workload once', async () => {
  const labels = { alertname: 'CheckoutCrashLoop', remediation_action: 'restart', namespace: 'team-a', deployment: 'checkout', severity: 'critical' };
  const running = am as RunningAlertmanager;
  expect(await running.postAlerts([{ labels, annotations: { summary: 'crash loop' }, startsAt: new Date().toISOString() }])).toBe(200);
  const c = ctl as ControllerProcess;
  const decision = await c.waitFor(() => c.decisions().find((l) => l.alertname === 'CheckoutCrashLoop'), 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\nalertmanager log:\n${running.log().slice(-3000)}`);
  });
  expect(decision).toMatchObject({ decision: 'acted', rule: 'restart', target: { kind: 'Deployment', namespace: 'team-a', name: 'checkout' } });
  // Alertmanager's own fingerprint and group key were used.
  expect(decision.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  expect(decision.groupKey).toBe('{}:{alertname="CheckoutCrashLoop", namespace="team-a"}');
  const dep = api.get('deployments', 'team-a', 'checkout') as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  expect(dep.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  // Prometheus re-sends firing alerts; whether or not Alertmanager notifies again, no second restart.
  await running.postAlerts([{ labels, annotations: { summary: 'crash loop' }, startsAt: decision.startsAt }]);
  await new Promise((r) => setTimeout(r, 2500));
  expect(api.changesOf('deployments/team-a/checkout')).toHaveLength(1);
}, 40_000);
