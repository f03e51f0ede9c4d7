import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AlertRouting } from '../../src/alerting/alert-routing';
import { DEV, PROD } from '../../src/core/environment';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { Matcher } from '../../src/core/matcher';
import { parsePolicy } from '../../src/remediation/policy';
import { RemediationController, RemediationControllerProps } from '../../src/remediation/remediation-controller';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const props: RemediationControllerProps = {
  namespace: 'monitoring',
  environment: PROD,
  tenantNamespaces: ['acme', 'globex'],
  token: SecretKeyRef.of('remediation-webhook-token', 'token'),
  rules: [{ name: 'restart', match: [Matcher.parse('remediation_action="restart"')], action: { type: 'restart' }, dryRun: false }],
};
function synth(overrides: Partial<RemediationControllerProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new RemediationController(chart, 'Remediation', { ...props, ...overrides });
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, ns?: string) => objs.filter((o) => o.kind === kind && (!ns || o.metadata.namespace === ns));

describe('RemediationController', () => {
  const objects = synth();

  test('every object passes strict schema validation and the pod is PSS restricted', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(podTemplates(objects).flatMap(restrictedViolations)).toEqual([]);
  });

  test('runs one replica of the remediation program with its policy and token files', () => {
    const [deployment] = find(objects, 'Deployment');
    const spec = deployment.spec as Spec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    expect(spec.template.spec.containers[0].args).toEqual(['remediation', '--policy', '/etc/remediation/policy.yaml', '--token-file', '/var/run/secrets/remediation/token', '--port', '8080', '--state-dir', '/var/lib/remediation']);
    expect(spec.template.spec.volumes).toContainEqual({ name: 'state', emptyDir: { sizeLimit: '64Mi' } });
    expect(spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/remediation' });
    expect(spec.template.spec.volumes).toContainEqual({ name: 'token', secret: { secretName: 'remediation-webhook-token', items: [{ key: 'token', path: 'token' }] } });
    expect(spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
  });

  test('writes a policy that acts only in tenant namespaces, live in prod', () => {
    const [cm] = find(objects, 'ConfigMap');
    const policy = parsePolicy((cm as Spec).data['policy.yaml']);
    expect(policy.safety.allowedNamespaces).toEqual(['acme', 'globex']);
    expect(policy.safety.dryRun).toBe(false);
  });

  test('is dry-run in dev', () => {
    const [cm] = find(synth({ environment: DEV }), 'ConfigMap');
    expect(parsePolicy((cm as Spec).data['policy.yaml']).safety.dryRun).toBe(true);
  });

  test('gets a namespace-scoped Role in each tenant namespace with only the verbs it needs', () => {
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const roles = find(objects, 'Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['acme', 'globex']);
    for (const role of roles) {
      for (const rule of (role as Spec).rules) {
        expect(rule.verbs.some((v: string) => ['*', 'escalate', 'bind', 'impersonate'].includes(v))).toBe(false);
        expect(rule.resources.some((r: string) => r === '*' || r === 'secrets' || r === 'pods/exec')).toBe(false);
      }
    }
    expect(find(objects, 'RoleBinding').map((b) => (b as Spec).subjects)).toEqual([
      [{ kind: 'ServiceAccount', name: 'remediation-controller', namespace: 'monitoring' }],
      [{ kind: 'ServiceAccount', name: 'remediation-controller', namespace: 'monitoring' }],
    ]);
  });

  test('derives the Role from the policy actions', () => {
    const rulesOf = (objs: Manifest[]) => (find(objs, 'Role', 'acme')[0] as Spec).rules;
    // restart only: patch on workloads and Events; no Jobs, no HPAs, no NetworkPolicies.
    expect(rulesOf(objects)).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    const all = synth({
      jobTemplates: { pool: { image: 'tools:1.0.0', env: {}, activeDeadlineSeconds: 60, backoffLimit: 0, ttlSecondsAfterFinished: 60 } },
      rules: [
        { name: 'scale', match: [Matcher.parse('a="s"')], action: { type: 'scale', delta: 1, min: 1, max: 5 }, dryRun: false },
        { name: 'block', match: [Matcher.parse('a="b"')], action: { type: 'block-ip', sourceLabel: 'source_ip', expirySeconds: 600, allowFrom: ['0.0.0.0/0'], scope: 'workload' }, dryRun: false },
        { name: 'job', match: [Matcher.parse('a="j"')], action: { type: 'run-job', template: 'pool' }, dryRun: false },
      ],
    });
    expect(rulesOf(all)).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'patch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'list', 'patch', 'delete'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
  });

  test('the policy names each tenant namespace as its own tenant', () => {
    const [cm] = find(objects, 'ConfigMap');
    expect(parsePolicy((cm as Spec).data['policy.yaml']).safety).toMatchObject({ tenantLabel: 'tenant', namespaceTenants: { acme: 'acme', globex: 'globex' } });
  });

  test('admits webhooks only from Alertmanager (and scraping from Prometheus), and reaches only the API server', () => {
    const [policy, webhook] = find(objects, 'NetworkPolicy');
    const peer = (name: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'platform' } },
    });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'remediation-controller', 'app.kubernetes.io/instance': 'remediation-controller' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [peer('alertmanager'), peer('prometheus')], ports: [{ protocol: 'TCP', port: 'http' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }],
    });
    // Alertmanager's side of the webhook: egress to the controller's pods only.
    expect(webhook.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': 'platform' } },
      policyTypes: ['Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'remediation-controller', 'app.kubernetes.io/instance': 'remediation-controller' } },
        }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      }],
    });
  });

  test('reaches the API server only at the environment\'s addresses when they are given', () => {
    const objs = synth({ environment: { ...PROD, apiServer: { cidrs: ['10.0.0.1/32'] } } });
    expect((find(objs, 'NetworkPolicy')[0].spec as Spec).egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
    ]);
    expect(() => synth({ environment: { ...PROD, apiServer: { cidrs: ['10.0.0.1'] } } })).toThrow(
      'test/Remediation: environment.apiServer.cidrs[0]: got "10.0.0.1"; allowed: a CIDR such as 10.0.0.0/8 or fd00::/8');
  });

  test('rolls the pod when the policy changes', () => {
    const hash = (objs: Manifest[]) => (find(objs, 'Deployment')[0].spec as Spec).template.metadata.annotations['monitoring.cdk8s.io/policy-sha256'];
    expect(hash(synth({ safety: { cooldownSeconds: 60 } }))).not.toBe(hash(objects));
  });

  test('connects itself to the alert routing: an L1 webhook receiver reading the token from the mounted Secret', () => {
    const chart = Testing.chart();
    const routing = new AlertRouting(chart, 'Routing', { profile: PROD, namespace: 'monitoring', alertmanagerName: 'platform' });
    new RemediationController(chart, 'Remediation', { ...props, alerting: routing });
    Testing.synth(chart);
    expect(routing.credentialSecrets).toContain('remediation-webhook-token');
    const config = parse(routing.renderConfig()) as Spec;
    expect(config.receivers.find((r: Spec) => r.name === 'remediation')).toEqual({
      name: 'remediation',
      webhook_configs: [expect.objectContaining({
        url: 'http://remediation-controller.monitoring.svc:8080/webhook',
        http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/secrets/remediation-webhook-token/token' } },
      })],
    });
  });

  test('fails a rule with an unknown job template', () => {
    expect(() => synth({ rules: [{ name: 'job', match: [Matcher.parse('a="b"')], action: { type: 'run-job', template: 'missing' }, dryRun: false }] }))
      .toThrow(/^test\/Remediation: policy\.rules\[0\]\.action\.template: /);
  });

  test('fails a scale rule with min above max', () => {
    expect(() => synth({ rules: [{ name: 'scale', match: [Matcher.parse('a="b"')], action: { type: 'scale', delta: 1, min: 5, max: 2 }, dryRun: false }] }))
      .toThrow('test/Remediation: policy.rules[0].action.max: got 2; expected at least min (5)');
  });

  test('fails when it would act in its own namespace', () => {
    expect(() => synth({ tenantNamespaces: ['monitoring'] })).toThrow(
      'test/Remediation: tenantNamespaces: got "monitoring"; allowed: tenant namespaces only (not the namespace the controller runs in)');
  });
});
