/**
 * End to end with the synthesized configuration: the prod environment's Alertmanager Secret and
 * the remediation controller's policy ConfigMap, exactly as `npm run synth` writes them, run by a
 * real Alertmanager (Debian prometheus-alertmanager, the deployed release) and the real controller process on loopback.
 *
 * Only what points outside this machine is rewritten: the controller's Service URL becomes its
 * loopback port, and credential files (`*_file`) point at temporary files (the Slack webhook file
 * holds the URL of a sink this test serves). Routing, grouping, timings and the policy are kept.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { RunningAlertmanager, startAlertmanager } from '../support/processes';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { Manifest } from '../support/schema';
import { synthEnvironment } from '../support/synth';
import { ControllerProcess } from '../runtime/remediation/support/controller-process';
import { KubeApiTestServer } from '../runtime/remediation/support/kube-api-server';

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const api = new KubeApiTestServer();
let ctl: ControllerProcess | undefined;
let am: RunningAlertmanager | undefined;
let sink: http.Server | undefined;
const chat: Array<Record<string, unknown>> = [];

/** Point every `*_file` at a temporary file and every remediation webhook at the local controller. */
function rewriteForLoopback(config: Config, dir: string, controllerUrl: string, sinkUrl: string, tokenFile: string): Config {
  const files = new Map<string, string>();
  const fileFor = (original: string): string => {
    if (!files.has(original)) {
      const local = path.join(dir, 'secrets', original.replace(/^\/etc\/alertmanager\/secrets\//, '').replace(/\//g, '__'));
      fs.mkdirSync(path.dirname(local), { recursive: true });
      // A Slack or webhook URL file gets the sink's URL; keys and passwords get a dummy value.
      fs.writeFileSync(local, /url/.test(original) ? sinkUrl : 'dummy-credential');
      files.set(original, local);
    }
    return files.get(original) as string;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const obj = node as Config;
      for (const [k, v] of Object.entries(obj)) {
        if (k.endsWith('_file') && typeof v === 'string' && v.startsWith('/etc/alertmanager/secrets/')) {
          obj[k] = v.includes('remediation-webhook-token') ? tokenFile : fileFor(v);
        } else visit(v);
      }
    }
  };
  for (const r of config.receivers as Config[]) {
    for (const w of r.webhook_configs ?? []) if (String(w.url).includes('remediation-controller')) w.url = controllerUrl;
  }
  visit(config);
  return config;
}

beforeAll(async () => {
  const { objects } = synthEnvironment('prod');
  const amSecret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'alertmanager-platform-config') as Manifest & { stringData: Record<string, string> };
  const policyMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'remediation-controller-policy') as Manifest & { data: Record<string, string> };

  sink = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => { chat.push(JSON.parse(body) as Record<string, unknown>); res.end('ok'); });
  });
  await new Promise<void>((r) => sink?.listen(0, '127.0.0.1', () => r()));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as net.AddressInfo).port}/slack`;

  await api.start();
  api.addWorkload('deployments', 'acme-ai', 'inference-api', 2);
  ctl = new ControllerProcess(policyMap.data['policy.yaml'], ['--kubeconfig', api.writeKubeconfig()]);
  await ctl.start();

  const dir = ctl.dir;
  fs.writeFileSync(path.join(dir, 'notifications.tmpl'), amSecret.stringData['notifications.tmpl']);
  const config = rewriteForLoopback(parse(amSecret.stringData['alertmanager.yaml']) as Config, dir, `http://127.0.0.1:${ctl.port}/webhook`, sinkUrl, ctl.tokenFile);
  config.templates = [path.join(dir, '*.tmpl')];
  const file = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(file, stringify(config));

  am = await startAlertmanager(file, dir);
}, 60_000);

afterAll(async () => {
  await am?.stop();
  await ctl?.stop();
  await api.stop();
  await new Promise((r) => (sink ? sink.close(r) : r(undefined)));
});

test('a tenant alert asking for a restart goes through the synthesized routing to the controller, which restarts the workload once, and to the tenant\'s chat', async () => {
  const labels = {
    alertname: 'InferenceApiCrashLooping', tenant: 'acme-ai', namespace: 'acme-ai', deployment: 'inference-api',
    severity: 'warning', remediation_action: 'restart',
  };
  const running = am as RunningAlertmanager;
  expect(await running.postAlerts([{ labels, annotations: { summary: 'crash loop', runbook_url: 'https://runbooks.example/x' }, startsAt: new Date().toISOString() }])).toBe(200);
  const c = ctl as ControllerProcess;
  // The L1 route waits group_wait (15 s in prod) before the first notification.
  const decision = await c.waitFor(() => c.decisions().find((l) => l.alertname === 'InferenceApiCrashLooping'), 45_000).catch((e: Error) => {
    throw new Error(`${e.message}\nalertmanager log:\n${running.log().slice(-3000)}`);
  });
  expect(decision).toMatchObject({ decision: 'acted', rule: 'restart-crashloop', target: { kind: 'Deployment', namespace: 'acme-ai', name: 'inference-api' } });
  expect(api.changesOf('deployments/acme-ai/inference-api')).toHaveLength(1);
  const restarted = api.get('deployments', 'acme-ai', 'inference-api') as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  expect(restarted.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  // The same group also reached the tenant's Slack receiver (the sink), rendered by the synthesized template.
  const message = await c.waitFor(() => chat.find((m) => JSON.stringify(m).includes('InferenceApiCrashLooping')), 10_000).catch((e: Error) => {
    throw new Error(`${e.message}\nchat sink got ${JSON.stringify(chat).slice(0, 500)}\nalertmanager log:\n${running.log().slice(-3000)}`);
  });
  expect(JSON.stringify(message)).toContain('acme-ai');
}, 90_000);
