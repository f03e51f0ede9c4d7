/**
 * Hostile and mistaken alerts against the real controller process and the Kubernetes API test
 * server: acting across tenants, addresses that must never be blocked, a block that would widen
 * ingress, over-long names, repeated blocks, and a scale-out that would scale in.
 */
import { ControllerProcess, alert, payload } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const POLICY = `
safety:
  dryRun: false
  cooldown: 0s
  perNamespaceCap: 100
  globalCap: 100
  maxAttempts: 20
  allowedNamespaces: [team-a, team-b]
  namespaceTenants: { team-a: team-a, team-b: team-b }
  protectedCidrs: [10.244.0.0/16, 10.96.0.0/12]
rules:
  - name: restart
    match: ['remediation_action="restart"']
    action: { type: restart }
  - name: scale-out
    match: ['remediation_action="scale"']
    action: { type: scale, delta: 2, min: 1, max: 10 }
  - name: flood
    match: ['remediation_action="block-ip"', 'alertname="SecurityRequestFlood"']
    action: { type: block-ip, scope: namespace, expiry: 10m }
  - name: block
    match: ['remediation_action="block-ip"']
    action: { type: block-ip, expiry: 10m }
`;

const LONG = `a${'b'.repeat(62)}c`; // 64 characters: a valid object name, too long for a label value
const api = new KubeApiTestServer();
let ctl: ControllerProcess;
let seq = 0;

async function send(labels: Record<string, string>): Promise<Record<string, unknown>> {
  const fingerprint = `h-${++seq}`;
  const startsAt = new Date(Date.UTC(2024, 4, 1, 10, 0, seq)).toISOString();
  const r = await ctl.post(payload([alert(labels, { fingerprint, startsAt })]));
  expect(r.status).toBe(200);
  return ctl.waitFor(() => ctl.decisions().find((l) => l.fingerprint === fingerprint));
}

function blocks(ns: string): Array<{ metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: { podSelector: unknown; ingress: unknown[] } }> {
  return api.list('networkpolicies', ns).filter((n) => (n.metadata as { name: string }).name.startsWith('remediation-block-')) as never;
}

beforeAll(async () => {
  await api.start();
  api.addWorkload('deployments', 'team-a', 'web', 3);
  api.addWorkload('deployments', 'team-a', LONG, 3);
  api.addWorkload('deployments', 'team-b', 'web', 3);
  api.addWorkload('deployments', 'team-a', 'big', 50);
  api.addAutoscaler('team-a', 'big', 'Deployment', 'big', 20, 100);
  // team-a: default deny plus scrape from the monitoring namespace (as the prod tenants).
  api.addObject('networkpolicies', 'team-a', 'default-deny', { spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  api.addObject('networkpolicies', 'team-a', 'allow-scrape', {
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9090, protocol: 'TCP' }] }] },
  });
  // team-b: the web pods are public on 443, from the internet minus one range.
  api.addObject('networkpolicies', 'team-b', 'public-web', {
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['198.51.100.0/24'] } }], ports: [{ port: 443, protocol: 'TCP' }] }] },
  });
  ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--request-timeout-ms', '2000', '--retry-base-ms', '50']);
  await ctl.start(60_000);
}, 90_000);

afterAll(async () => {
  const code = await ctl?.stop();
  await api.stop();
  expect(code).toBe(0);
});

