import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { oneAtATimeBudget } from '../core/kube';
import { ContainerImage, Images } from '../core/images';
import { COLLECT_LABELS, recommendedLabels, selectorLabels, TENANT_LABEL } from '../core/labels';
import { objectName } from '../core/naming';
import { httpProbe, secureContainer, secureDeployment, SMALL_RESOURCES, WorkloadServiceAccount } from '../core/pod';
import { validateDnsLabel, validateUrl } from '../core/validation';
import { clientLabels, egressTo, ingressFrom, namedPort, NetworkPeer, PLATFORM_POD_LABELS } from '../core/network';

/** Properties of `TenantQueryProxy`. */
export interface TenantQueryProxyProps {
  /** Namespace the proxy runs in (the monitoring namespace, next to Grafana and Prometheus). */
  readonly namespace: string;
  /** The tenant whose series every query is restricted to. */
  readonly tenant: string;
  /** URL of the Prometheus the proxy forwards to, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly upstream: string;
  /**
   * The series label that carries the tenant.
   * @default TENANT_LABEL ('tenant')
   */
  readonly label?: string;
  /**
   * Replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Image.
   * @default Images.promLabelProxy()
   */
  readonly image?: ContainerImage;
}

/** The proxy's HTTP port (queries and `/healthz`). */
const HTTP_PORT = 8080;
/** The proxy's internal port (`/metrics` about itself). */
const METRICS_PORT = 8081;

/**
 * A prom-label-proxy in front of the shared Prometheus for one tenant: every PromQL query, series, label and rules
 * request it forwards is rewritten to carry `tenant="<id>"`, and a query that asks for another tenant's label value
 * is refused (`-error-on-replace`).
 *
 * The tenant is fixed in the proxy's arguments (`-label-value`), not taken from a request header: a proxy that
 * reads the tenant from a header enforces whatever tenant the caller names, so its guarantee rests on every caller
 * setting the header correctly. A proxy per tenant enforces its tenant whatever the request says; the tenant's
 * Grafana datasource points at it and at nothing else.
 */
export class TenantQueryProxy extends Construct {
  /** The tenant the proxy enforces. */
  public readonly tenant: string;
  /** The series label it enforces. */
  public readonly label: string;
  /** Object name of the Deployment, Service and ServiceAccount. */
  public readonly name: string;
  /** In-cluster URL of the proxy (a Prometheus API restricted to the tenant). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: TenantQueryProxyProps) {
    super(scope, id);
    const ns = validateDnsLabel(props.namespace, this, 'namespace');
    this.tenant = validateDnsLabel(props.tenant, this, 'tenant');
    const upstream = validateUrl(props.upstream, this, 'upstream');
    this.label = props.label ?? TENANT_LABEL;
    this.name = tenantQueryProxyName(this.tenant);
    this.url = `http://${this.name}.${ns}.svc:${HTTP_PORT}`;
    const labels = recommendedLabels({ name: 'prom-label-proxy', component: 'query-proxy', instance: this.name, tenant: this.tenant });
    const selector = selectorLabels({ name: 'prom-label-proxy', instance: this.name });
    const replicas = props.replicas ?? 1;

    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name: this.name, namespace: ns, labels });
    secureDeployment(this, 'Resource', {
      name: this.name, namespace: ns, labels, selector, replicas,
      // The platform Prometheus admits the clients it labels.
      podLabels: clientLabels('prometheus'),
      serviceAccountName: sa.name,
      containers: [secureContainer({
        name: 'prom-label-proxy',
        image: props.image ?? Images.promLabelProxy(),
        args: renderProxyArgs({ upstream, label: this.label, tenant: this.tenant }),
        ports: [{ name: 'http', port: HTTP_PORT }, { name: 'metrics', port: METRICS_PORT }],
        resources: SMALL_RESOURCES,
        readinessProbe: httpProbe('/healthz', 'http', 5),
        livenessProbe: httpProbe('/healthz', 'http', 20),
        location: this,
      })],
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        selector,
        ports: [
          { name: 'http', port: HTTP_PORT, targetPort: k8s.IntOrString.fromString('http') },
          { name: 'metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics') },
        ],
      },
    });
    new ServiceMonitor(this, 'Monitor', {
      metadata: { name: this.name, namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'metrics' }] },
    });
    // Grafana queries it, Prometheus scrapes its metrics; it forwards only to the platform Prometheus.
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.grafana)], [namedPort('http')]),
          ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus)], [namedPort('metrics')]),
        ],
        egress: [egressTo([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus)], [namedPort('web')])],
      },
    });
    if (replicas > 1) oneAtATimeBudget(this, 'Budget', { name: this.name, namespace: ns, labels, selector });
  }
}

/**
 * The object name of a tenant's query proxy (Deployment, Service, ServiceAccount): also the scrape job of its
 * ServiceMonitor, which platform alerts that watch components need.
 */
export function tenantQueryProxyName(tenant: string): string {
  return objectName(['prom-label-proxy', tenant]);
}

/** What one proxy enforces. */
export interface ProxyEnforcement {
  /** Upstream Prometheus URL. */
  readonly upstream: string;
  /** Series label. */
  readonly label: string;
  /** The one value the label is fixed to. */
  readonly tenant: string;
}

/**
 * The prom-label-proxy arguments that fix `label` to `tenant` for every request (flags as documented in the
 * prom-label-proxy README and `main.go`).
 */
export function renderProxyArgs(e: ProxyEnforcement): string[] {
  return [
    `-insecure-listen-address=:${HTTP_PORT}`,
    `-internal-listen-address=:${METRICS_PORT}`,
    `-upstream=${e.upstream}`,
    `-label=${e.label}`,
    `-label-value=${e.tenant}`,
    // Grafana's query editor lists label names and values; without this those calls would be refused.
    '-enable-label-apis',
    // A query naming another tenant is an error, not silently rewritten to this tenant.
    '-error-on-replace',
  ];
}
