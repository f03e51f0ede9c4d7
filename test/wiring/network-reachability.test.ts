import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { App, Chart } from 'cdk8s';
import { AlertRouting } from '../../src/alerting/alert-routing';
import { Receiver } from '../../src/alerting/receivers';
import { ENVIRONMENTS, EnvironmentProfile } from '../../src/core/environment';
import { Matcher } from '../../src/core/matcher';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { synthesizeApp } from '../../src/core/synth';
import { Datasource, tenantDatasourceUid } from '../../src/grafana/datasources';
import { ElasticIndices } from '../../src/logging/elastic-indices';
import { MonitoringPlatform } from '../../src/platform/monitoring-platform';
import { RemediationController } from '../../src/remediation/remediation-controller';
import { TenantModel, TenantMonitoringStack } from '../../src/tenancy/tenant-monitoring-stack';
import { JaegerCollector } from '../../src/tracing/jaeger-collector';
import { Connection, crossTenantConnections, describeConnection, describeRoles, NetworkModel } from '../support/network-reachability';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';

// The reachability of every synthesized environment, pod by pod and port by port: no tenant's pods
// reach another tenant's, and the paths into and out of the managed namespaces are exactly the
// intended ones. A new path shows up as a diff against ALLOWED_PATHS.

const DNS = ['kube-system/kube-dns:53', 'kube-system/kube-dns:53/udp'];
const withDns = (role: string, targets: ReadonlyArray<string>) => [...DNS, ...targets].map((t) => `${role} → ${t}`);

/**
 * The intended paths, by role (tenant-independent; `tenant/app` is the stand-in application of a
 * tenant namespace). `unrelated/any:443` stands for "any address on 443": the receivers and the
 * API server have addresses no policy can name, and the evaluator reads an any-address ipBlock
 * as matching pods too.
 */
function allowedPaths(profile: EnvironmentProfile, deployedElasticsearch: boolean): string[] {
  const es = deployedElasticsearch ? 'monitoring/elasticsearch:9200' : 'logging/service:9200';
  const store = profile.remoteWrite ? ['mimir/service:8080'] : [];
  // Without a long-term store, each tenant's datasource reads the platform Prometheus through its own query proxy.
  const proxy = profile.remoteWrite ? [] : ['monitoring/prom-label-proxy:8080'];
  return [
    ...withDns('tenant/app', ['monitoring/jaeger:4317', 'monitoring/jaeger:4318']),
    ...withDns('monitoring/prometheus', [
      'unrelated/any:443', 'monitoring/prometheus:9090', 'monitoring/alertmanager:9093', 'monitoring/grafana:3000', 'monitoring/pushgateway:9091',
      'monitoring/remediation-controller:8080', 'monitoring/jaeger:8888', 'tenant/app:9102', ...store,
      ...(profile.remoteWrite ? [] : ['monitoring/prom-label-proxy:8081']),
    ]),
    ...withDns('monitoring/alertmanager', ['monitoring/alertmanager:9094', 'monitoring/alertmanager:9094/udp', 'monitoring/remediation-controller:8080', 'unrelated/any:443']),
    ...withDns('monitoring/grafana', ['unrelated/any:443', 'monitoring/prometheus:9090', 'monitoring/alertmanager:9093', 'monitoring/jaeger:16686', es, ...store, ...proxy]),
    ...withDns('monitoring/pushgateway', []),
    ...(profile.remoteWrite ? [] : withDns('monitoring/prom-label-proxy', ['monitoring/prometheus:9090'])),
    ...withDns('monitoring/remediation-controller', ['unrelated/any:443']),
    ...withDns('monitoring/jaeger', [es]),
    ...withDns('monitoring/drift', ['monitoring/prometheus:9090', 'monitoring/pushgateway:9091']),
    ...withDns('monitoring/anomaly', ['monitoring/prometheus:9090', 'monitoring/pushgateway:9091']),
    ...withDns('monitoring/elastic-indices', [es]),
    // The example tenants' KEDA scalers query the platform Prometheus where there is no long-term store.
    ...(profile.remoteWrite ? [] : ['keda/keda-operator → monitoring/prometheus:9090']),
    ...(deployedElasticsearch ? [
      ...withDns('monitoring/elasticsearch', ['monitoring/elasticsearch:9200', 'monitoring/elasticsearch:9300']),
      'elastic-system/elastic-operator → monitoring/elasticsearch:9200',
    ] : []),
  ].sort();
}

/** The role paths of the connections that start or end in a namespace the manifests create. */
function managedPaths(objects: ReadonlyArray<Manifest>, connections: ReadonlyArray<Connection>): string[] {
  const managed = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  return [...new Set(connections.filter((c) => managed.has(c.from.namespace) || managed.has(c.to.namespace)).map(describeRoles))].sort();
}

const policyManifest = (namespace: string, name: string, spec: Record<string, unknown>): Manifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const tenantNamespaces = (objects: ReadonlyArray<Manifest>) => objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['monitoring.cdk8s.io/tenant-namespace'] === 'true').map((o) => o.metadata.name);

