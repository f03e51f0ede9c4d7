import { DNS_EGRESS_RULE } from '../core/kube';
import { egressTo, ingressFrom, namedPort, NetworkPeer, networkPort, PLATFORM_POD_LABELS } from '../core/network';
import { objectName } from '../core/naming';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { MONITORED_NAMESPACE_LABEL, recommendedLabels, selectorLabels, TENANT_LABEL, TENANT_NAMESPACE_LABEL } from '../core/labels';
import { ResolvedTenant } from '../core/tenant';

/** Properties of `TenantNamespace`. */
export interface TenantNamespaceProps {
  /** The validated tenant. */
  readonly tenant: ResolvedTenant;
  /** The namespace the shared monitoring components run in (allowed to scrape the tenant). */
  readonly monitoringNamespace: string;
  /** Extra labels for every object. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The container ports (names or numbers) the platform Prometheus scrapes the tenant's pods on:
   * the only ports its scrape policy opens.
   * @default ['metrics']
   */
  readonly scrapePorts?: ReadonlyArray<string | number>;
}

/** Ports of the shared platform that tenant workloads may send telemetry to: OTLP gRPC and HTTP of their trace collector. */
export const TELEMETRY_PORTS: ReadonlyArray<number> = [4317, 4318];

/**
 * A tenant's isolated namespace: Pod Security Standards `restricted` enforced, a ResourceQuota
 * and a LimitRange from the tenant's quotas, and default-deny ingress and egress NetworkPolicies
 * that let through only:
 *
 * - DNS to kube-dns;
 * - scraping by the platform Prometheus pods (namespace and pod selector in one peer) on the
 *   scrape ports only (`scrapePorts`);
 * - OTLP traces to the tenant's own collector (`jaeger-<tenant>` in the monitoring namespace) on
 *   `TELEMETRY_PORTS`, never to another tenant's.
 *
 * Nothing else reaches the tenant's pods, and they reach nothing else: no other tenant, no other
 * pod of the monitoring namespace.
 */
export class TenantNamespace extends Construct {
  /** The namespace name (the tenant id). */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const t = props.tenant;
    const q = t.quotas;
    this.name = t.id;
    const labels = (component: string) => recommendedLabels({ name: 'tenant-namespace', component, instance: t.id, tenant: t.id }, props.labels);

    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: t.id,
        labels: {
          ...labels('namespace'),
          [TENANT_LABEL]: t.id,
          [TENANT_NAMESPACE_LABEL]: 'true',
          [MONITORED_NAMESPACE_LABEL]: 'true',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
        annotations: { 'monitoring.cdk8s.io/display-name': t.displayName, 'monitoring.cdk8s.io/team': t.contacts.team },
      },
    });

    const quantity = (v: string) => k8s.Quantity.fromString(v);
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'tenant-quota', namespace: t.id, labels: labels('quota') },
      spec: {
        hard: {
          'requests.cpu': quantity(q.requestsCpu),
          'requests.memory': quantity(q.requestsMemory),
          'limits.cpu': quantity(q.limitsCpu),
          'limits.memory': quantity(q.limitsMemory),
          'requests.storage': quantity(q.requestsStorage),
          'pods': quantity(String(q.pods)),
          'services': quantity(String(q.services)),
          'configmaps': quantity(String(q.configMaps)),
          'secrets': quantity(String(q.secrets)),
          'persistentvolumeclaims': quantity(String(q.persistentVolumeClaims)),
          'services.loadbalancers': quantity('0'),
          'services.nodeports': quantity('0'),
        },
      },
    });

    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'tenant-limits', namespace: t.id, labels: labels('limits') },
      spec: {
        limits: [{
          type: 'Container',
          min: { cpu: quantity(q.containerMinCpu), memory: quantity(q.containerMinMemory) },
          max: { cpu: quantity(q.containerMaxCpu), memory: quantity(q.containerMaxMemory) },
          defaultRequest: { cpu: quantity(q.defaultRequestCpu), memory: quantity(q.defaultRequestMemory) },
          default: { cpu: quantity(q.defaultLimitCpu), memory: quantity(q.defaultLimitMemory) },
        }],
      },
    });

    const prometheus = NetworkPeer.pods(props.monitoringNamespace, PLATFORM_POD_LABELS.prometheus);
    const collector = NetworkPeer.pods(props.monitoringNamespace, selectorLabels({ name: 'jaeger', instance: objectName(['jaeger', t.id]) }));
    const scrapePorts = (props.scrapePorts ?? ['metrics']).map((p) => (typeof p === 'number' ? networkPort(p) : namedPort(p)));
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny-all', namespace: t.id, labels: labels('network-policy') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns-egress', namespace: t.id, labels: labels('network-policy') },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_EGRESS_RULE] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowScrape', {
      metadata: { name: 'allow-monitoring-scrape', namespace: t.id, labels: labels('network-policy') },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [ingressFrom([prometheus], scrapePorts)] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowTelemetry', {
      metadata: { name: 'allow-telemetry-egress', namespace: t.id, labels: labels('network-policy') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [egressTo([collector], TELEMETRY_PORTS.map((p) => networkPort(p)))],
      },
    });
  }
}
