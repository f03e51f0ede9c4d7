/**
 * The real controller process (ts-node, @kubernetes/client-node loaded by dynamic import) against
 * the Kubernetes API test server: retries with backoff, final state, and never acting twice.
 */
import { ControllerProcess, alert, payload } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const POLICY = `
safety:
  dryRun: false
  cooldown: 10m
  perNamespaceCap: 50
  globalCap: 100
  maxAttempts: 3
  allowedNamespaces: [team-a]
jobTemplates:
  pool-maintenance:
    image: registry.example.com/db-tools:1.4.2
    command: [pool-maintenance, --reset-idle]
rules:
  - name: restart
    match: ['remediation_action="restart"']
    action: { type: restart }
  - name: scale-up
    match: ['remediation_action="scale"']
    action: { type: scale, delta: 2, min: 1, max: 10 }
  - name: block
    match: ['remediation_action="block-ip"']
    action: { type: block-ip, expiry: 10m }
  - name: pool
    match: ['remediation_action="run-job"']
    action: { type: run-job, template: pool-maintenance }
`;

const api = new KubeApiTestServer();
let ctl: ControllerProcess;
const APPS = '/apis/apps/v1/namespaces/team-a';

function requestsTo(method: string, path: string): number[] {
  return api.requests.filter((r) => r.method === method && r.path === path).map((r) => r.status);
}

async function decisionFor(fingerprint: string): Promise<Record<string, unknown>> {
  return ctl.waitFor(() => ctl.decisions().find((l) => l.fingerprint === fingerprint && l.decision !== 'duplicate'));
}

beforeAll(async () => {
  await api.start();
  for (const name of ['web', 'api', 'worker', 'slow', 'gone-later', 'edge']) api.addWorkload('deployments', 'team-a', name, 3);
  api.addWorkload('statefulsets', 'team-a', 'db', 2);
  api.addAutoscaler('team-a', 'worker', 'Deployment', 'worker', 2, 4);
  api.addObject('networkpolicies', 'team-a', 'remediation-block-old', {
    metadata: { labels: { 'app.kubernetes.io/managed-by': 'tenant-monitoring-remediation' }, annotations: { 'remediation.tenant-monitoring.io/expires-at': '2020-01-01T00:00:00Z' } },
    spec: { podSelector: {} },
  });
  api.addObject('networkpolicies', 'team-a', 'tenant-default-deny', { spec: { podSelector: {} } });
  ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--request-timeout-ms', '400', '--retry-base-ms', '60', '--retry-attempts', '5']);
  await ctl.start();
}, 30_000);

afterAll(async () => {
  const code = await ctl?.stop();
  await api.stop();
  expect(code).toBe(0);
});

test('restart retries 500s with backoff, then stamps the pod template once', async () => {
  api.inject({ method: 'PATCH', path: new RegExp(`${APPS}/deployments/web$`), status: 500, count: 2 });
  const r = await ctl.post(payload([alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'web' }, { fingerprint: 'f-restart' })]));
  expect(r.status).toBe(200);
  const d = await decisionFor('f-restart');
  expect(d).toMatchObject({ decision: 'acted', rule: 'restart', result: 'success', tries: 3 });
  const patches = api.requests.filter((x) => x.method === 'PATCH' && x.path === `${APPS}/deployments/web`);
  expect(patches.map((p) => p.status)).toEqual([500, 500, 200]);
  // Backoff: 60 ms then 120 ms (±20% jitter).
  expect(patches[1].at - patches[0].at).toBeGreaterThanOrEqual(45);
  expect(patches[2].at - patches[1].at).toBeGreaterThanOrEqual(95);
  const dep = api.get('deployments', 'team-a', 'web') as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  expect(dep.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(api.changesOf('deployments/team-a/web')).toHaveLength(1);
  await ctl.waitFor(() => api.list('events', 'team-a').find((e) => (e.involvedObject as { name: string }).name === 'web' && e.reason === 'RemediationSucceeded'));
});

