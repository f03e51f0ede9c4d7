import { NamespacedGrant, oneAtATimeBudget } from '../core/kube';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { DatasourceSecretEnv, datasourceSecretEnv, DatasourceSpec, renderDatasourceProvisioning } from '../grafana/datasources';
import { DASHBOARD_FOLDER_ANNOTATION, DASHBOARD_SIDECAR_LABEL, GrafanaDashboards } from '../grafana/grafana-dashboards';
import { ValidationError } from '../core/errors';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ContainerImage, Images } from '../core/images';
import { COLLECT_LABELS, recommendedLabels, selectorLabels } from '../core/labels';
import { httpProbe, MEDIUM_RESOURCES, secureContainer, secureDeployment, SMALL_RESOURCES, WorkloadServiceAccount } from '../core/pod';
import { SecretKeyRef } from '../core/secret-ref';
import {
  ApiServerAccess, apiServerEgressRule, clientLabels, ingressFrom, KnownService, NetworkPeer, namedPort, PLATFORM_POD_LABELS, uniqueRules, urlEgressRule,
} from '../core/network';

/** The port of the dashboard sidecar's health endpoint (k8s-sidecar's `HEALTH_PORT`, its default). */
const SIDECAR_HEALTH_PORT = 8080;

function secretEnv(envName: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name: envName, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** Properties of `Grafana`. */
export interface GrafanaProps {
  /** Namespace. */
  readonly namespace: string;
  /** The Secret with the admin user name and password (never created here). */
  readonly adminUser: SecretKeyRef;
  /** The key of the admin password in the same Secret. */
  readonly adminPassword: SecretKeyRef;
  /** Replicas. @default 1 */
  readonly replicas?: number;
  /** The URL users open Grafana at (used for links). @default - the in-cluster Service URL */
  readonly rootUrl?: string;
  /** Image. @default Images.grafana() */
  readonly image?: ContainerImage;
  /** Dashboard sidecar image. @default Images.grafanaSidecar() */
  readonly sidecarImage?: ContainerImage;
  /** Where the Kubernetes API server is (the dashboard sidecar watches ConfigMaps). @default - any address on 443 and 6443 */
  readonly apiServer?: ApiServerAccess;
  /**
   * Services whose pods are known, so egress to a datasource URL that names one goes to those pods
   * only (and not to every pod of its namespace).
   * @default - the platform's Prometheus and Alertmanager in `namespace`
   */
  readonly knownServices?: ReadonlyArray<KnownService>;
}

/**
 * Grafana with provisioning: datasources from a generated ConfigMap, dashboards loaded by the
 * k8s-sidecar from ConfigMaps labelled `grafana_dashboard` in the monitoring namespace (one
 * folder per tenant through the `grafana_folder` annotation). Admin credentials come from a
 * Secret reference.
 *
 * Its NetworkPolicy (`grafana`) admits Prometheus on `http` (metrics) and lets Grafana reach the
 * API server (the sidecar) and each datasource's URL on its port: the pods behind a known Service
 * (Prometheus, Alertmanager), the Service's namespace for other in-cluster URLs (a tenant's
 * collector, Elasticsearch, the long-term store). A datasource outside the cluster fails at synth
 * with the URL named, since a NetworkPolicy cannot name a host. Grafana carries the client labels
 * of Prometheus and Elasticsearch, whose policies admit it.
 */
export class Grafana extends Construct {
  /** Service name. */
  public readonly serviceName = 'grafana';
  /** The namespace Grafana runs in (its sidecar loads dashboard ConfigMaps from here). */
  public readonly namespace: string;
  /** In-cluster URL. */
  public readonly url: string;
  /** The URL used in links. */
  public readonly rootUrl: string;
  private readonly datasources: DatasourceSpec[] = [];
  /** The variables Grafana's container sets besides datasource credentials. */
  private readonly ownEnv: readonly k8s.EnvVar[];

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const ns = props.namespace;
    this.namespace = ns;
    const name = 'grafana';
    const labels = recommendedLabels({ name, component: 'dashboards' });
    const selector = selectorLabels({ name });
    this.url = `http://${this.serviceName}.${ns}.svc:3000`;
    this.rootUrl = props.rootUrl ?? this.url;
    const replicas = props.replicas ?? 1;

    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name, namespace: ns, labels });
    // The sidecar lists and watches ConfigMaps in this namespace only.
    new NamespacedGrant(this, 'SidecarAccess', {
      name: 'grafana-dashboard-sidecar', namespace: ns, labels,
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      serviceAccount: { name: sa.name, namespace: ns },
    });

    new k8s.KubeConfigMap(this, 'Datasources', {
      metadata: { name: 'grafana-datasources', namespace: ns, labels },
      data: { 'datasources.yaml': Lazy.any({ produce: () => renderDatasourceProvisioning(this.datasources) }) as unknown as string },
    });
    new k8s.KubeConfigMap(this, 'DashboardProviders', {
      metadata: { name: 'grafana-dashboard-providers', namespace: ns, labels },
      data: {
        'providers.yaml': stringify({
          apiVersion: 1,
          providers: [{
            name: 'sidecar', orgId: 1, type: 'file', disableDeletion: true, allowUiUpdates: false,
            updateIntervalSeconds: 30, options: { path: '/tmp/dashboards', foldersFromFilesStructure: true },
          }],
        }),
      },
    });

    this.ownEnv = [
      secretEnv('GF_SECURITY_ADMIN_USER', props.adminUser),
      secretEnv('GF_SECURITY_ADMIN_PASSWORD', props.adminPassword),
      { name: 'GF_SERVER_ROOT_URL', value: this.rootUrl },
      { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
      { name: 'GF_PATHS_LOGS', value: '/var/lib/grafana/log' },
      { name: 'GF_PATHS_PLUGINS', value: '/var/lib/grafana/plugins' },
      { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
    ];
    secureDeployment(this, 'Resource', {
      name, namespace: ns, labels, selector, replicas,
      // Its datasources: Prometheus admits the clients it labels, the Elasticsearch cluster likewise.
      podLabels: clientLabels('prometheus', 'elasticsearch'),
      serviceAccountName: sa.name,
      // The dashboard sidecar calls the Kubernetes API.
      automountServiceAccountToken: true,
      containers: [
        secureContainer({
          name,
          image: props.image ?? Images.grafana(),
          ports: [{ name: 'http', port: 3000 }],
          // Rendered at synth: datasources added after construction bring their Secret-backed variables.
          env: Lazy.any({ produce: () => [
            ...this.ownEnv,
            // Datasource credentials (headers, passwords) from their Secrets, by reference: one variable per Secret key.
            ...datasourceSecretEnv(this.datasources).map((r) => secretEnv(r.envName, SecretKeyRef.of(r.secretName, r.key))),
          ] }) as unknown as k8s.EnvVar[],
          resources: MEDIUM_RESOURCES,
          readinessProbe: httpProbe('/api/health', 'http'),
          livenessProbe: httpProbe('/api/health', 'http', 30),
          volumeMounts: [
            { name: 'data', mountPath: '/var/lib/grafana' },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'dashboards', mountPath: '/tmp/dashboards' },
            { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
            { name: 'dashboard-providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
          ],
          location: this,
        }),
        secureContainer({
          name: 'dashboard-sidecar',
          image: props.sidecarImage ?? Images.grafanaSidecar(),
          env: [
            { name: 'LABEL', value: DASHBOARD_SIDECAR_LABEL },
            { name: 'LABEL_VALUE', value: '1' },
            { name: 'FOLDER', value: '/tmp/dashboards' },
            { name: 'FOLDER_ANNOTATION', value: DASHBOARD_FOLDER_ANNOTATION },
            { name: 'RESOURCE', value: 'configmap' },
            { name: 'NAMESPACE', value: ns },
            { name: 'METHOD', value: 'WATCH' },
            { name: 'HEALTH_PORT', value: String(SIDECAR_HEALTH_PORT) },
          ],
          ports: [{ name: 'health', port: SIDECAR_HEALTH_PORT }],
          resources: SMALL_RESOURCES,
          // k8s-sidecar's /healthz answers 503 until the first sync of the dashboards is done (readiness) and
          // when the API has not answered for 60 s or a watcher thread died (liveness); the delay lets the first
          // sync finish before liveness counts.
          readinessProbe: httpProbe('/healthz', 'health', 5),
          livenessProbe: { ...httpProbe('/healthz', 'health', 10), initialDelaySeconds: 30 },
          volumeMounts: [{ name: 'dashboards', mountPath: '/tmp/dashboards' }],
          location: this,
        }),
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
        { name: 'dashboards', emptyDir: {} },
        { name: 'datasources', configMap: { name: 'grafana-datasources' } },
        { name: 'dashboard-providers', configMap: { name: 'grafana-dashboard-providers' } },
      ],
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: ns, labels },
      spec: { selector, ports: [{ name: 'http', port: 3000, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new ServiceMonitor(this, 'Monitor', {
      metadata: { name, namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'http', path: '/metrics' }] },
    });
    if (replicas > 1) {
      oneAtATimeBudget(this, 'Budget', { name, namespace: ns, labels, selector });
    }
    const known = props.knownServices ?? [
      { service: 'prometheus', namespace: ns, podLabels: PLATFORM_POD_LABELS.prometheus },
      { service: 'alertmanager', namespace: ns, podLabels: PLATFORM_POD_LABELS.alertmanager },
    ];
    const apiServer = apiServerEgressRule(props.apiServer, this, 'apiServer');
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus)], [namedPort('http')])],
        // Rendered at synth: datasources added after construction are reachable too.
        egress: Lazy.any({ produce: () => uniqueRules([
          apiServer,
          ...this.datasources.map((d) => urlEgressRule(d.url, this, `datasources.${d.uid}.url`, { clientNamespace: ns, known })),
        ]) }) as unknown as k8s.NetworkPolicyEgressRule[],
      },
    });
    this.node.addValidation({ validate: () => this.unprovisionedDatasources() });
  }

  /**
   * Every datasource UID that a dashboard loaded by this Grafana's sidecar (a `GrafanaDashboards` in its namespace,
   * anywhere in the app) queries must be provisioned here; a panel over a missing datasource shows only an error.
   */
  private unprovisionedDatasources(): string[] {
    const provisioned = new Set(this.datasources.map((d) => d.uid));
    const sets = this.node.root.node.findAll().filter((c): c is GrafanaDashboards => c instanceof GrafanaDashboards && c.sidecar && c.namespace === this.namespace);
    return sets.flatMap((set) => set.dashboards.flatMap((d) => d.datasourceUids
      .filter((uid) => !provisioned.has(uid))
      .map((uid) => new ValidationError(set, `dashboards.${d.uid}.datasource`, uid, `the UID of a datasource provisioned in ${this.node.path} (${[...provisioned].join(', ')})`).message)));
  }

  /** Provision a datasource (build it with the `Datasource` factories). Secret values reach Grafana as environment variables from Secret references. */
  public addDatasource(ds: DatasourceSpec): void {
    if (this.datasources.some((d) => d.uid === ds.uid || d.name === ds.name)) {
      throw new ValidationError(this, 'datasources', ds.name, 'a datasource whose name and uid are not used by another', `uid ${ds.uid}`);
    }
    // Checked here, where the datasource enters, so a clash names the construct rather than failing at synth.
    let env: readonly DatasourceSecretEnv[];
    try {
      env = datasourceSecretEnv([...this.datasources, ds]);
    } catch (e) {
      throw e instanceof ValidationError ? ValidationError.rebase(this, e, `datasources[${this.datasources.length}].`) : e;
    }
    const own = this.ownEnv.map((e) => e.name);
    const reserved = env.find((r) => own.includes(r.envName));
    if (reserved !== undefined) {
      throw new ValidationError(this, `datasources[${this.datasources.length}].envName`, reserved.envName, `a name other than Grafana's own variables (${own.join(', ')})`);
    }
    this.datasources.push(ds);
  }

  /** The provisioned datasources. */
  public get datasourceSpecs(): ReadonlyArray<DatasourceSpec> {
    return [...this.datasources];
  }
}
