import { Testing } from 'cdk8s';
import { DEV, PROD } from '../../src/core/environment';
import { EnvironmentProfile } from '../../src/core/environment';
import { MonitoringPlatform, MonitoringPlatformProps } from '../../src/platform/monitoring-platform';
import { NetworkPeer } from '../../src/core/network';
import { Datasource } from '../../src/grafana/datasources';
import { PodMonitor } from '../../imports/podmonitor-monitoring.coreos.com';
import { ScaledObject } from '../../imports/scaledobject-keda.sh';
import { AlertRouting } from '../../src/alerting/alert-routing';
import { filesReadByAlertmanagerConfig, unmountedAlertmanagerFile } from '../../src/alerting/mounts';
import { Receiver } from '../../src/alerting/receivers';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const alerting = { configSecretName: 'alertmanager-platform-config', credentialSecrets: ['slack-webhooks', 'pagerduty'] };

const AUDIT_LOGS = {
  url: 'https://elasticsearch.logging.svc:9200', username: 'grafana',
  password: SecretKeyRef.of('elasticsearch-credentials', 'password'), ca: SecretKeyRef.of('elasticsearch-credentials', 'ca.crt'),
};

function synth(environment: EnvironmentProfile, tenants: string[] = ['acme', 'globex']): Manifest[] {
  const chart = Testing.chart();
  const platform = new MonitoringPlatform(chart, 'platform', { environment, alerting, grafanaAdminSecret: 'grafana-admin' });
  for (const t of tenants) platform.addTenant(t);
  platform.addAuditLogs(AUDIT_LOGS);
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name)) as Manifest;

