import { POLICY_CHECKS, runPolicySuite } from '../support/policy-checks';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';

type Obj = Manifest & Record<string, unknown>;

describe.each(ENVIRONMENT_NAMES)('policy suite over every object of %s', (env) => {
  const { objects } = synthEnvironment(env);

  test.each(POLICY_CHECKS.map((c) => [c.id, c.title, c] as const))('%s %s', (_id, _title, check) => {
    // A failure prints each object and the reason.
    expect(check.run(objects as Obj[])).toEqual([]);
  });
});

// Every check can fail: a small set of deliberately bad objects trips each one.
const pod = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'bad' }) => ({ metadata: { labels }, spec });
const container = { name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], env: [{ name: 'DB_PASSWORD', value: 'hunter22' }] };
const BAD: Obj[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bad', labels: { 'monitoring.cdk8s.io/tenant-namespace': 'true' } } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad', namespace: 'bad' }, spec: { replicas: 3, selector: {}, template: pod({ automountServiceAccountToken: true, containers: [container] }) } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'bad' }, spec: { selector: { app: 'bad' } } },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad', namespace: 'bad' }, spec: { minReplicas: 2, scaleTargetRef: { name: 'bad' } } },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'bad', namespace: 'bad' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'other' } } } },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'bad', namespace: 'bad' }, spec: { concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: pod({ serviceAccountName: 'job', containers: [{ name: 'j', image: 'busybox:latest' }] }) } } } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'bad', namespace: 'bad' }, rules: [{ apiGroups: [''], resources: ['secrets', 'pods/exec'], verbs: ['get', 'escalate', '*'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bad' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad', namespace: 'bad' }, data: { 'config.yaml': 'api_url: https://hooks.slack.com/services/T000/B000/XXXX' } },
  // The two broad policies of issue #11: every monitoring pod admitted on every port, any destination on a few ports.
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-monitoring-scrape', namespace: 'bad-policies' }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-api-and-storage-egress', namespace: 'bad-policies' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] } },
];

describe('each check can fail', () => {
  const found = runPolicySuite(BAD);
  const ids = new Set(found.map(([id]) => id));

  test.each(POLICY_CHECKS.map((c) => [c.id] as const))('%s reports the bad objects', (id) => {
    expect(ids.has(id)).toBe(true);
  });

  test('names the object and the reason', () => {
    expect(found).toEqual(expect.arrayContaining([
      ['IMG-001', 'Deployment/bad/bad: container c image "nginx" is not pinned'],
      ['IMG-001', 'CronJob/bad/bad: container j image "busybox:latest" is not pinned'],
      ['SA-001', 'Deployment/bad/bad: uses the default ServiceAccount'],
      ['SA-002', 'Deployment/bad/bad: mounts an API token but its ServiceAccount has no Role'],
      ['SEC-001', 'Deployment/bad/bad: container c sets DB_PASSWORD as a plain value'],
      ['SEC-001', 'ConfigMap/bad/bad: key config.yaml looks like it holds a credential'],
      ['RBAC-001', 'Role/bad/bad: rules[0] uses a wildcard'],
      ['RBAC-001', 'Role/bad/bad: rules[0] grants escalate'],
      ['RBAC-001', 'Role/bad/bad: rules[0] grants exec/attach into pods'],
      ['RBAC-001', 'Role/bad/bad: rules[0] reads Secrets without resourceNames'],
      ['RBAC-001', 'ClusterRole/bad: cluster-scoped RBAC'],
      ['HA-001', 'Deployment/bad/bad: 3 replicas but no PodDisruptionBudget selects its pods'],
      ['PROBE-001', 'Deployment/bad/bad: container c is behind a Service but has no readinessProbe'],
      ['JOB-001', 'CronJob/bad/bad: concurrencyPolicy must be Forbid or Replace'],
      ['JOB-001', 'CronJob/bad/bad: no activeDeadlineSeconds'],
      ['NET-001', 'Deployment/bad/bad: no NetworkPolicy governs its ingress'],
      ['NET-002', 'NetworkPolicy/bad-policies/allow-monitoring-scrape: ingress[0] opens every port'],
      ['NET-002', 'NetworkPolicy/bad-policies/allow-api-and-storage-egress: egress[0] admits every peer'],
      ['TEN-001', 'Namespace/bad: no default-deny NetworkPolicy for ingress and egress'],
      ['TEN-001', 'Namespace/bad: no ResourceQuota'],
      ['HPA-001', 'PodDisruptionBudget/bad/bad: minAvailable 2 is not below HorizontalPodAutoscaler/bad/bad minReplicas 2'],
    ]));
  });
});