test('a redelivered alert is a duplicate and causes no API write', async () => {
  const before = api.requests.length;
  const body = payload([alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'web' }, { fingerprint: 'f-restart' })], '{}:{other-group}');
  const r = await ctl.post(body);
  expect(r.body).toEqual({ alerts: [{ fingerprint: 'f-restart', decision: 'duplicate' }] });
  await new Promise((res) => setTimeout(res, 200));
  expect(api.requests.slice(before).filter((x) => x.method !== 'GET')).toEqual([]);
  expect(api.changesOf('deployments/team-a/web')).toHaveLength(1);
});

test('scale re-reads after a resourceVersion conflict (409) and writes once', async () => {
  api.inject({ method: 'PATCH', path: new RegExp(`${APPS}/deployments/api$`), concurrentWrite: true });
  await ctl.post(payload([alert({ alertname: 'Load', remediation_action: 'scale', namespace: 'team-a', deployment: 'api' }, { fingerprint: 'f-scale' })]));
  expect(await decisionFor('f-scale')).toMatchObject({ decision: 'acted', detail: 'replicas 3 -> 5', tries: 2 });
  expect(requestsTo('PATCH', `${APPS}/deployments/api`)).toEqual([409, 200]);
  expect(requestsTo('GET', `${APPS}/deployments/api`)).toEqual([200, 200]);
  expect(api.changesOf('deployments/team-a/api').map((c) => (c.spec as { replicas: number }).replicas)).toEqual([5]);
});

test('scale stays within the HorizontalPodAutoscaler maxReplicas', async () => {
  await ctl.post(payload([alert({ alertname: 'Load', remediation_action: 'scale', namespace: 'team-a', deployment: 'worker' }, { fingerprint: 'f-hpa' })]));
  expect(await decisionFor('f-hpa')).toMatchObject({ decision: 'acted', detail: 'replicas 3 -> 4 (HPA worker allows 2-4)' });
  expect((api.get('deployments', 'team-a', 'worker') as { spec: { replicas: number } }).spec.replicas).toBe(4);
});

test('a slow scale write that was applied is not applied twice after the timeout', async () => {
  api.inject({ method: 'PATCH', path: new RegExp(`${APPS}/deployments/slow$`), delayMs: 1500 });
  await ctl.post(payload([alert({ alertname: 'Load', remediation_action: 'scale', namespace: 'team-a', deployment: 'slow' }, { fingerprint: 'f-slow' })]));
  const d = await decisionFor('f-slow');
  expect(d).toMatchObject({ decision: 'acted', detail: 'replicas 3 -> 5', tries: 2 });
  expect(api.changesOf('deployments/team-a/slow').map((c) => (c.spec as { replicas: number }).replicas)).toEqual([5]);
  expect((api.get('deployments', 'team-a', 'slow') as { spec: { replicas: number } }).spec.replicas).toBe(5);
});

test('fails without retrying on 404 and 403, and records the failure', async () => {
  api.inject({ method: 'PATCH', path: new RegExp(`${APPS}/deployments/edge$`), status: 403 });
  await ctl.post(
    payload([
      alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'missing' }, { fingerprint: 'f-404' }),
      alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'edge' }, { fingerprint: 'f-403' }),
    ]),
  );
  const notFound = await decisionFor('f-404');
  expect(notFound).toMatchObject({ decision: 'failed', result: 'failure', tries: 1 });
  expect(String(notFound.detail)).toContain('HTTP 404');
  expect(await decisionFor('f-403')).toMatchObject({ decision: 'failed', tries: 1 });
  // The read before the write finds nothing, so nothing is written.
  expect(requestsTo('GET', `${APPS}/deployments/missing`)).toEqual([404]);
  expect(requestsTo('PATCH', `${APPS}/deployments/missing`)).toEqual([]);
  expect(requestsTo('PATCH', `${APPS}/deployments/edge`)).toEqual([403]);
  await ctl.waitFor(() => api.list('events', 'team-a').find((e) => (e.involvedObject as { name: string }).name === 'missing' && e.type === 'Warning'));
});

