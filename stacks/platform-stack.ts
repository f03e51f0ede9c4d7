import { App, Chart } from 'cdk8s';
import { AlertRouting } from '../src/alerting/alert-routing';
import { Receiver } from '../src/alerting/receivers';
import { SecretKeyRef } from '../src/core/secret-ref';
import { Duration } from '../src/core/duration';
import { EnvironmentProfile } from '../src/core/environment';
import { MonitoringPlatform } from '../src/platform/monitoring-platform';
import { tenantQueryProxyName } from '../src/platform/tenant-query-proxy';
import { escalationRuleGroup } from '../src/prometheus/escalation';
import { platformRuleGroups } from '../src/prometheus/packs';
import { PrometheusRules } from '../src/prometheus/prometheus-rules';
import { TenantPackRules } from '../src/prometheus/tenant-pack-rules';
import { Datasource, tenantDatasourceUid } from '../src/grafana/datasources';
import { ElasticIndices } from '../src/logging/elastic-indices';
import { JaegerCollector } from '../src/tracing/jaeger-collector';
import { Matcher } from '../src/core/matcher';
import { RemediationController } from '../src/remediation/remediation-controller';
import { ExampleTenant } from './tenants';

/** The monitoring namespace of every example environment. */
export const MONITORING_NAMESPACE = 'monitoring';

/** Secrets the platform references (they are created out of band, never by this app). */
export const PLATFORM_SECRETS = {
  /** Receiver credentials: webhook URLs, routing keys, SMTP password. */
  alerting: 'alerting-credentials',
  /** The bearer token Alertmanager sends to the remediation controller. */
  remediationToken: 'remediation-webhook-token',
  /** Grafana's admin user and password. */
  grafanaAdmin: 'grafana-admin',
  /** The organisation's Elasticsearch credentials (prod): `password` and `ca.crt`. */
  elasticsearch: 'elasticsearch-credentials',
} as const;

/** Scrape jobs of the shared components that PlatformComponentDown watches (plus a collector per tenant). */
export const PLATFORM_COMPONENT_JOBS: ReadonlyArray<string> = ['prometheus', 'alertmanager', 'grafana', 'pushgateway', 'remediation-controller'];

/** Tenants per index-setup plan (each plan is one ConfigMap and one Job). */
export const INDEX_SETUP_BATCH = 20;

/** What the platform chart of one environment holds. */
export interface PlatformParts {
  readonly chart: Chart;
  readonly platform: MonitoringPlatform;
  readonly routing: AlertRouting;
  readonly remediation: RemediationController;
  readonly indices: ElasticIndices;
  readonly jaeger: JaegerCollector;
  /** The built-in rule packs, evaluated once for every tenant of the environment. */
  readonly packRules: TenantPackRules;
}

/** Properties of the platform chart. */
export interface PlatformStackProps {
  readonly profile: EnvironmentProfile;
  readonly tenants: ReadonlyArray<ExampleTenant>;
  readonly prometheusUrl?: string;
  readonly grafanaUrl?: string;
}

/**
 * The shared platform of one environment: alert routing (receivers per environment, a route per
 * tenant), the platform components, the platform's own rules, and the remediation controller wired
 * to Alertmanager as the L1 webhook receiver.
 */
