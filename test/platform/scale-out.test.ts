import { Testing } from 'cdk8s';
import { Duration } from '../../src/core/duration';
import { deriveEnvironment, EnvironmentProfile, PROD, RemoteWriteTenancy } from '../../src/core/environment';
import { NetworkPeer } from '../../src/core/network';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { MonitoringPlatform } from '../../src/platform/monitoring-platform';
import { alertmanagerResources, prometheusResources, seriesPerPrometheus } from '../../src/platform/sizing';
import { describeRoles, NetworkModel } from '../support/network-reachability';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const alerting = { configSecretName: 'alertmanager-platform-config', credentialSecrets: [] };

const SCALE_OUT = deriveEnvironment(PROD, {
  name: 'prod-scale-out',
  scaleOut: { shards: 4, queryUrl: 'http://thanos-query.thanos.svc:9090' },
});

function synth(environment: EnvironmentProfile, tenants: ReadonlyArray<string> = ['acme', 'globex']): Manifest[] {
  const chart = Testing.chart();
  const platform = new MonitoringPlatform(chart, 'platform', { environment, alerting, grafanaAdminSecret: 'grafana-admin' });
  for (const t of tenants) platform.addTenant(t);
  platform.addAuditLogs({ url: 'https://elasticsearch.logging.svc:9200', username: 'grafana', password: SecretKeyRef.of('elasticsearch-credentials', 'password') });
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name)) as Manifest;

describe('scale-out profile: Prometheus shards and a ThanosRuler', () => {
  const objects = synth(SCALE_OUT);

  test('every object, the ThanosRuler included, passes strict schema validation against the upstream CRDs', () => {
    expect(find(objects, 'ThanosRuler')).toBeDefined();
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('Prometheus is sharded, runs a Thanos sidecar and evaluates no rules', () => {
    const spec = find(objects, 'Prometheus').spec as Spec;
    expect(spec.shards).toBe(4);
    expect(spec.replicas).toBe(PROD.replicas.prometheus);
    expect(spec.thanos).toEqual({ version: 'v0.39.2' });
    expect(spec.ruleSelector).toBeUndefined();
    expect(spec.ruleNamespaceSelector).toBeUndefined();
  });

  test('the ThanosRuler selects the rules Prometheus would, enforces the namespace on tenant rules, and reads Thanos Query', () => {
    const spec = find(objects, 'ThanosRuler').spec as Spec;
    expect(spec).toMatchObject({
      replicas: PROD.replicas.prometheus,
      queryEndpoints: ['http://thanos-query.thanos.svc:9090'],
      alertmanagersUrl: ['http://alertmanager.monitoring.svc:9093'],
      evaluationInterval: '15s',
      labels: { environment: 'prod-scale-out' },
      ruleSelector: { matchLabels: { 'monitoring.cdk8s.io/collect': 'true' } },
      ruleNamespaceSelector: { matchLabels: { 'monitoring.cdk8s.io/monitored': 'true' } },
      enforcedNamespaceLabel: 'namespace',
      excludedFromEnforcement: [{ group: 'monitoring.coreos.com', resource: 'prometheusrules', namespace: 'monitoring' }],
    });
  });

  test('network: the ruler reaches Thanos Query and Alertmanager only; Alertmanager admits it; Thanos Query reaches the sidecars', () => {
    const ruler = find(objects, 'NetworkPolicy', 'thanos-ruler').spec as Spec;
    expect(ruler.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'thanos-ruler', 'app.kubernetes.io/instance': 'platform' } });
    expect(ruler.ingress).toEqual([]);
    expect(ruler.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'thanos' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': 'platform' } } }], ports: [{ port: 'web', protocol: 'TCP' }] },
    ]);
    const am = find(objects, 'NetworkPolicy', 'alertmanager').spec as Spec;
    expect(am.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'thanos-ruler', 'app.kubernetes.io/instance': 'platform' } } });
    const prometheus = find(objects, 'NetworkPolicy', 'prometheus').spec as Spec;
    expect(prometheus.ingress[1]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'thanos' } } }], ports: [{ port: 10901, protocol: 'TCP' }] });
  });

  test('reachability: the ruler\'s paths, and Thanos Query\'s to the sidecars, are exactly the intended ones', () => {
    const { allowed } = NetworkModel.fromManifests(objects).connections();
    const paths = [...new Set(allowed.map(describeRoles))];
    const touching = (role: string) => paths.filter((p) => p.includes(role) && !p.includes('kube-dns')).sort();
    expect(touching('thanos-ruler')).toEqual([
      'monitoring/thanos-ruler → monitoring/alertmanager:9093',
      'monitoring/thanos-ruler → thanos/service:9090',
    ]);
    // The Query's namespace (a peer by namespace: each of its stand-in pods) reaches the monitoring namespace on the sidecar port only.
    expect(paths.filter((p) => p.startsWith('thanos/') && p.includes('→ monitoring/')).sort()).toEqual([
      'thanos/client → monitoring/prometheus:10901', 'thanos/service → monitoring/prometheus:10901',
    ]);
  });

  test('without scaleOut there is no ruler, no sidecar and Prometheus evaluates the rules', () => {
    const single = synth(PROD);
    expect(single.filter((o) => o.kind === 'ThanosRuler')).toEqual([]);
    const spec = find(single, 'Prometheus').spec as Spec;
    expect([spec.shards, spec.thanos]).toEqual([undefined, undefined]);
    expect(spec.ruleSelector).toEqual({ matchLabels: { 'monitoring.cdk8s.io/collect': 'true' } });
  });

  test.each([
    ['shards that are not a positive integer', { shards: 0, queryUrl: 'http://thanos-query.thanos.svc:9090' },
      'platform: environment.scaleOut.shards: got 0; allowed: an integer >= 1'],
    ['a query URL outside the cluster without its network', { shards: 2, queryUrl: 'https://thanos.example.com' },
      'platform/EvaluationTier: queryUrl: got "https://thanos.example.com"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name, or any URL with queryNetwork set to where it is (NetworkPeer.cidr(...) or NetworkPeer.pods(...))'],
  ])('fails with %s', (_, scaleOut, message) => {
    expect(() => synth(deriveEnvironment(PROD, { name: 'x', scaleOut }))).toThrow(message);
  });

  test('a query URL outside the cluster is reached through its network', () => {
    const objs = synth(deriveEnvironment(PROD, { name: 'x', scaleOut: { shards: 2, queryUrl: 'https://thanos.example.com', queryNetwork: NetworkPeer.cidr('192.0.2.0/24') } }));
    expect((find(objs, 'NetworkPolicy', 'thanos-ruler').spec as Spec).egress[0]).toEqual({ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] });
  });
});

