import { DNS_EGRESS_RULE, NamespacedGrant, oneAtATimeBudget, SERVICE_DISCOVERY_RULES } from '../core/kube';
import {
  apiServerEgressRule, CLIENT_LABELS, egressTo, ingressFrom, namedPort, NAMESPACE_NAME_LABEL, NetworkPeer, networkPort, parseServiceUrl, PLATFORM_POD_LABELS, urlEgressRule,
} from '../core/network';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Alertmanager, AlertmanagerSpecResources, AlertmanagerSpecResourcesLimits, AlertmanagerSpecResourcesRequests } from '../../imports/alertmanager-monitoring.coreos.com';
import {
  Prometheus, PrometheusSpecAffinity, PrometheusSpecExcludedFromEnforcementGroup, PrometheusSpecExcludedFromEnforcementResource, PrometheusSpecAlertingAlertmanagersApiVersion, PrometheusSpecAlertingAlertmanagersPort, PrometheusSpecRemoteWrite,
  PrometheusSpecRemoteWriteWriteRelabelConfigsAction, PrometheusSpecResourcesLimits, PrometheusSpecScrapeClassesMetricRelabelings,
  PrometheusSpecScrapeClassesMetricRelabelingsAction, PrometheusSpecResources, PrometheusSpecResourcesRequests,
  PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/prometheus-monitoring.coreos.com';
import { AlertmanagerSpecAffinity } from '../../imports/alertmanager-monitoring.coreos.com';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { PodMonitor } from '../../imports/podmonitor-monitoring.coreos.com';
import { ControlPlaneComponent, EnvironmentProfile, ScaleOutSettings, RemoteWriteTenancy } from '../core/environment';
import { ValidationError } from '../core/errors';
import { Images } from '../core/images';
import { COLLECT_LABELS, MONITORED_NAMESPACE_LABEL, recommendedLabels, selectorLabels, TENANT_LABEL } from '../core/labels';
import { objectName } from '../core/naming';
import { NON_ROOT_UID, spreadAcrossNodes, WorkloadServiceAccount } from '../core/pod';
import { validateDnsLabel, validateUrl } from '../core/validation';
import { TELEMETRY_PORTS } from '../tenancy/tenant-namespace';
import { Datasource, tenantDatasourceUid } from '../grafana/datasources';
import { GrafanaDashboards } from '../grafana/grafana-dashboards';
import { Grafana } from './grafana';
import { Pushgateway } from './pushgateway';
import { TenantQueryProxy } from './tenant-query-proxy';
import { DEFAULT_DATASOURCE_UIDS } from '../grafana/model';
import { ElasticsearchConnection } from '../logging/elastic-indices';
import { ALL_TENANTS_AUDIT_STREAMS } from '../logging/model';
import { SecretKeyRef } from '../core/secret-ref';
import { unmountedAlertmanagerFile } from '../alerting/mounts';
import { stringify } from 'yaml';
import { CONTROL_PLANE_METRICS_PORTS, CONTROL_PLANE_SCRAPE_KEY, controlPlaneScrapeJobs, discoveredInKubeSystem } from '../prometheus/control-plane';
import { scrapedControlPlane } from '../prometheus/packs/platform';
import { EvaluationTier } from './evaluation-tier';
import { alertmanagerResources, prometheusResources } from './sizing';

/**
 * Problems with what the Alertmanager `<ns>/platform` would read: its Secrets must live in its
 * namespace (the operator mounts only those), and every file its configuration reads must lie
 * under a directory the operator mounts (`spec.configSecret`, `spec.secrets`).
 */
function alertmanagerMountProblems(scope: Construct, ns: string, alerting: IAlertmanagerConfiguration): string[] {
  const problems: string[] = [];
  if (alerting.namespace !== undefined && alerting.namespace !== ns) {
    problems.push(new ValidationError(scope, 'alerting.namespace', alerting.namespace, `the Alertmanager's namespace '${ns}' (the operator mounts only Secrets of its own namespace)`).message);
  }
  const secrets = [...alerting.credentialSecrets];
  for (const file of alerting.filesRead?.() ?? []) {
    const missing = unmountedAlertmanagerFile(file, { secrets });
    if (missing !== undefined) {
      problems.push(new ValidationError(scope, 'alerting', file, `a file under /etc/alertmanager/config/ or /etc/alertmanager/secrets/<name>/ for a Secret in spec.secrets (${secrets.join(', ') || 'none'})`, `Alertmanager ${ns}/platform reads it but mounts nothing at ${missing}`).message);
    }
  }
  return problems;
}

/**
 * What the platform's Alertmanager needs from the alert routing: where its configuration is and
 * what it reads. Both lists are read at synth, so receivers and routes added after the platform
 * was constructed are mounted too.
 */
export interface IAlertmanagerConfiguration {
  /** The Secret holding `alertmanager.yaml`. */
  readonly configSecretName: string;
  /** Secrets with receiver credentials, mounted at `/etc/alertmanager/secrets/<name>/`. */
  readonly credentialSecrets: ReadonlyArray<string>;
  /** The namespace the configuration and credential Secrets live in. @default - the platform namespace */
  readonly namespace?: string;
  /** The files the rendered configuration reads. @default - not checked */
  filesRead?(): ReadonlyArray<string>;
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
  /**
   * Ports Alertmanager may reach any address on, for its receivers outside the cluster (HTTPS
   * webhooks of Slack, PagerDuty, Discord, Teams; SMTP submission of the e-mail smarthost).
   * @default [443, 587]
   */
  readonly receiverPorts?: ReadonlyArray<number>;
  /**
   * The KEDA operator's pods, which query Prometheus for the ScaledObjects whose `serverAddress`
   * is this Prometheus; Prometheus admits them on `web` when such a ScaledObject is in the app.
   * @default DEFAULT_KEDA_OPERATOR (the KEDA Helm chart's operator in `keda`)
   */
  readonly kedaOperator?: NetworkPeer;
}

/** The KEDA operator as its Helm chart installs it: namespace `keda`, pods labelled `app.kubernetes.io/name: keda-operator`. */
export const DEFAULT_KEDA_OPERATOR: NetworkPeer = NetworkPeer.pods('keda', { 'app.kubernetes.io/name': 'keda-operator' });

/** The ports Alertmanager reaches its receivers on by default: HTTPS and SMTP submission. */
export const DEFAULT_RECEIVER_PORTS: ReadonlyArray<number> = [443, 587];

/** The named port tenant applications are scraped on when the platform sees no monitor of the tenant (the `TenantMonitoringStack` default). */
export const DEFAULT_SCRAPE_PORT = 'metrics';

/** Alertmanager's cluster (gossip) port, TCP and UDP, between its replicas. */
export const ALERTMANAGER_MESH_PORT = 9094;
/** The Secret with the control-plane scrape jobs (`additionalScrapeConfigs`). */
const CONTROL_PLANE_SCRAPE_SECRET = 'prometheus-control-plane-scrape';

/** The Thanos sidecar's gRPC (StoreAPI) port on each Prometheus shard, which Thanos Query reads. */
export const THANOS_SIDECAR_GRPC_PORT = 10901;

/**
 * Everything the tenants of one environment share: the monitoring namespace, an operator-managed
 * Prometheus (tenant isolation through `enforcedNamespaceLabel`, selectors that pick up tenant
 * rules and monitors, remote write that keeps each tenant's series under its tenant id), the Alertmanager that uses
 * the alert routing's Secret, Grafana, a Pushgateway, ServiceMonitors for its own components,
 * network policies, and PDBs and anti-affinity where replicas > 1. The control-plane components of
 * `environment.scrapedControlPlane` get scrape jobs (and the platform rules their alerts).
 *
 * Tenants are registered with `addTenant()`: the platform then gets read-only service discovery
 * in the tenant's namespace (a Role, not a ClusterRole) and, with remote write by
 * `RemoteWriteTenancy.queuePerTenant()`, a queue that carries only that tenant's series under its
 * header. Prometheus and Alertmanager are sized for the registered tenants (`prometheusResources`,
 * `alertmanagerResources`). With `environment.scaleOut`, Prometheus is sharded and an
 * `EvaluationTier` evaluates the rules.
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
  /** The ThanosRuler that evaluates every rule once over all shards, with `environment.scaleOut`. @default - none: Prometheus evaluates the rules */
  public readonly evaluationTier?: EvaluationTier;
  private readonly tenants: string[] = [];
  /** The platform Prometheus Service, whatever `prometheusUrl` in-cluster jobs are given. */
  private readonly platformPrometheusUrl: string;

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
    this.platformPrometheusUrl = `http://prometheus.${ns}.svc:9090`;
    this.prometheusUrl = props.prometheusUrl ?? this.platformPrometheusUrl;
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

    // The network settings are validated here, where they enter, before the components that use them.
    const apiServer = apiServerEgressRule(env.apiServer, this, 'environment.apiServer');
    const rw = env.remoteWrite;
    if (rw?.network !== undefined && !(rw.network instanceof NetworkPeer)) {
      throw new ValidationError(this, 'environment.remoteWrite.network', rw.network, 'a NetworkPeer (NetworkPeer.cidr(...), NetworkPeer.pods(...) or NetworkPeer.namespace(...))');
    }
    const remoteWrite = rw ? urlEgressRule(rw.url, this, 'environment.remoteWrite.url', { network: rw.network, networkField: 'environment.remoteWrite.network' }) : undefined;
    if (props.kedaOperator !== undefined && !(props.kedaOperator instanceof NetworkPeer)) {
      throw new ValidationError(this, 'kedaOperator', props.kedaOperator, 'a NetworkPeer (NetworkPeer.pods(namespace, labels))');
    }
    this.prometheusServiceAccount = this.createPrometheus(ns, env);
    this.createAlertmanager(ns, env, props.alerting);
    if (env.scaleOut) this.evaluationTier = this.createEvaluationTier(ns, env, env.scaleOut);
    this.pushgateway = new Pushgateway(this, 'Pushgateway', { namespace: ns, replicas: env.replicas.pushgateway });
    this.grafana = new Grafana(this, 'Grafana', {
      namespace: ns,
      adminUser: SecretKeyRef.of(props.grafanaAdminSecret, 'admin-user', this, 'grafanaAdminSecret'),
      adminPassword: SecretKeyRef.of(props.grafanaAdminSecret, 'admin-password', this, 'grafanaAdminSecret'),
      replicas: env.replicas.grafana,
      rootUrl: props.grafanaUrl,
      apiServer: env.apiServer,
    });
    this.grafana.addDatasource(Datasource.prometheus({ name: 'Prometheus', uid: 'prometheus', url: this.platformPrometheusUrl, isDefault: true, scrapeInterval: env.scrapeInterval.toPrometheus() }));
    this.grafana.addDatasource(Datasource.alertmanager({ name: 'Alertmanager', uid: 'alertmanager', url: this.alertmanagerUrl }));
    this.dashboards = new GrafanaDashboards(this, 'Dashboards', { namespace: ns, environment: env });
    this.createNetworkPolicies(ns, { apiServer, remoteWrite }, props.receiverPorts ?? DEFAULT_RECEIVER_PORTS, props.kedaOperator ?? DEFAULT_KEDA_OPERATOR);
  }

  /**
   * Register a tenant namespace: read-only service discovery there for Prometheus, and (with
   * remote write by `RemoteWriteTenancy.queuePerTenant()`) a queue carrying only the tenant's
   * series with its tenant header.
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
        ingress: [ingressFrom([NetworkPeer.namespace(tenantId)], TELEMETRY_PORTS.map((p) => networkPort(p)))],
      },
    });
    // The tenant's metrics datasource reads only the tenant's series: with a shared long-term store through the
    // tenant header the store enforces, otherwise through a label proxy fixed to the tenant in front of the platform
    // Prometheus (see TenantQueryProxy for why per tenant).
    const rw = this.environment.remoteWrite;
    const url = rw
      ? rw.queryUrl ?? `${new URL(rw.url).origin}/prometheus`
      // As many replicas as Grafana, the proxy's only client.
      : new TenantQueryProxy(scope, 'QueryProxy', { namespace: this.namespace, tenant: tenantId, upstream: this.platformPrometheusUrl, label: TENANT_LABEL, replicas: this.environment.replicas.grafana }).url;
    this.grafana.addDatasource(Datasource.prometheus({
      name: `Prometheus (${tenantId})`,
      uid: tenantDatasourceUid('prometheus', tenantId),
      url,
      headers: rw ? [{ name: this.tenantHeader as string, value: tenantId }] : [],
      scrapeInterval: this.environment.scrapeInterval.toPrometheus(),
    }));
  }

  /**
   * Give the platform dashboards the audit events of every tenant: an Elasticsearch datasource with the UID the
   * platform security dashboard queries (`DEFAULT_DATASOURCE_UIDS.audit`) over all tenants' audit data streams
   * (`ALL_TENANTS_AUDIT_STREAMS`), authenticated with the connection's user and password Secret. Without it the
   * synth fails, because that dashboard would query a datasource Grafana does not have.
   */
  public addAuditLogs(elasticsearch: ElasticsearchConnection): void {
    this.grafana.addDatasource(Datasource.elasticsearch({
      name: 'Audit (all tenants)',
      uid: DEFAULT_DATASOURCE_UIDS.audit,
      url: elasticsearch.url,
      index: ALL_TENANTS_AUDIT_STREAMS,
      basicAuth: { user: elasticsearch.username, password: { secretName: elasticsearch.password.name, key: elasticsearch.password.key } },
      tlsCa: elasticsearch.ca ? { secretName: elasticsearch.ca.name, key: elasticsearch.ca.key } : undefined,
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
    const podSelector = PLATFORM_POD_LABELS.prometheus;
    const monitored = { matchLabels: { [MONITORED_NAMESPACE_LABEL]: 'true' } };
    const replicas = env.replicas.prometheus;
    const shards = env.scaleOut?.shards;
    new Prometheus(this, 'Prometheus', {
      metadata: { name, namespace: ns, labels },
      spec: {
      replicas,
      // Scale-out: the operator splits the targets across the shards by a hash of `__address__`,
      // and a Thanos sidecar per pod serves the shard's series to the Thanos Query the ruler reads.
      shards,
      thanos: env.scaleOut ? { version: Images.thanosVersion } : undefined,
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
      // Sharded, no shard evaluates rules (an aggregation would see only its share of the targets):
      // the evaluation tier selects them instead.
      ruleSelector: env.scaleOut ? undefined : { matchLabels: COLLECT_LABELS },
      ruleNamespaceSelector: env.scaleOut ? undefined : monitored,
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
      // Sized at synth for the registered tenants and the profile's expected load.
      resources: Lazy.any({ produce: () => {
        const r = prometheusResources({ ...env.expectedLoad, tenants: this.tenants.length, scrapeInterval: env.scrapeInterval, shards }, this);
        return {
          requests: { cpu: PrometheusSpecResourcesRequests.fromString(r.cpuRequest), memory: PrometheusSpecResourcesRequests.fromString(r.memoryRequest) },
          limits: { cpu: PrometheusSpecResourcesLimits.fromString(r.cpuLimit), memory: PrometheusSpecResourcesLimits.fromString(r.memoryLimit) },
        };
      } }) as unknown as PrometheusSpecResources,
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
    const routing = rw.tenancy ?? RemoteWriteTenancy.queuePerTenant();
    // One queue for every series: the gateway at `url` reads each series' tenant label and writes it
    // under that tenant's header (series without one under the default tenant), so the tenant label
    // must reach it unchanged.
    if (routing.kind === 'by-label') return [{ name: 'tenants', url: rw.url }];
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
        headers: { [header]: routing.defaultTenant },
        writeRelabelConfigs: [{ sourceLabels: [TENANT_LABEL], regex: '', action: PrometheusSpecRemoteWriteWriteRelabelConfigsAction.KEEP }],
      },
    ];
  }

  private createEvaluationTier(ns: string, env: EnvironmentProfile, scaleOut: ScaleOutSettings): EvaluationTier {
    if (!Number.isInteger(scaleOut.shards) || scaleOut.shards < 1) throw new ValidationError(this, 'environment.scaleOut.shards', scaleOut.shards, 'an integer >= 1');
    if (scaleOut.queryNetwork !== undefined && !(scaleOut.queryNetwork instanceof NetworkPeer)) {
      throw new ValidationError(this, 'environment.scaleOut.queryNetwork', scaleOut.queryNetwork, 'a NetworkPeer (NetworkPeer.pods(...), NetworkPeer.namespace(...) or NetworkPeer.cidr(...))');
    }
    return new EvaluationTier(this, 'EvaluationTier', {
      namespace: ns, queryUrl: scaleOut.queryUrl, queryNetwork: scaleOut.queryNetwork, alertmanagerUrl: this.alertmanagerUrl,
      evaluationInterval: env.scrapeInterval, environment: env.name, replicas: scaleOut.rulerReplicas ?? env.replicas.prometheus,
    });
  }

  /** The Thanos Query pods the shards' sidecars admit: `scaleOut.queryNetwork`, else the namespace of the Service `scaleOut.queryUrl` names. */
  private thanosQueryPeer(scaleOut: ScaleOutSettings): NetworkPeer {
    if (scaleOut.queryNetwork) return scaleOut.queryNetwork;
    const address = parseServiceUrl(scaleOut.queryUrl);
    if (!address) throw new ValidationError(this, 'environment.scaleOut.queryUrl', scaleOut.queryUrl, 'an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>), or any URL with environment.scaleOut.queryNetwork set');
    return NetworkPeer.namespace(address.namespace);
  }

  private createAlertmanager(ns: string, env: EnvironmentProfile, alerting: IAlertmanagerConfiguration): void {
    const name = 'platform';
    const labels = recommendedLabels({ name: 'alertmanager', component: 'alerting', instance: name });
    const sa = new WorkloadServiceAccount(this, 'AlertmanagerServiceAccount', { name: 'alertmanager', namespace: ns, labels });
    const podSelector = PLATFORM_POD_LABELS.alertmanager;
    const replicas = env.replicas.alertmanager;
    new Alertmanager(this, 'Alertmanager', {
      metadata: { name, namespace: ns, labels },
      spec: {
      replicas,
      version: Images.alertmanagerVersion,
      serviceAccountName: sa.name,
      podMetadata: { labels },
      configSecret: alerting.configSecretName,
      // Derived at synth from what the configuration references, whatever the order of calls.
      secrets: Lazy.any({ produce: () => [...alerting.credentialSecrets] }) as unknown as string[],
      retention: '120h',
      // Sized at synth for the registered tenants.
      resources: Lazy.any({ produce: () => {
        const r = alertmanagerResources(this.tenants.length, this);
        return {
          requests: { cpu: AlertmanagerSpecResourcesRequests.fromString(r.cpuRequest), memory: AlertmanagerSpecResourcesRequests.fromString(r.memoryRequest) },
          limits: { cpu: AlertmanagerSpecResourcesLimits.fromString(r.cpuLimit), memory: AlertmanagerSpecResourcesLimits.fromString(r.memoryLimit) },
        };
      } }) as unknown as AlertmanagerSpecResources,
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
    this.node.addValidation({ validate: () => alertmanagerMountProblems(this, ns, alerting) });
    if (replicas > 1) oneAtATimeBudget(this, 'AlertmanagerBudget', { name: 'alertmanager', namespace: ns, labels, selector: podSelector });
  }

  /**
   * The monitoring namespace denies all traffic by default and allows each component only what it
   * uses (the components' own constructs add theirs: Grafana, the Pushgateway, Jaeger, the
   * Elasticsearch cluster and index setup, the ML jobs, the remediation controller):
   *
   * - Prometheus calls the API server (service discovery), scrapes the namespaces whose
   *   ServiceMonitors and PodMonitors it collects on the ports those name, sends alerts to
   *   Alertmanager (`web`), and writes to the remote-write store; it admits Grafana, itself,
   *   the pods labelled as its clients (`CLIENT_LABELS.prometheus`) and, when a ScaledObject
   *   queries it, the KEDA operator, on `web`.
   * - Alertmanager admits Prometheus and Grafana on `web` and its replicas on the mesh port; it
   *   reaches its replicas and any address on the receiver ports (webhooks and SMTP are outside
   *   the cluster, at addresses no policy can know).
   */
  private createNetworkPolicies(
    ns: string,
    egress: { readonly apiServer: k8s.NetworkPolicyEgressRule; readonly remoteWrite?: k8s.NetworkPolicyEgressRule },
    receiverPorts: ReadonlyArray<number>,
    kedaOperator: NetworkPeer,
  ): void {
    const labels = recommendedLabels({ name: 'monitoring-platform', component: 'network-policy' });
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, id, { metadata: { name, namespace: ns, labels }, spec });
    policy('DefaultDeny', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('AllowDns', 'allow-dns-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_EGRESS_RULE] });

    const prometheus = NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus);
    const alertmanager = NetworkPeer.pods(ns, PLATFORM_POD_LABELS.alertmanager);
    const grafana = NetworkPeer.pods(ns, PLATFORM_POD_LABELS.grafana);
    policy('PrometheusPolicy', 'prometheus', {
      podSelector: { matchLabels: { ...PLATFORM_POD_LABELS.prometheus } },
      policyTypes: ['Ingress', 'Egress'],
      // Rendered at synth: KEDA is admitted once a ScaledObject queries this Prometheus.
      ingress: Lazy.any({ produce: () => [ingressFrom([
        prometheus, grafana, NetworkPeer.pods(ns, { [CLIENT_LABELS.prometheus]: 'true' }), ...(this.kedaQueriesPrometheus() ? [kedaOperator] : []),
      ], [namedPort('web')]),
        // Scale-out: Thanos Query reads each shard's series from its sidecar.
        ...(this.environment.scaleOut ? [ingressFrom([this.thanosQueryPeer(this.environment.scaleOut)], [networkPort(THANOS_SIDECAR_GRPC_PORT)])] : []),
      ] }) as unknown as k8s.NetworkPolicyIngressRule[],
      // Rendered at synth: monitors and tenants added after construction are scraped too.
      egress: Lazy.any({ produce: () => [
        egress.apiServer,
        ...this.renderScrapeEgress(),
        egressTo([alertmanager], [namedPort('web')]),
        ...(egress.remoteWrite ? [egress.remoteWrite] : []),
      ] }) as unknown as k8s.NetworkPolicyEgressRule[],
    });
    const receiverRules = receiverPorts.map((p, i) => {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new ValidationError(this, `receiverPorts[${i}]`, p, 'a port number 1..65535');
      return networkPort(p);
    });
    const mesh = [networkPort(ALERTMANAGER_MESH_PORT), networkPort(ALERTMANAGER_MESH_PORT, 'UDP')];
    policy('AlertmanagerPolicy', 'alertmanager', {
      podSelector: { matchLabels: { ...PLATFORM_POD_LABELS.alertmanager } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [ingressFrom([prometheus, grafana, ...(this.evaluationTier ? [this.evaluationTier.pods] : [])], [namedPort('web')]), ingressFrom([alertmanager], mesh)],
      egress: [egressTo([alertmanager], mesh), ...(receiverRules.length > 0 ? [egressTo(NetworkPeer.anyAddress(), receiverRules)] : [])],
    });
  }

  /** Does a ScaledObject in the app query this Prometheus (a prometheus trigger whose serverAddress is its Service)? */
  private kedaQueriesPrometheus(): boolean {
    return this.node.root.node.findAll().some((c) => {
      if (!ApiObject.isApiObject(c) || c.apiGroup !== 'keda.sh' || c.kind !== 'ScaledObject') return false;
      const triggers = (c.toJson() as { spec?: { triggers?: ReadonlyArray<{ type?: string; metadata?: { serverAddress?: string } }> } }).spec?.triggers ?? [];
      return triggers.some((t) => {
        const address = t.type === 'prometheus' && t.metadata?.serverAddress ? parseServiceUrl(t.metadata.serverAddress) : undefined;
        return address?.service === 'prometheus' && address.namespace === this.namespace;
      });
    });
  }

  /**
   * Prometheus's scrape egress: per collected namespace, the ports its ServiceMonitors and
   * PodMonitors name (prometheus-operator confines each monitor to its own namespace because
   * `ignoreNamespaceSelectors` is set). A registered tenant whose monitors are not in this app
   * is scraped on `DEFAULT_SCRAPE_PORT`.
   */
  private renderScrapeEgress(): k8s.NetworkPolicyEgressRule[] {
    const collected = new Set([this.namespace, ...this.tenants]);
    const ports = new Map<string, Set<string | number>>();
    for (const c of this.node.root.node.findAll()) {
      // By kind: cdk8s answers `instanceof` of any ApiObject subclass for every ApiObject.
      if (!ApiObject.isApiObject(c) || c.apiGroup !== 'monitoring.coreos.com' || (c.kind !== ServiceMonitor.GVK.kind && c.kind !== PodMonitor.GVK.kind)) continue;
      const json = c.toJson() as { metadata?: { namespace?: string; labels?: Record<string, string> }; spec?: MonitorSpec };
      const ns = json.metadata?.namespace;
      if (!ns || !collected.has(ns)) continue;
      if (!Object.entries(COLLECT_LABELS).every(([k, v]) => json.metadata?.labels?.[k] === v)) continue;
      const set = ports.get(ns) ?? new Set<string | number>();
      for (const e of [...(json.spec?.endpoints ?? []), ...(json.spec?.podMetricsEndpoints ?? [])]) {
        const port = e.port ?? e.portNumber ?? e.targetPort;
        if (port !== undefined) set.add(port);
      }
      ports.set(ns, set);
    }
    for (const t of this.tenants) if (!ports.has(t)) ports.set(t, new Set([DEFAULT_SCRAPE_PORT]));
    // One rule per set of ports, naming its namespaces: the policy grows with the distinct port
    // sets, not with the tenants (one object must stay within the API server's size limits).
    const byPorts = new Map<string, { ports: Array<string | number>; namespaces: string[] }>();
    for (const [ns, set] of ports) {
      if (set.size === 0) continue;
      const list = [...set];
      const key = JSON.stringify(list);
      const group = byPorts.get(key) ?? { ports: list, namespaces: [] };
      group.namespaces.push(ns);
      byPorts.set(key, group);
    }
    return [...byPorts.values()].map((g) => ({
      to: [{
        namespaceSelector: g.namespaces.length === 1
          ? { matchLabels: { [NAMESPACE_NAME_LABEL]: g.namespaces[0]! } }
          : { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: g.namespaces }] },
      }],
      ports: g.ports.map((p) => (typeof p === 'number' ? networkPort(p) : namedPort(p))),
    }));
  }
}

/** The fields of a ServiceMonitor or PodMonitor spec that name scrape ports. */
interface MonitorSpec {
  readonly endpoints?: ReadonlyArray<MonitorEndpoint>;
  readonly podMetricsEndpoints?: ReadonlyArray<MonitorEndpoint>;
}

/** A scrape endpoint of a monitor: a port name, or a port number. */
interface MonitorEndpoint {
  readonly port?: string;
  readonly portNumber?: number;
  readonly targetPort?: string | number;
}