export function createPlatform(app: App, props: PlatformStackProps): PlatformParts {
  const { profile } = props;
  const chart = new Chart(app, 'platform', { labels: { environment: profile.name } });
  const ns = MONITORING_NAMESPACE;

  const routing = new AlertRouting(chart, 'Routing', { profile, namespace: ns, alertmanagerName: 'platform', grafanaUrl: props.grafanaUrl });
  routing.addSecret(PLATFORM_SECRETS.alerting, ['slack-url', 'pagerduty-key', 'smtp-password', 'discord-url', 'teams-url']);
  const cred = (key: string) => SecretKeyRef.of(PLATFORM_SECRETS.alerting, key);
  routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#platform-alerts', webhookUrl: cred('slack-url') }));
  routing.addReceiver(Receiver.discord({ name: 'platform-discord', webhookUrl: cred('discord-url') }));
  routing.addReceiver(Receiver.email({
    name: 'platform-oncall', to: 'oncall@platform.example', from: 'alertmanager@platform.example',
    smarthost: 'smtp.platform.example:587', authUsername: 'alertmanager', authPassword: cred('smtp-password'),
  }));
  routing.addReceiver(Receiver.pagerduty({ name: 'platform-pager', routingKey: cred('pagerduty-key') }));
  // L4: the vendor / emergency bridge.
  routing.addReceiver(Receiver.msteams({ name: 'vendor-bridge', webhookUrl: cred('teams-url'), levels: ['L4'] }));

  const platform = new MonitoringPlatform(chart, 'Platform', {
    environment: profile,
    namespace: ns,
    alerting: routing,
    grafanaAdminSecret: PLATFORM_SECRETS.grafanaAdmin,
    grafanaUrl: props.grafanaUrl,
    prometheusUrl: props.prometheusUrl,
  });
  // Platform alerts escalate over time like tenant alerts (L1 -> L4 after each level's delay).
  new PrometheusRules(chart, 'PlatformRules', {
    namespace: ns,
    name: 'platform-rules',
    groups: [
      // The scrape jobs of the platform's components (prometheus-operator names a job after its Service).
      // Without remote write, each tenant's metrics datasource reads through its own query proxy (MonitoringPlatform.addTenant).
      ...platformRuleGroups(profile, { platform: { components: [
        ...PLATFORM_COMPONENT_JOBS,
        ...props.tenants.map((t) => `jaeger-${t.id}`),
        ...(profile.remoteWrite ? [] : props.tenants.map((t) => tenantQueryProxyName(t.id))),
      ] } }),
      escalationRuleGroup(profile, { scope: 'platform' }),
    ],
    ruleLabels: { environment: profile.name },
  });

  // The built-in packs, once for all tenants; each tenant stack registers its overrides here.
  const packRules = new TenantPackRules(chart, 'TenantPackRules', { environment: profile, namespace: ns });

  const remediation = new RemediationController(chart, 'Remediation', {
    namespace: ns,
    environment: profile,
    alerting: routing,
    tenantNamespaces: props.tenants.map((t) => t.id),
    token: SecretKeyRef.of(PLATFORM_SECRETS.remediationToken, 'token'),
    safety: { cooldownSeconds: Duration.minutes(10).toSeconds() },
    rules: [
      { name: 'restart-crashloop', match: [Matcher.parse('remediation_action="restart"')], action: { type: 'restart' }, dryRun: false },
      { name: 'scale-out-latency', match: [Matcher.parse('remediation_action="scale"')], action: { type: 'scale', delta: 2, min: 2, max: 20 }, dryRun: false },
      { name: 'block-abusive-client', match: [Matcher.parse('remediation_action="block-ip"')], action: { type: 'block-ip', sourceLabel: 'source_ip', expirySeconds: 3600, allowFrom: ['0.0.0.0/0', '::/0'], scope: 'namespace' }, dryRun: false },
    ],
  });

  // Logs, audit events and traces: index templates, ILM and data streams for every tenant, in an
  // Elasticsearch the platform runs (ECK) outside prod and the organisation's cluster in prod.
  // Tenants are set up in batches: one index plan must stay within the 256 KiB last-applied
  // annotation of client-side apply (about 40 tenants), and a batch's Job only reruns when its
  // own tenants change.
  const ids = props.tenants.map((t) => t.id);
  const batches = Array.from({ length: Math.ceil(ids.length / INDEX_SETUP_BATCH) }, (_, i) => ids.slice(i * INDEX_SETUP_BATCH, (i + 1) * INDEX_SETUP_BATCH));
  const indices = new ElasticIndices(chart, 'Indices', {
    environment: profile,
    namespace: ns,
    tenants: batches[0] ?? [],
    ...(profile.name === 'prod'
      ? { elasticsearch: { url: 'https://elasticsearch.logging.svc:9200', username: 'tenant-monitoring', password: SecretKeyRef.of(PLATFORM_SECRETS.elasticsearch, 'password'), ca: SecretKeyRef.of(PLATFORM_SECRETS.elasticsearch, 'ca.crt') } }
      : { deployCluster: true }),
  });
  batches.slice(1).forEach((batch, i) => new ElasticIndices(chart, `Indices${i + 2}`, {
    environment: profile, namespace: ns, name: `elastic-indices-${i + 2}`, tenants: batch, elasticsearch: indices.connection,
  }));
  const jaeger = new JaegerCollector(chart, 'Jaeger', { environment: profile, namespace: ns, elasticsearch: indices.connection, tenants: props.tenants.map((t) => t.id) });

  // The platform security dashboard reads every tenant's audit events.
  platform.addAuditLogs(indices.connection);
  for (const t of props.tenants) {
    platform.addTenant(t.id);
    const esAuth = { user: indices.connection.username, password: { secretName: indices.connection.password.name, key: indices.connection.password.key } };
    const ca = indices.connection.ca;
    const tlsCa = ca ? { secretName: ca.name, key: ca.key } : undefined;
    platform.grafana.addDatasource(Datasource.jaeger({ name: `Jaeger (${t.id})`, uid: tenantDatasourceUid('jaeger', t.id), url: jaeger.endpoints(t.id).query }));
    platform.grafana.addDatasource(Datasource.elasticsearch({ name: `Logs (${t.id})`, uid: tenantDatasourceUid('logs', t.id), url: indices.connection.url, index: `logs-${t.id}-app`, basicAuth: esAuth, tlsCa }));
    platform.grafana.addDatasource(Datasource.elasticsearch({ name: `Audit (${t.id})`, uid: tenantDatasourceUid('audit', t.id), url: indices.connection.url, index: `logs-${t.id}-audit`, basicAuth: esAuth, tlsCa }));
    routing.addSecret(`alerting-${t.id}`, ['slack-url']);
    routing.addTenantRoute(t.id, [
      Receiver.slack({ name: `${t.id}-chat`, channel: t.contacts.slackChannel ?? '#alerts', webhookUrl: SecretKeyRef.of(`alerting-${t.id}`, 'slack-url') }),
      ...(t.contacts.email ? [Receiver.email({
        name: `${t.id}-oncall`, to: t.contacts.email, from: 'alertmanager@platform.example',
        smarthost: 'smtp.platform.example:587', authUsername: 'alertmanager', authPassword: cred('smtp-password'),
      })] : []),
    ]);
  }
  return { chart, platform, routing, remediation, indices, jaeger, packRules };
}