describe('remote write tenancy', () => {
  const perTenant = deriveEnvironment(PROD, { name: 'q', remoteWrite: { ...PROD.remoteWrite!, url: 'http://mimir-distributor.mimir.svc:8080/api/v1/push', tenancy: RemoteWriteTenancy.queuePerTenant() } });

  test('by label (the prod default): one queue whatever the number of tenants, the tenant label left intact for the gateway', () => {
    for (const n of [2, 50]) {
      const rw = (find(synth(PROD, Array.from({ length: n }, (_, i) => `t${i}`)), 'Prometheus').spec as Spec).remoteWrite;
      expect(rw).toEqual([{ name: 'tenants', url: 'http://cortex-tenant.mimir.svc:8080/push' }]);
    }
  });

  test('queue per tenant: one queue per tenant plus the platform\'s, each under its header', () => {
    const rw = (find(synth(perTenant), 'Prometheus').spec as Spec).remoteWrite;
    expect(rw.map((q: Spec) => [q.name, q.headers, q.writeRelabelConfigs])).toEqual([
      ['tenant-acme', { 'X-Scope-OrgID': 'acme' }, [{ sourceLabels: ['tenant'], regex: 'acme', action: 'keep' }]],
      ['tenant-globex', { 'X-Scope-OrgID': 'globex' }, [{ sourceLabels: ['tenant'], regex: 'globex', action: 'keep' }]],
      ['platform', { 'X-Scope-OrgID': 'platform' }, [{ sourceLabels: ['tenant'], regex: '', action: 'keep' }]],
    ]);
  });

  test('fails with a default tenant that is not a DNS label', () => {
    expect(() => RemoteWriteTenancy.byLabel({ defaultTenant: 'Platform!' })).toThrow('<RemoteWriteTenancy>: defaultTenant: got "Platform!"; allowed: a DNS label (lower-case letters, digits and -, at most 63)');
  });
});