/** The policies of the finding in issue #11, as they were: every monitoring pod to any destination on these ports, and every monitoring pod admitted by every tenant on every port. */
function issue11Policies(objects: ReadonlyArray<Manifest>): Manifest[] {
  return [
    policyManifest('monitoring', 'allow-api-and-storage-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [443, 6443, 8080, 9200].map((port) => ({ protocol: 'TCP', port })) }] }),
    ...tenantNamespaces(objects).map((t) => policyManifest(t, 'allow-monitoring-scrape', {
      podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }],
    })),
  ];
}

/** The namespace-wide policies the monitoring namespace had before: every platform pod to and from every other. */
const WITHIN_NAMESPACE: Manifest[] = [
  policyManifest('monitoring', 'allow-within-namespace', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] }),
  policyManifest('monitoring', 'allow-egress-within-namespace', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] }),
];

describe.each(ENVIRONMENT_NAMES)('network reachability of %s', (env) => {
  const { objects } = synthEnvironment(env);
  const model = NetworkModel.fromManifests(objects);
  const { allowed, pairs, checks } = model.connections();
  const deployedElasticsearch = objects.some((o) => o.kind === 'Elasticsearch');

  test('checks every pod pair on every port', () => {
    // Recorded for the review: how large the matrix is.
    console.log(`${env}: ${model.pods.length} pods × ${model.pods.length} pods = ${pairs} pairs, ${checks} pod-port checks, ${allowed.length} allowed connections`);
    expect(model.pods.length).toBeGreaterThanOrEqual(15);
    expect(pairs).toBe(model.pods.length ** 2);
  });

  test('no path leads from one tenant\'s pods to another tenant\'s', () => {
    expect(crossTenantConnections(allowed)).toEqual([]);
  });

  test('the paths into and out of the managed namespaces are exactly the intended ones', () => {
    expect(managedPaths(objects, allowed)).toEqual(allowedPaths(ENVIRONMENTS[env]!, deployedElasticsearch));
  });

  test('every tenant reaches its own collector and is scraped only on its metrics port', () => {
    const prometheus = model.pod('monitoring/prometheus-platform');
    for (const t of tenantNamespaces(objects)) {
      const app = model.pod(`${t}/app`);
      expect(model.allows(app, model.pod(`monitoring/jaeger-${t}`), 4317)).toBe(true);
      expect([model.allows(prometheus, app, 9102), model.allows(prometheus, app, 8080)]).toEqual([true, false]);
    }
  });

  test('fails on the policies of issue #11: the collectors and ML jobs of one tenant reach the other\'s pods', () => {
    const broken = model.withPolicies(issue11Policies(objects), (p) => p.name !== 'allow-monitoring-scrape');
    expect(crossTenantConnections(broken.connections().allowed)).toEqual(expect.arrayContaining([
      'monitoring/jaeger-acme-ai → globex-ml/app:8080',
      'monitoring/jaeger-globex-ml → acme-ai/app:8080',
      'monitoring/drift-acme-ai-fraud-scorer → globex-ml/app:8080',
      'monitoring/anomaly-acme-ai-fraud-scorer → globex-ml/app:8080',
      'monitoring/drift-globex-ml-demand-forecast → acme-ai/app:8080',
    ]));
  });

  test('fails on namespace-wide policies in the monitoring namespace: the allow-list shows the new paths', () => {
    const broken = model.withPolicies(WITHIN_NAMESPACE).connections().allowed;
    expect(crossTenantConnections(broken)).toEqual(expect.arrayContaining(['monitoring/jaeger-acme-ai → monitoring/jaeger-globex-ml:4317']));
    const extra = managedPaths(objects, broken).filter((p) => !allowedPaths(ENVIRONMENTS[env]!, deployedElasticsearch).includes(p));
    expect(extra).toEqual(expect.arrayContaining(['monitoring/jaeger → monitoring/pushgateway:9091', 'monitoring/drift → monitoring/jaeger:4317']));
  });
});

/** A tenant of a generated environment and the features it turns on. */
interface GeneratedTenant {
  readonly id: string;
  readonly tracing: boolean;
  readonly ml: 'none' | 'drift' | 'drift+anomaly';
}