test('refuses an alert of one tenant naming another tenant namespace', async () => {
  const d = await send({ alertname: 'Crash', remediation_action: 'restart', tenant: 'team-a', namespace: 'team-b', deployment: 'web' });
  expect(d).toMatchObject({ decision: 'refused_target', reason: 'alert of tenant "team-a" (label \'tenant\') names namespace \'team-b\', which belongs to tenant "team-b"; refusing to act across tenants' });
  expect((await send({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-b', deployment: 'web' })).decision).toBe('refused_target');
  expect(api.changesOf('deployments/team-b/web')).toEqual([]);
  expect((await send({ alertname: 'Crash', remediation_action: 'restart', tenant: 'team-b', namespace: 'team-b', deployment: 'web' })).decision).toBe('acted');
  expect(api.changesOf('deployments/team-b/web')).toHaveLength(1);
});

test.each<[string, string]>([
  ['127.0.0.1', 'address 127.0.0.1 is loopback; refusing to block it'],
  ['0.0.0.0', 'address 0.0.0.0 is unspecified ("this network"); refusing to block it'],
  ['fe80::1%eth0', 'address "fe80::1%eth0" has a zone id; only global addresses can be blocked'],
  ['169.254.169.254', 'address 169.254.169.254 is link-local; refusing to block it'],
  ['10.244.1.5', 'address 10.244.1.5 is in the protected range 10.244.0.0/16 (safety.protectedCidrs); refusing to block it'],
  ['::ffff:127.0.0.1', 'address 127.0.0.1 is loopback; refusing to block it'],
])('never blocks %s', async (ip, reason) => {
  const d = await send({ alertname: 'Abuse', remediation_action: 'block-ip', tenant: 'team-a', namespace: 'team-a', deployment: 'web', source_ip: ip });
  expect(d).toMatchObject({ decision: 'refused_target', reason: `label 'source_ip': ${reason}` });
  expect(blocks('team-a')).toEqual([]);
});

test('an IPv4-mapped IPv6 address is blocked as IPv4, and the block admits nothing new', async () => {
  const d = await send({ alertname: 'Abuse', remediation_action: 'block-ip', tenant: 'team-a', namespace: 'team-a', deployment: 'web', source_ip: '::ffff:203.0.113.9' });
  expect(d).toMatchObject({ decision: 'acted', sourceIp: '203.0.113.9' });
  const [np] = blocks('team-a');
  expect(np.metadata.annotations['remediation.tenant-monitoring.io/blocked-ip']).toBe('203.0.113.9');
  expect(np.spec.podSelector).toEqual({ matchLabels: { app: 'web' } });
  // team-a admits no ipBlock: a block that listed 0.0.0.0/0 would have opened the pods to the internet.
  expect(np.spec.ingress).toEqual([]);
});

test('a block where the namespace itself admits the address is refused, not widened', async () => {
  const d = await send({ alertname: 'Abuse', remediation_action: 'block-ip', tenant: 'team-b', namespace: 'team-b', deployment: 'web', source_ip: '203.0.113.9' });
  expect(d).toMatchObject({ decision: 'failed', result: 'failure' });
  expect(String(d.detail)).toContain('cannot block 203.0.113.9: NetworkPolicy public-web in team-b admits it');
  expect(blocks('team-b')).toEqual([]);
  // An address the namespace already excepts is blocked, and the block copies only what public-web admits.
  expect((await send({ alertname: 'Abuse', remediation_action: 'block-ip', tenant: 'team-b', namespace: 'team-b', deployment: 'web', source_ip: '198.51.100.7' })).decision).toBe('acted');
  expect(blocks('team-b')[0].spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['198.51.100.0/24'] } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
});

test('a 64-character workload name gives a label value within 63 characters', async () => {
  expect((await send({ alertname: 'Abuse', remediation_action: 'block-ip', tenant: 'team-a', namespace: 'team-a', deployment: LONG, source_ip: '203.0.113.10' })).decision).toBe('acted');
  const np = blocks('team-a').find((n) => n.metadata.annotations['remediation.tenant-monitoring.io/blocked-ip'] === '203.0.113.10');
  const value = np?.metadata.labels['remediation.tenant-monitoring.io/target'] ?? '';
  expect(value.length).toBeLessThanOrEqual(63);
  expect(value).toMatch(/^a[b]+-[0-9a-f]{10}$/);
});

test('a second flood alert for the same address extends the namespace-wide block', async () => {
  const flood = { alertname: 'SecurityRequestFlood', remediation_action: 'block-ip', tenant: 'team-a', namespace: 'team-a', source_ip: '192.0.2.44' };
  expect((await send(flood)).decision).toBe('acted');
  const first = blocks('team-a').find((n) => n.metadata.annotations['remediation.tenant-monitoring.io/blocked-ip'] === '192.0.2.44');
  expect(first?.spec.podSelector).toEqual({ matchLabels: {} });
  await new Promise((r) => setTimeout(r, 1100));
  const second = await send(flood);
  expect(second).toMatchObject({ decision: 'acted' });
  expect(String(second.detail)).toContain('(existed; expiry extended)');
  const after = blocks('team-a').find((n) => n.metadata.annotations['remediation.tenant-monitoring.io/blocked-ip'] === '192.0.2.44');
  const expiry = (o: typeof first): number => Date.parse(o?.metadata.annotations['remediation.tenant-monitoring.io/expires-at'] ?? '');
  expect(expiry(after) - expiry(first)).toBeGreaterThanOrEqual(1000);
});

test('a scale-out never scales a workload in below its HPA minimum', async () => {
  const d = await send({ alertname: 'Load', remediation_action: 'scale', tenant: 'team-a', namespace: 'team-a', deployment: 'big' });
  expect(d).toMatchObject({ decision: 'noop', detail: 'replicas stay at 50 (HPA big allows 20-100)' });
  expect((api.get('deployments', 'team-a', 'big') as { spec: { replicas: number } }).spec.replicas).toBe(50);
});