describe('sizing follows the expected load', () => {
  const interval = Duration.seconds(15);

  test('the documented example', () => {
    expect(prometheusResources({ tenants: 100, scrapeInterval: interval })).toEqual({ cpuRequest: '570m', memoryRequest: '3776Mi', cpuLimit: '2280m', memoryLimit: '5696Mi' });
  });

  test.each([
    [0, { cpuRequest: '240m', memoryRequest: '832Mi', cpuLimit: '960m', memoryLimit: '1280Mi' }],
    [10, { cpuRequest: '270m', memoryRequest: '1152Mi', cpuLimit: '1080m', memoryLimit: '1728Mi' }],
    [1000, { cpuRequest: '3570m', memoryRequest: '30144Mi', cpuLimit: '14280m', memoryLimit: '45248Mi' }],
  ])('Prometheus for %i tenants', (tenants, expected) => {
    expect(prometheusResources({ tenants, scrapeInterval: interval })).toEqual(expected);
  });

  test('memory grows linearly in the series and shards divide them', () => {
    const mib = (q: string) => Number(q.replace('Mi', ''));
    // 1,024 series of 6 KiB: 6 MiB per tenant, so steps of 32 tenants are whole 64 MiB steps.
    const at = (tenants: number, shards = 1) => mib(prometheusResources({ tenants, scrapeInterval: interval, seriesPerTenant: 1024, platformSeries: 0, shards }).memoryRequest);
    expect([at(0), at(32), at(64), at(96)]).toEqual([512, 704, 896, 1088]);
    expect(seriesPerPrometheus({ tenants: 1000, scrapeInterval: interval, shards: 4 })).toBe(Math.ceil((50_000 + 1000 * 5000) / 4));
    expect(at(3200, 4)).toBe(512 + 3200 * 6 / 4);
  });

  test('Alertmanager grows with the tenants', () => {
    expect(alertmanagerResources(0)).toEqual({ cpuRequest: '50m', memoryRequest: '128Mi', cpuLimit: '200m', memoryLimit: '192Mi' });
    expect(alertmanagerResources(10_000)).toEqual({ cpuRequest: '5050m', memoryRequest: '768Mi', cpuLimit: '20200m', memoryLimit: '1152Mi' });
  });

  test('the platform sizes its pods for the registered tenants, including those added after construction', () => {
    const few = find(synth(PROD, ['a']), 'Prometheus').spec as Spec;
    const many = find(synth(PROD, Array.from({ length: 40 }, (_, i) => `t${i}`)), 'Prometheus').spec as Spec;
    expect(few.resources).toEqual({ requests: { cpu: '240m', memory: '896Mi' }, limits: { cpu: '960m', memory: '1344Mi' } });
    expect(many.resources.requests.memory).toBe(prometheusResources({ tenants: 40, scrapeInterval: interval }).memoryRequest);
    const am = find(synth(PROD, ['a']), 'Alertmanager').spec as Spec;
    expect(am.resources).toEqual({ requests: { cpu: '60m', memory: '192Mi' }, limits: { cpu: '240m', memory: '320Mi' } });
  });

  test.each([
    ['negative series per tenant', { tenants: 1, scrapeInterval: interval, seriesPerTenant: -1 }, '<sizing>: expectedLoad.seriesPerTenant: got -1; allowed: an integer >= 0'],
    ['zero shards', { tenants: 1, scrapeInterval: interval, shards: 0 }, '<sizing>: scaleOut.shards: got 0; allowed: an integer >= 1'],
  ])('fails with %s', (_, load, message) => {
    expect(() => prometheusResources(load)).toThrow(message);
  });
});