/** An environment built from the library's constructs the way `stacks/` composes them, with per-tenant features. */
function buildEnvironment(profile: EnvironmentProfile, tenants: ReadonlyArray<GeneratedTenant>): Manifest[] {
  const app = new App({ outdir: path.join(os.tmpdir(), 'unused-outdir') });
  const chart = new Chart(app, 'platform');
  const ns = 'monitoring';
  const routing = new AlertRouting(chart, 'Routing', { profile, namespace: ns, alertmanagerName: 'platform' });
  routing.addSecret('alerting-credentials', ['slack-url']);
  routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#platform', webhookUrl: SecretKeyRef.of('alerting-credentials', 'slack-url') }));
  const platform = new MonitoringPlatform(chart, 'Platform', { environment: profile, namespace: ns, alerting: routing, grafanaAdminSecret: 'grafana-admin' });
  const ids = tenants.map((t) => t.id);
  new RemediationController(chart, 'Remediation', {
    namespace: ns, environment: profile, alerting: routing, tenantNamespaces: ids, token: SecretKeyRef.of('remediation-webhook-token', 'token'),
    rules: [{ name: 'restart', match: [Matcher.parse('remediation_action="restart"')], action: { type: 'restart' }, dryRun: false }],
  });
  const indices = new ElasticIndices(chart, 'Indices', { environment: profile, namespace: ns, tenants: ids, deployCluster: true });
  platform.addAuditLogs(indices.connection);
  const traced = tenants.filter((t) => t.tracing).map((t) => t.id);
  const jaeger = traced.length > 0 ? new JaegerCollector(chart, 'Jaeger', { environment: profile, namespace: ns, elasticsearch: indices.connection, tenants: traced }) : undefined;
  for (const t of tenants) {
    platform.addTenant(t.id);
    const esAuth = { user: indices.connection.username, password: { secretName: indices.connection.password.name, key: indices.connection.password.key } };
    for (const [kind, index] of [['logs', 'app'], ['audit', 'audit']] as const) {
      platform.grafana.addDatasource(Datasource.elasticsearch({ name: `${kind} (${t.id})`, uid: tenantDatasourceUid(kind, t.id), url: indices.connection.url, index: `logs-${t.id}-${index}`, basicAuth: esAuth }));
    }
    if (jaeger && t.tracing) platform.grafana.addDatasource(Datasource.jaeger({ name: `Jaeger (${t.id})`, uid: tenantDatasourceUid('jaeger', t.id), url: jaeger.endpoints(t.id).query }));
    routing.addTenantRoute(t.id, ['platform-chat']);
    const model: TenantModel | undefined = t.ml === 'none' ? undefined : {
      name: 'model',
      drift: { features: [{ name: 'amount', kind: 'numeric', metric: 'ml_feature_amount' }] },
      ...(t.ml === 'drift+anomaly' ? { anomaly: { series: [{ name: 'rps', query: `sum(rate(http_requests_total{tenant="${t.id}"}[5m]))` }] } } : {}),
    };
    const tenantChart = new Chart(app, `tenant-${t.id}`);
    tenantChart.addDependency(chart);
    new TenantMonitoringStack(tenantChart, t.id, {
      tenant: { id: t.id, contacts: { team: t.id } }, environment: profile, monitoringNamespace: ns,
      prometheusUrl: platform.prometheusUrl, pushgatewayUrl: platform.pushgateway.url, models: model ? [model] : [],
    });
  }
  return synthesizeApp(app).flatMap((c) => c.objects as unknown as Manifest[]);
}

// Tenant ids that cannot collide with the platform's or the stand-ins' namespaces.
const RESERVED = new Set(['monitoring', 'kube-system', 'elastic-system', 'unrelated', 'mimir', 'logging', 'default']);
const tenantId = fc.stringMatching(/^[a-z][a-z0-9]{1,8}(-[a-z0-9]{1,6})?$/).filter((id) => !RESERVED.has(id));
const generatedTenants = fc.uniqueArray(
  fc.record({ id: tenantId, tracing: fc.boolean(), ml: fc.constantFrom<GeneratedTenant['ml']>('none', 'drift', 'drift+anomaly') }),
  { minLength: 1, maxLength: 6, selector: (t) => t.id },
);

describe('network reachability over generated tenant sets', () => {
  const runs: string[] = [];
  afterAll(() => console.log(`generated environments: ${runs.length} runs\n${runs.join('\n')}`));

  test('no cross-tenant path, only intended paths, and each tenant\'s own paths work', () => {
    fc.assert(fc.property(fc.constantFrom(...ENVIRONMENT_NAMES), generatedTenants, (env, tenants) => {
      const profile = ENVIRONMENTS[env]!;
      const objects = buildEnvironment(profile, tenants);
      const model = NetworkModel.fromManifests(objects);
      const { allowed, pairs } = model.connections();
      runs.push(`${env} ${tenants.map((t) => `${t.id}${t.tracing ? '+tracing' : ''}${t.ml === 'none' ? '' : `+${t.ml}`}`).join(' ')}: ${model.pods.length}×${model.pods.length} = ${pairs} pairs`);
      expect(crossTenantConnections(allowed)).toEqual([]);
      const intended = new Set(allowedPaths(profile, true));
      expect(managedPaths(objects, allowed).filter((p) => !intended.has(p))).toEqual([]);
      const paths = new Set(allowed.map(describeConnection));
      for (const t of tenants) {
        expect(paths.has(`monitoring/prometheus-platform → ${t.id}/app:9102`)).toBe(true);
        expect(paths.has(`${t.id}/app → monitoring/jaeger-${t.id}:4317`)).toBe(t.tracing);
        if (t.ml !== 'none') expect(paths.has(`monitoring/drift-${t.id}-model → monitoring/pushgateway:9091`)).toBe(true);
        if (t.ml === 'drift+anomaly') expect(paths.has(`monitoring/anomaly-${t.id}-model → monitoring/prometheus-platform:9090`)).toBe(true);
      }
    }), { numRuns: 50 });
  });
});
