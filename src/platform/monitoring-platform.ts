import { DNS_EGRESS_RULE, NamespacedGrant, networkPort, oneAtATimeBudget, SERVICE_DISCOVERY_RULES } from '../core/kube';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Alertmanager, AlertmanagerSpecResourcesLimits, AlertmanagerSpecResourcesRequests } from '../../imports/alertmanager-monitoring.coreos.com';
import {
  Prometheus, PrometheusSpecAffinity, PrometheusSpecExcludedFromEnforcementGroup, PrometheusSpecExcludedFromEnforcementResource, PrometheusSpecAlertingAlertmanagersApiVersion, PrometheusSpecAlertingAlertmanagersPort, PrometheusSpecRemoteWrite,
  PrometheusSpecRemoteWriteWriteRelabelConfigsAction, PrometheusSpecResourcesLimits, PrometheusSpecScrapeClassesMetricRelabelings,
  PrometheusSpecScrapeClassesMetricRelabelingsAction, PrometheusSpecResourcesRequests,
  PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/prometheus-monitoring.coreos.com';
import { AlertmanagerSpecAffinity } from '../../imports/alertmanager-monitoring.coreos.com';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ControlPlaneComponent, EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { Images } from '../core/images';
import { COLLECT_LABELS, MONITORED_NAMESPACE_LABEL, recommendedLabels, RESTRICTED_INGRESS_LABEL, selectorLabels, TENANT_LABEL } from '../core/labels';
import { objectName } from '../core/naming';
import { NON_ROOT_UID, spreadAcrossNodes, WorkloadServiceAccount } from '../core/pod';
import { validateDnsLabel, validateUrl } from '../core/validation';
import { TELEMETRY_PORTS } from '../tenancy/tenant-namespace';
import { Datasource, tenantDatasourceUid } from '../grafana/datasources';
import { GrafanaDashboards } from '../grafana/grafana-dashboards';
import { Grafana } from './grafana';
import { Pushgateway } from './pushgateway';
import { SecretKeyRef } from '../core/secret-ref';
import { stringify } from 'yaml';
import { CONTROL_PLANE_METRICS_PORTS, CONTROL_PLANE_SCRAPE_KEY, controlPlaneScrapeJobs, discoveredInKubeSystem } from '../prometheus/control-plane';
import { scrapedControlPlane } from '../prometheus/packs/platform';

/** What the platform's Alertmanager needs from the alert routing: where its configuration is. */
export interface IAlertmanagerConfiguration {
  /** The Secret holding `alertmanager.yaml`. */
  readonly configSecretName: string;
  /** Secrets with receiver credentials, mounted at `/etc/alertmanager/secrets/<name>/`. */
  readonly credentialSecrets: ReadonlyArray<string>;
}

/** Properties of `MonitoringPlatform`. */
export interface MonitoringPlatformProps {
  /** The environment profile: replicas, retention, storage, remote write. */
  readonly environment: EnvironmentProfile;
  /** The shared monitoring namespace. @default 'monitoring' */
  readonly namespace?: string;
  /** The Alertmanager configuration (an `AlertRouting`). */
  readonly alerting: IAlertmanagerConfiguration;
  /** The Secret with Grafana's admin credentials (keys `admin-user` and `admin-password` unless given). */
  readonly grafanaAdminSecret: string;
  /** The external Grafana URL (for links in notifications). @default - the in-cluster Service URL */
  readonly grafanaUrl?: string;
  /** The Prometheus URL in-cluster jobs query. @default - the platform Prometheus Service */
  readonly prometheusUrl?: string;
}

/** The Secret with the control-plane scrape jobs (`additionalScrapeConfigs`). */
const CONTROL_PLANE_SCRAPE_SECRET = 'prometheus-control-plane-scrape';

/** The Prometheus resources per environment size. */
const PROMETHEUS_RESOURCES = { cpuRequest: '500m', memoryRequest: '2Gi', cpuLimit: '2', memoryLimit: '4Gi' };
const ALERTMANAGER_RESOURCES = { cpuRequest: '50m', memoryRequest: '128Mi', cpuLimit: '200m', memoryLimit: '256Mi' };

/**
 * Everything the tenants of one environment share: the monitoring namespace, an operator-managed
 * Prometheus (tenant isolation through `enforcedNamespaceLabel`, selectors that pick up tenant
 * rules and monitors, per-tenant remote write with the tenant header), the Alertmanager that uses
 * the alert routing's Secret, Grafana, a Pushgateway, ServiceMonitors for its own components,
 * network policies, and PDBs and anti-affinity where replicas > 1. The control-plane components of
 * `environment.scrapedControlPlane` get scrape jobs (and the platform rules their alerts).
 *
 * Tenants are registered with `addTenant()`: the platform then gets read-only service discovery
 * in the tenant's namespace (a Role, not a ClusterRole) and, with remote write, a queue that
 * carries only that tenant's series under its header.
 */
export class MonitoringPlatform extends Construct {
  /** The monitoring namespace. */
  public readonly namespace: string;
  /** The environment profile. */
  public readonly environment: EnvironmentProfile;
  /** In-cluster Prometheus URL. */
  public readonly prometheusUrl: string;
  /** In-cluster Alertmanager URL. */
  public readonly alertmanagerUrl: string;
  /** The Pushgateway. */
  public readonly pushgateway: Pushgateway;
  /** Grafana. */
  public readonly grafana: Grafana;
  /** The platform-wide dashboards (folder "Platform"). */
  public readonly dashboards: GrafanaDashboards;
  /** The Prometheus ServiceAccount name. */
  public readonly prometheusServiceAccount: string;
  private readonly tenants: string[] = [];

  constructor(scope: Construct, id: string, props: MonitoringPlatformProps) {
    super(scope, id);
    const env = props.environment;
    const ns = validateDnsLabel(props.namespace ?? 'monitoring', this, 'namespace');
    this.namespace = ns;
    this.environment = env;
    if (props.grafanaUrl) validateUrl(props.grafanaUrl, this, 'grafanaUrl');
    if (props.prometheusUrl) validateUrl(props.prometheusUrl, this, 'prometheusUrl');
    if (!props.alerting?.configSecretName) {
      throw new ValidationError(this, 'alerting.configSecretName', props.alerting?.configSecretName, 'the name of the Secret holding alertmanager.yaml (an AlertRouting)');
    }
    this.prometheusUrl = props.prometheusUrl ?? `http://prometheus.${ns}.svc:9090`;
    this.alertmanagerUrl = `http://alertmanager.${ns}.svc:9093`;

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: ns,
        labels: {
          ...recommendedLabels({ name: 'monitoring-platform', component: 'namespace' }),
          [MONITORED_NAMESPACE_LABEL]: 'true',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });

    this.prometheusServiceAccount = this.createPrometheus(ns, env);
    this.createAlertmanager(ns, env, props.alerting);
    this.pushgateway = new Pushgateway(this, 'Pushgateway', { namespace: ns, replicas: env.replicas.pushgateway });
    this.grafana = new Grafana(this, 'Grafana', {
      namespace: ns,
      adminUser: SecretKeyRef.of(props.grafanaAdminSecret, 'admin-user', this, 'grafanaAdminSecret'),
      adminPassword: SecretKeyRef.of(props.grafanaAdminSecret, 'admin-password', this, 'grafanaAdminSecret'),
      replicas: env.replicas.grafana,
      rootUrl: props.grafanaUrl,
    });
    this.grafana.addDatasource(Datasource.prometheus({ name: 'Prometheus', uid: 'prometheus', url: `http://prometheus.${ns}.svc:9090`, isDefault: true, scrapeInterval: env.scrapeInterval.toPrometheus() }));
    this.grafana.addDatasource(Datasource.alertmanager({ name: 'Alertmanager', uid: 'alertmanager', url: this.alertmanagerUrl }));
    this.dashboards = new GrafanaDashboards(this, 'Dashboards', { namespace: ns, environment: env });
    this.createNetworkPolicies(ns);
  }

  /**
   * Register a tenant namespace: read-only service discovery there for Prometheus, and (with
   * remote write) a queue carrying only the tenant's series with its tenant header.
   */
  public addTenant(tenantId: string): void {
    validateDnsLabel(tenantId, this, 'tenant');
    if (this.tenants.includes(tenantId)) throw new ValidationError(this, 'tenant', tenantId, 'a tenant not registered yet', 'duplicate tenant');
    this.tenants.push(tenantId);
    const labels = recommendedLabels({ name: 'prometheus', component: 'service-discovery', tenant: tenantId });
    const scope = new Construct(this, `Tenant-${tenantId}`);
    new NamespacedGrant(scope, 'Discovery', {
      name: 'prometheus-discovery', namespace: tenantId, labels, rules: SERVICE_DISCOVERY_RULES,
      serviceAccount: { name: this.prometheusServiceAccount, namespace: this.namespace },
    });
    // The tenant may send traces to its own collector only (jaeger-<tenant>), never to another tenant's.
    new k8s.KubeNetworkPolicy(scope, 'TelemetryIngress', {
      metadata: { name: `allow-telemetry-${tenantId}`, namespace: this.namespace, labels },
      spec: {
        podSelector: { matchLabels: selectorLabels({ name: 'jaeger', instance: objectName(['jaeger', tenantId]) }) },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': tenantId } } }],
          ports: TELEMETRY_PORTS.map((p) => networkPort(p)),
        }],
      },
    });
    // The tenant's metrics datasource: with a shared long-term store it reads only the tenant's
    // data through the tenant header; otherwise the platform Prometheus (dashboards fix the tenant).
    const rw = this.environment.remoteWrite;
    this.grafana.addDatasource(Datasource.prometheus({
      name: `Prometheus (${tenantId})`,
      uid: tenantDatasourceUid('prometheus', tenantId),
      url: rw ? rw.queryUrl ?? `${new URL(rw.url).origin}/prometheus` : `http://prometheus.${this.namespace}.svc:9090`,
      headers: rw ? [{ name: this.tenantHeader as string, value: tenantId }] : [],
      scrapeInterval: this.environment.scrapeInterval.toPrometheus(),
    }));
  }

  /** The registered tenants. */
  public get tenantIds(): string[] {
    return [...this.tenants];
  }

  /** The header that carries the tenant id to the long-term store, when remote write is on. */
  public get tenantHeader(): string | undefined {
    return this.environment.remoteWrite ? this.environment.remoteWrite.tenantHeader ?? 'X-Scope-OrgID' : undefined;
  }

  private createPrometheus(ns: string, env: EnvironmentProfile): string {
    const name = 'platform';
    const controlPlane = scrapedControlPlane(env, this);
    const labels = recommendedLabels({ name: 'prometheus', component: 'metrics', instance: name });
    const sa = new WorkloadServiceAccount(this, 'PrometheusServiceAccount', { name: 'prometheus', namespace: ns, labels });
    new NamespacedGrant(this, 'PrometheusDiscovery', {
      name: 'prometheus-discovery', namespace: ns, labels, rules: SERVICE_DISCOVERY_RULES, serviceAccount: { name: sa.name, namespace: ns },
    });
    const podSelector = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': name };
    const monitored = { matchLabels: { [MONITORED_NAMESPACE_LABEL]: 'true' } };
    const replicas = env.replicas.prometheus;
    new Prometheus(this, 'Prometheus', {
      metadata: { name, namespace: ns, labels },
      spec: {
      replicas,
      version: Images.prometheusVersion,
      serviceAccountName: sa.name,
      podMetadata: { labels },
      retention: env.retention.metrics.toPrometheus(),
      scrapeInterval: env.scrapeInterval.toPrometheus(),
      evaluationInterval: env.scrapeInterval.toPrometheus(),
      externalLabels: { environment: env.name },
      // Tenant isolation: every tenant object's series and alerts get the namespace label enforced,
      // and tenant objects cannot select other namespaces.
      enforcedNamespaceLabel: 'namespace',
      ignoreNamespaceSelectors: true,
      // The platform's own rules and monitors are not tenant objects: its rules read every tenant,
      // and the Pushgateway monitor keeps the namespace the ML jobs push for their tenant.
      excludedFromEnforcement: [
        { group: PrometheusSpecExcludedFromEnforcementGroup.MONITORING_PERIOD_COREOS_PERIOD_COM, resource: PrometheusSpecExcludedFromEnforcementResource.PROMETHEUSRULES, namespace: ns },
        { group: PrometheusSpecExcludedFromEnforcementGroup.MONITORING_PERIOD_COREOS_PERIOD_COM, resource: PrometheusSpecExcludedFromEnforcementResource.SERVICEMONITORS, namespace: ns },
      ],
      additionalScrapeConfigs: controlPlane.length > 0 ? { name: CONTROL_PLANE_SCRAPE_SECRET, key: CONTROL_PLANE_SCRAPE_KEY } : undefined,
      ruleSelector: { matchLabels: COLLECT_LABELS },
      ruleNamespaceSelector: monitored,
      serviceMonitorSelector: { matchLabels: COLLECT_LABELS },
      serviceMonitorNamespaceSelector: monitored,
      podMonitorSelector: { matchLabels: COLLECT_LABELS },
      podMonitorNamespaceSelector: monitored,
      alerting: {
        alertmanagers: [{
          namespace: ns, name: 'alertmanager', port: PrometheusSpecAlertingAlertmanagersPort.fromString('web'),
          apiVersion: PrometheusSpecAlertingAlertmanagersApiVersion.V2,
        }],
      },
      resources: {
        requests: {
          cpu: PrometheusSpecResourcesRequests.fromString(PROMETHEUS_RESOURCES.cpuRequest),
          memory: PrometheusSpecResourcesRequests.fromString(PROMETHEUS_RESOURCES.memoryRequest),
        },
        limits: {
          cpu: PrometheusSpecResourcesLimits.fromString(PROMETHEUS_RESOURCES.cpuLimit),
          memory: PrometheusSpecResourcesLimits.fromString(PROMETHEUS_RESOURCES.memoryLimit),
        },
      },
      securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT_UID, runAsGroup: NON_ROOT_UID, fsGroup: NON_ROOT_UID, seccompProfile: { type: 'RuntimeDefault' } },
      storage: {
        volumeClaimTemplate: {
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(env.prometheusStorage) } },
          },
        },
      },
      // The generated affinity type has the same shape as the core one.
      affinity: replicas > 1 ? spreadAcrossNodes(podSelector) as PrometheusSpecAffinity : undefined,
      // Rendered at synth so tenants added after construction get their queue.
      remoteWrite: env.remoteWrite ? Lazy.any({ produce: () => this.renderRemoteWrite() }) as unknown as PrometheusSpecRemoteWrite[] : undefined,
      // Series of shared exporters (cAdvisor, kube-state-metrics) describe objects in a tenant's
      // namespace but carry no tenant label; the default scrape class derives it from the
      // series' namespace, so tenant-scoped rules and dashboards see them.
      scrapeClasses: [{
        name: 'tenant-from-namespace',
        default: true,
        metricRelabelings: Lazy.any({ produce: () => this.renderTenantRelabeling() }) as unknown as PrometheusSpecScrapeClassesMetricRelabelings[],
      }],
      },
    });
    new k8s.KubeService(this, 'PrometheusService', {
      metadata: { name: 'prometheus', namespace: ns, labels },
      spec: { selector: podSelector, ports: [{ name: 'web', port: 9090, targetPort: k8s.IntOrString.fromString('web') }] },
    });
    new ServiceMonitor(this, 'PrometheusMonitor', {
      metadata: { name: 'prometheus', namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'web' }] },
    });
    if (replicas > 1) oneAtATimeBudget(this, 'PrometheusBudget', { name: 'prometheus', namespace: ns, labels, selector: podSelector });
    if (controlPlane.length > 0) this.createControlPlaneScraping(ns, controlPlane, sa.name, podSelector);
    return sa.name;
  }

  /**
   * Scrape jobs for the listed control-plane components: the additional scrape configuration
   * Secret, pod discovery in `kube-system` (a Role there) and egress to the components' metrics
   * ports. Reading `/metrics` also needs a cluster-scoped `nonResourceURLs` grant, left to the
   * cluster's RBAC (see `EnvironmentProfile.scrapedControlPlane`).
   */
  private createControlPlaneScraping(ns: string, components: ReadonlyArray<ControlPlaneComponent>, serviceAccount: string, podSelector: Record<string, string>): void {
    const labels = recommendedLabels({ name: 'prometheus', component: 'control-plane-scrape', instance: 'platform' });
    new k8s.KubeSecret(this, 'ControlPlaneScrapeConfig', {
      metadata: { name: CONTROL_PLANE_SCRAPE_SECRET, namespace: ns, labels },
      stringData: { [CONTROL_PLANE_SCRAPE_KEY]: stringify(controlPlaneScrapeJobs(components), { lineWidth: 0 }) },
    });
    const discovered = components.filter(discoveredInKubeSystem);
    if (discovered.length === 0) return;
    new NamespacedGrant(this, 'ControlPlaneDiscovery', {
      name: 'prometheus-control-plane-discovery', namespace: 'kube-system', labels,
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      serviceAccount: { name: serviceAccount, namespace: ns },
    });
    // The components run on the host network, so their addresses are node IPs: the rule names ports, not peers.
    new k8s.KubeNetworkPolicy(this, 'AllowControlPlaneScrapeEgress', {
      metadata: { name: 'allow-control-plane-scrape-egress', namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: ['Egress'],
        egress: [{ ports: discovered.map((c) => networkPort(CONTROL_PLANE_METRICS_PORTS[c])) }],
      },
    });
  }

  private renderTenantRelabeling(): PrometheusSpecScrapeClassesMetricRelabelings[] | undefined {
    if (this.tenants.length === 0) return undefined;
    return [{
      // Only series without a tenant label whose namespace is a tenant's.
      sourceLabels: [TENANT_LABEL, 'namespace'],
      separator: ';',
      regex: `;(${this.tenants.join('|')})`,
      targetLabel: TENANT_LABEL,
      replacement: '$1',
      action: PrometheusSpecScrapeClassesMetricRelabelingsAction.REPLACE,
    }];
  }

  private renderRemoteWrite(): PrometheusSpecRemoteWrite[] {
    const rw = this.environment.remoteWrite;
    if (!rw) return [];
    const header = this.tenantHeader as string;
    // One queue per tenant, each carrying only that tenant's series under its header, plus one
    // for the platform's own series (those without a tenant label).
    return [
      ...this.tenants.map((t) => ({
        name: `tenant-${t}`,
        url: rw.url,
        headers: { [header]: t },
        writeRelabelConfigs: [{ sourceLabels: [TENANT_LABEL], regex: t, action: PrometheusSpecRemoteWriteWriteRelabelConfigsAction.KEEP }],
      })),
      {
        name: 'platform',
        url: rw.url,
        headers: { [header]: 'platform' },
        writeRelabelConfigs: [{ sourceLabels: [TENANT_LABEL], regex: '', action: PrometheusSpecRemoteWriteWriteRelabelConfigsAction.KEEP }],
      },
    ];
  }

  private createAlertmanager(ns: string, env: EnvironmentProfile, alerting: IAlertmanagerConfiguration): void {
    const name = 'platform';
    const labels = recommendedLabels({ name: 'alertmanager', component: 'alerting', instance: name });
    const sa = new WorkloadServiceAccount(this, 'AlertmanagerServiceAccount', { name: 'alertmanager', namespace: ns, labels });
    const podSelector = { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': name };
    const replicas = env.replicas.alertmanager;
    new Alertmanager(this, 'Alertmanager', {
      metadata: { name, namespace: ns, labels },
      spec: {
      replicas,
      version: Images.alertmanagerVersion,
      serviceAccountName: sa.name,
      podMetadata: { labels },
      configSecret: alerting.configSecretName,
      secrets: [...alerting.credentialSecrets],
      retention: '120h',
      resources: {
        requests: {
          cpu: AlertmanagerSpecResourcesRequests.fromString(ALERTMANAGER_RESOURCES.cpuRequest),
          memory: AlertmanagerSpecResourcesRequests.fromString(ALERTMANAGER_RESOURCES.memoryRequest),
        },
        limits: {
          cpu: AlertmanagerSpecResourcesLimits.fromString(ALERTMANAGER_RESOURCES.cpuLimit),
          memory: AlertmanagerSpecResourcesLimits.fromString(ALERTMANAGER_RESOURCES.memoryLimit),
        },
      },
      securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT_UID, runAsGroup: NON_ROOT_UID, fsGroup: NON_ROOT_UID, seccompProfile: { type: 'RuntimeDefault' } },
      affinity: replicas > 1 ? spreadAcrossNodes(podSelector) as AlertmanagerSpecAffinity : undefined,
      },
    });
    new k8s.KubeService(this, 'AlertmanagerService', {
      metadata: { name: 'alertmanager', namespace: ns, labels },
      spec: { selector: podSelector, ports: [{ name: 'web', port: 9093, targetPort: k8s.IntOrString.fromString('web') }] },
    });
    new ServiceMonitor(this, 'AlertmanagerMonitor', {
      metadata: { name: 'alertmanager', namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'web' }] },
    });
    if (replicas > 1) oneAtATimeBudget(this, 'AlertmanagerBudget', { name: 'alertmanager', namespace: ns, labels, selector: podSelector });
  }

  private createNetworkPolicies(ns: string): void {
    const labels = recommendedLabels({ name: 'monitoring-platform', component: 'network-policy' });
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, id, { metadata: { name, namespace: ns, labels }, spec });
    const monitoredNamespaces: k8s.NetworkPolicyPeer = { namespaceSelector: { matchLabels: { [MONITORED_NAMESPACE_LABEL]: 'true' } } };
    policy('DefaultDeny', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('AllowDns', 'allow-dns-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_EGRESS_RULE] });
    // Components of the platform talk to each other (Prometheus -> Alertmanager, Grafana -> Prometheus, scraping).
    // Pods labelled RESTRICTED_INGRESS_LABEL admit only what their own policy allows.
    policy('AllowWithinNamespace', 'allow-within-namespace', {
      podSelector: { matchExpressions: [{ key: RESTRICTED_INGRESS_LABEL, operator: 'DoesNotExist' }] },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
    policy('AllowEgressWithinNamespace', 'allow-egress-within-namespace', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    // Prometheus scrapes the tenants' namespaces.
    policy('AllowScrapeEgress', 'allow-scrape-egress', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      policyTypes: ['Egress'],
      egress: [{ to: [monitoredNamespaces] }],
    });
    // Service discovery, the Grafana sidecar and the remediation controller call the API server;
    // remote write and Elasticsearch are reached over HTTPS or their service ports.
    policy('AllowApiAndStorageEgress', 'allow-api-and-storage-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ ports: [443, 6443, 8080, 9200].map((p) => networkPort(p)) }],
    });
  }
}