test('block-ip creates an owned NetworkPolicy with an expiry; the sweeper removed the expired one', async () => {
  await ctl.post(payload([alert({ alertname: 'Abuse', remediation_action: 'block-ip', namespace: 'team-a', statefulset: 'db', source_ip: '203.0.113.9' }, { fingerprint: 'f-block' })]));
  expect(await decisionFor('f-block')).toMatchObject({ decision: 'acted', sourceIp: '203.0.113.9' });
  const owned = api.list('networkpolicies', 'team-a').filter((n) => (n.metadata as { name: string }).name.startsWith('remediation-block-'));
  expect(owned).toHaveLength(1);
  const np = owned[0] as { metadata: { annotations: Record<string, string> }; spec: { podSelector: unknown; ingress: Array<{ from: unknown[] }> } };
  expect(np.spec.podSelector).toEqual({ matchLabels: { app: 'db' } });
  // The namespace admits no ipBlock at all (default deny), so the block admits nothing either.
  expect(np.spec.ingress).toEqual([]);
  expect(Date.parse(np.metadata.annotations['remediation.tenant-monitoring.io/expires-at']) - Date.now()).toBeGreaterThan(9 * 60_000);
  expect(api.get('networkpolicies', 'team-a', 'remediation-block-old')).toBeUndefined();
  expect(api.get('networkpolicies', 'team-a', 'tenant-default-deny')).toBeDefined();
});

test('run-job creates one Job from the template even when the create is retried', async () => {
  api.inject({ method: 'POST', path: /\/jobs$/, status: 503 });
  const a = alert({ alertname: 'PoolExhausted', remediation_action: 'run-job', namespace: 'team-a' }, { fingerprint: 'f-job' });
  await Promise.all([ctl.post(payload([a])), ctl.post(payload([a], '{}:{again}'))]);
  expect(await decisionFor('f-job')).toMatchObject({ decision: 'acted', tries: 2 });
  const jobs = api.list('jobs', 'team-a');
  expect(jobs).toHaveLength(1);
  const container = (jobs[0] as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } }).spec.template.spec.containers[0];
  expect(container).toMatchObject({
    image: 'registry.example.com/db-tools:1.4.2',
    command: ['pool-maintenance', '--reset-idle'],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  });
  expect(ctl.decisions().filter((l) => l.fingerprint === 'f-job').map((l) => l.decision).sort()).toEqual(['acted', 'duplicate']);
});

test('a 429 is retried no sooner than its Retry-After', async () => {
  api.addWorkload('deployments', 'team-a', 'throttled', 3);
  api.inject({ method: 'PATCH', path: new RegExp(`${APPS}/deployments/throttled$`), status: 429, retryAfterSeconds: 1 });
  await ctl.post(payload([alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'throttled' }, { fingerprint: 'f-429' })]));
  expect(await decisionFor('f-429')).toMatchObject({ decision: 'acted', tries: 2 });
  const patches = api.requests.filter((x) => x.method === 'PATCH' && x.path === `${APPS}/deployments/throttled`);
  expect(patches.map((p) => p.status)).toEqual([429, 200]);
  // The backoff alone would have retried after about 60 ms.
  expect(patches[1].at - patches[0].at).toBeGreaterThanOrEqual(950);
});

test('API calls share kept-alive connections', async () => {
  const before = { connections: api.connections, requests: api.requests.length };
  const alerts = Array.from({ length: 40 }, (_, i) => {
    api.addWorkload('deployments', 'team-a', `pooled-${i}`, 3);
    return alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `pooled-${i}` }, { fingerprint: `f-pool-${i}` });
  });
  await ctl.post(payload(alerts));
  await ctl.waitFor(() => alerts.every((a) => ctl.decisions().some((l) => l.fingerprint === a.fingerprint && l.decision === 'acted')));
  await ctl.waitFor(() => api.list('events', 'team-a').filter((e) => String((e.involvedObject as { name: string }).name).startsWith('pooled-')).length === 40);
  const requests = api.requests.length - before.requests;
  const connections = api.connections - before.connections;
  expect(requests).toBeGreaterThanOrEqual(80);
  // At most one connection per socket of the pool, not one per call.
  expect(connections).toBeLessThanOrEqual(16);
});