describe('MonitoringPlatform', () => {
  const prod = synth(PROD);
  const dev = synth(DEV);

  test('every object passes strict schema validation', () => {
    expect([...prod, ...dev].flatMap(validateManifest)).toEqual([]);
  });

  test('every pod meets Pod Security "restricted"', () => {
    const templates = podTemplates(prod);
    expect(templates.map((t) => t.object).sort()).toEqual(['Deployment/monitoring/grafana', 'Deployment/monitoring/pushgateway']);
    expect(templates.flatMap(restrictedViolations)).toEqual([]);
  });

  test('Prometheus isolates tenants and picks up tenant rules and monitors', () => {
    const spec = find(prod, 'Prometheus').spec as Spec;
    expect(spec).toMatchObject({
      replicas: PROD.replicas.prometheus,
      retention: '15d',
      enforcedNamespaceLabel: 'namespace',
      ignoreNamespaceSelectors: true,
      ruleSelector: { matchLabels: { 'monitoring.cdk8s.io/collect': 'true' } },
      ruleNamespaceSelector: { matchLabels: { 'monitoring.cdk8s.io/monitored': 'true' } },
      serviceMonitorNamespaceSelector: { matchLabels: { 'monitoring.cdk8s.io/monitored': 'true' } },
    });
    expect(spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('200Gi');
  });

  test('the default scrape class gives shared exporters\' series the tenant of their namespace', () => {
    expect((find(prod, 'Prometheus').spec as Spec).scrapeClasses).toEqual([{
      name: 'tenant-from-namespace',
      default: true,
      metricRelabelings: [{ action: 'replace', regex: ';(acme|globex)', replacement: '$1', separator: ';', sourceLabels: ['tenant', 'namespace'], targetLabel: 'tenant' }],
    }]);
  });

  test('remote write sends every series through one queue to the tenant gateway (per-tenant queues: test/platform/scale-out.test.ts)', () => {
    expect((find(prod, 'Prometheus').spec as Spec).remoteWrite).toEqual([{ name: 'tenants', url: 'http://cortex-tenant.mimir.svc:8080/push' }]);
    expect((find(dev, 'Prometheus').spec as Spec).remoteWrite).toBeUndefined();
  });

  test('Alertmanager reads the routing Secret and mounts the credential Secrets', () => {
    expect(find(prod, 'Alertmanager').spec).toMatchObject({ configSecret: 'alertmanager-platform-config', secrets: ['slack-webhooks', 'pagerduty'], replicas: 3 });
  });

  test('Prometheus discovers tenant targets through namespace-scoped Roles only', () => {
    expect(prod.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const roles = prod.filter((o) => o.kind === 'Role' && o.metadata.name === 'prometheus-discovery').map((r) => r.metadata.namespace);
    expect(roles.sort()).toEqual(['acme', 'globex', 'monitoring']);
    for (const r of prod.filter((o) => o.kind === 'Role')) {
      for (const rule of (r as Spec).rules) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.resources).not.toContain('secrets');
      }
    }
  });

  test('has PDBs and anti-affinity where replicas > 1, and none in dev', () => {
    expect(prod.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual(['alertmanager', 'grafana', 'prometheus']);
    expect((find(prod, 'Prometheus').spec as Spec).affinity.podAntiAffinity).toBeDefined();
    expect(dev.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('Grafana reads its admin credentials from the Secret reference', () => {
    const container = ((find(prod, 'Deployment', 'grafana').spec as Spec).template.spec.containers as Spec[]).find((c) => c.name === 'grafana') as Spec;
    expect(container.env.filter((e: Spec) => e.name.startsWith('GF_SECURITY_ADMIN'))).toEqual([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-user' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } },
    ]);
  });

  test('denies traffic by default in the monitoring namespace', () => {
    expect(find(prod, 'NetworkPolicy', 'default-deny-all').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('fails a tenant registered twice', () => {
    const platform = new MonitoringPlatform(Testing.chart(), 'platform', { environment: DEV, alerting, grafanaAdminSecret: 'grafana-admin' });
    platform.addTenant('acme');
    expect(() => platform.addTenant('acme')).toThrow('platform: tenant: got "acme" (duplicate tenant); allowed: a tenant not registered yet');
  });

  test('fails a missing Grafana admin Secret reference', () => {
    expect(() => new MonitoringPlatform(Testing.chart(), 'platform', { environment: DEV, alerting, grafanaAdminSecret: '' }))
      .toThrow('platform: grafanaAdminSecret.name: got ""; allowed: the name of an existing Secret (a DNS-1123 subdomain)');
  });

  test('fails a missing Alertmanager configuration Secret', () => {
    expect(() => new MonitoringPlatform(Testing.chart(), 'platform', { environment: DEV, alerting: { configSecretName: '', credentialSecrets: [] }, grafanaAdminSecret: 'g' }))
      .toThrow('platform: alerting.configSecretName: got ""; allowed: the name of the Secret holding alertmanager.yaml (an AlertRouting)');
  });

  describe('Alertmanager mounts', () => {
    const spec = (objs: Manifest[]) => find(objs, 'Alertmanager').spec as Spec;

    test('mounts the Secrets of receivers and routes added after the platform was constructed', () => {
      const chart = Testing.chart();
      const routing = new AlertRouting(chart, 'routing', { profile: DEV, namespace: 'monitoring', alertmanagerName: 'platform' });
      routing.addSecret('alerting-credentials', ['slack-url']);
      routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#a', webhookUrl: SecretKeyRef.of('alerting-credentials', 'slack-url') }));
      const platform = new MonitoringPlatform(chart, 'platform', { environment: DEV, alerting: routing, grafanaAdminSecret: 'grafana-admin' });
      platform.addAuditLogs(AUDIT_LOGS);
      // Added later, as stacks add tenants after the platform exists.
      routing.addSecret('alerting-acme', ['slack-url']);
      routing.addTenantRoute('acme', [Receiver.slack({ name: 'acme-chat', channel: '#acme', webhookUrl: SecretKeyRef.of('alerting-acme', 'slack-url') })]);
      expect(spec(Testing.synth(chart) as Manifest[]).secrets).toEqual(['alerting-acme', 'alerting-credentials']);
    });

    test('fails when the configuration reads a file no listed Secret provides', () => {
      const chart = Testing.chart();
      new MonitoringPlatform(chart, 'platform', {
        environment: DEV, grafanaAdminSecret: 'g',
        alerting: { configSecretName: 'am-config', credentialSecrets: ['alerting-credentials'], filesRead: () => ['/etc/alertmanager/secrets/alerting-acme/slack-url'] },
      });
      expect(() => Testing.synth(chart)).toThrow('platform: alerting: got "/etc/alertmanager/secrets/alerting-acme/slack-url" (Alertmanager monitoring/platform reads it but mounts nothing at /etc/alertmanager/secrets/alerting-acme); '
        + 'allowed: a file under /etc/alertmanager/config/ or /etc/alertmanager/secrets/<name>/ for a Secret in spec.secrets (alerting-credentials)');
    });

    test('fails credential Secrets in another namespace than the Alertmanager', () => {
      const chart = Testing.chart();
      const routing = new AlertRouting(chart, 'routing', { profile: DEV, namespace: 'alerting', alertmanagerName: 'platform' });
      new MonitoringPlatform(chart, 'platform', { environment: DEV, alerting: routing, grafanaAdminSecret: 'g' });
      expect(() => Testing.synth(chart)).toThrow("platform: alerting.namespace: got \"alerting\"; allowed: the Alertmanager's namespace 'monitoring' (the operator mounts only Secrets of its own namespace)");
    });

    test('reads the files of every credential and the template', () => {
      expect(filesReadByAlertmanagerConfig({
        receivers: [{ slack_configs: [{ api_url_file: '/s/a/url', http_config: { authorization: { credentials_file: '/s/b/token' } } }] }],
        templates: ['/etc/alertmanager/config/*.tmpl'],
        route: { receiver: 'x' },
      })).toEqual(['/etc/alertmanager/config/*.tmpl', '/s/a/url', '/s/b/token']);
      expect(unmountedAlertmanagerFile('/etc/alertmanager/config/notifications.tmpl', { secrets: [] })).toBeUndefined();
      expect(unmountedAlertmanagerFile('/etc/alertmanager/secrets/a/url', { secrets: ['a'] })).toBeUndefined();
      expect(unmountedAlertmanagerFile('/etc/alertmanager/secrets/a/url', { secrets: ['ab'] })).toBe('/etc/alertmanager/secrets/a');
      expect(unmountedAlertmanagerFile('/etc/alertmanager/configmaps/t/x.tmpl', { secrets: [], configMaps: ['t'] })).toBeUndefined();
    });
  });
});

describe('MonitoringPlatform network policies', () => {
  const egressOf = (objs: Manifest[], name: string) => (find(objs, 'NetworkPolicy', name).spec as Spec).egress as Spec[];
  const nsRule = (ns: string, ports: Array<string | number>) => ({
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }],
    ports: ports.map((port) => ({ protocol: 'TCP', port })),
  });

  test('Prometheus scrapes each collected namespace on the ports its monitors name, and registered tenants without monitors on metrics', () => {
    const chart = Testing.chart();
    const platform = new MonitoringPlatform(chart, 'platform', { environment: DEV, alerting, grafanaAdminSecret: 'grafana-admin' });
    platform.addAuditLogs(AUDIT_LOGS);
    platform.addTenant('acme');
    platform.addTenant('globex');
    platform.addTenant('initech');
    // A tenant's own PodMonitor, added after the platform: the scrape policy is rendered at synth.
    new PodMonitor(chart, 'AcmeMonitor', {
      metadata: { name: 'acme-jobs', namespace: 'acme', labels: { 'monitoring.cdk8s.io/collect': 'true' } },
      spec: { selector: {}, podMetricsEndpoints: [{ port: 'prom' }] },
    });
    // Not collected: no collect label, or a namespace the platform does not serve.
    new PodMonitor(chart, 'Ignored', { metadata: { name: 'x', namespace: 'acme' }, spec: { selector: {}, podMetricsEndpoints: [{ port: 'other' }] } });
    new PodMonitor(chart, 'Elsewhere', { metadata: { name: 'x', namespace: 'kube-system', labels: { 'monitoring.cdk8s.io/collect': 'true' } }, spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics' }] } });
    const objs = Testing.synth(chart) as Manifest[];
    const egress = egressOf(objs, 'prometheus');
    // Namespaces scraped on the same ports share one rule, so the policy grows with the port sets, not the tenants.
    expect(egress.filter((r) => r.to[0].namespaceSelector && !r.to[0].podSelector)).toEqual([
      nsRule('monitoring', ['web', 'http', 'metrics']), nsRule('acme', ['prom']),
      { to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['globex', 'initech'] }] } }], ports: [{ protocol: 'TCP', port: 'metrics' }] },
    ]);
  });

  test('admits the KEDA operator once a ScaledObject queries this Prometheus', () => {
    const ingressPeers = (objs: Manifest[]) => ((find(objs, 'NetworkPolicy', 'prometheus').spec as Spec).ingress[0].from as Spec[]).map((p) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(ingressPeers(synth(DEV))).toEqual(['monitoring', 'monitoring', 'monitoring']);
    const chart = Testing.chart();
    new MonitoringPlatform(chart, 'platform', { environment: DEV, alerting, grafanaAdminSecret: 'grafana-admin', kedaOperator: NetworkPeer.pods('autoscaling', { app: 'keda-operator' }) })
      .addAuditLogs(AUDIT_LOGS);
    new ScaledObject(chart, 'Scaler', {
      metadata: { name: 'api', namespace: 'acme' },
      spec: { scaleTargetRef: { name: 'api' }, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring.svc:9090', query: 'up', threshold: '1' } }] },
    });
    const objs = Testing.synth(chart) as Manifest[];
    expect(((find(objs, 'NetworkPolicy', 'prometheus').spec as Spec).ingress[0].from as Spec[]).at(-1)).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'autoscaling' } }, podSelector: { matchLabels: { app: 'keda-operator' } },
    });
  });

  test('uses the API server addresses of the profile for Prometheus and Grafana', () => {
    const objs = synth({ ...DEV, apiServer: { cidrs: ['10.0.0.1/32', 'fd00::1/128'], ports: [443] } });
    const api = { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: 'fd00::1/128' } }], ports: [{ protocol: 'TCP', port: 443 }] };
    expect(egressOf(objs, 'prometheus')[0]).toEqual(api);
    expect(egressOf(objs, 'grafana')[0]).toEqual(api);
  });

  test('remote write goes to the store the URL names, or to the network given for it', () => {
    expect(egressOf(synth(PROD), 'prometheus').at(-1)).toEqual(nsRule('mimir', [8080]));
    const external = { ...PROD, remoteWrite: { url: 'https://mimir.example.com/api/v1/push', queryUrl: 'http://mimir-query.mimir.svc:8080/prometheus', network: NetworkPeer.cidr('192.0.2.0/24') } };
    expect(egressOf(synth(external), 'prometheus').at(-1)).toEqual({ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  const make = (environment: EnvironmentProfile, extra: Partial<MonitoringPlatformProps> = {}) => () =>
    new MonitoringPlatform(Testing.chart(), 'platform', { environment, alerting, grafanaAdminSecret: 'grafana-admin', ...extra });
  test.each([
    ['a remote-write URL outside the cluster without its network', make({ ...PROD, remoteWrite: { url: 'https://mimir.example.com/api/v1/push' } }),
      'platform: environment.remoteWrite.url: got "https://mimir.example.com/api/v1/push"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name, or any URL with environment.remoteWrite.network set to where it is (NetworkPeer.cidr(...) or NetworkPeer.pods(...))'],
    ['a remote-write network that is not a NetworkPeer', make({ ...PROD, remoteWrite: { url: 'http://mimir.mimir.svc:8080/api/v1/push', network: { ipBlock: { cidr: '10.0.0.0/8' } } as unknown as NetworkPeer } }),
      'platform: environment.remoteWrite.network: got {"ipBlock":{"cidr":"10.0.0.0/8"}}; allowed: a NetworkPeer (NetworkPeer.cidr(...), NetworkPeer.pods(...) or NetworkPeer.namespace(...))'],
    ['an API server address that is not a CIDR', make({ ...DEV, apiServer: { cidrs: ['10.0.0.300/32'] } }),
      'platform: environment.apiServer.cidrs[0]: got "10.0.0.300/32"; allowed: a CIDR such as 10.0.0.0/8 or fd00::/8'],
    ['no API server address', make({ ...DEV, apiServer: { cidrs: [] } }),
      'platform: environment.apiServer.cidrs: got []; allowed: at least one CIDR of the API server, e.g. 10.0.0.1/32'],
    ['an API server port out of range', make({ ...DEV, apiServer: { cidrs: ['10.0.0.1/32'], ports: [0] } }),
      'platform: environment.apiServer.ports[0]: got 0; allowed: a port number 1..65535'],
    ['a receiver port out of range', make(DEV, { receiverPorts: [443, 70000] }),
      'platform: receiverPorts[1]: got 70000; allowed: a port number 1..65535'],
  ])('fails %s', (_what, build, message) => {
    expect(build).toThrow(message);
  });

  test('fails a Grafana datasource outside the cluster, at synth', () => {
    const chart = Testing.chart();
    const platform = new MonitoringPlatform(chart, 'platform', { environment: DEV, alerting, grafanaAdminSecret: 'grafana-admin' });
    platform.addAuditLogs(AUDIT_LOGS);
    platform.grafana.addDatasource(Datasource.prometheus({ name: 'External', uid: 'external', url: 'https://prometheus.example.com' }));
    expect(() => Testing.synth(chart)).toThrow('platform/Grafana: datasources.external.url: got "https://prometheus.example.com"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name');
  });
});
