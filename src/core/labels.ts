/** The label that carries the tenant id on every object, series, rule and route. */
export const TENANT_LABEL = 'tenant';

/** The Kubernetes label key that carries the tenant id on objects. */
export const TENANT_OBJECT_LABEL = 'monitoring.cdk8s.io/tenant';

/** The value of `app.kubernetes.io/part-of` on everything this library creates. */
export const PART_OF = 'tenant-monitoring';

/** The value of `app.kubernetes.io/managed-by` on everything this library creates. */
export const MANAGED_BY = 'cdk8s-tenant-monitoring';

/** What a set of recommended labels describes. */
export interface RecommendedLabelsOptions {
  /** `app.kubernetes.io/name`: the application, e.g. `prometheus`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `alerting`. @default - no component label */
  readonly component?: string;
  /** `app.kubernetes.io/instance`: distinguishes several installs. @default - the name */
  readonly instance?: string;
  /** `app.kubernetes.io/version`. @default - no version label */
  readonly version?: string;
  /** The tenant the object belongs to. @default - a shared (platform) object, no tenant label */
  readonly tenant?: string;
}

/**
 * The Kubernetes recommended labels (`app.kubernetes.io/*`) plus the tenant label.
 *
 * Caller labels are merged first and ours last, so a caller cannot drop or change the tenant label.
 */
export function recommendedLabels(opts: RecommendedLabelsOptions, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const labels: Record<string, string> = {
    ...extra,
    'app.kubernetes.io/name': opts.name,
    'app.kubernetes.io/instance': opts.instance ?? opts.name,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  if (opts.component) labels['app.kubernetes.io/component'] = opts.component;
  if (opts.version) labels['app.kubernetes.io/version'] = opts.version;
  if (opts.tenant) labels[TENANT_OBJECT_LABEL] = opts.tenant;
  return labels;
}

/** The subset of recommended labels that is stable enough to use as a pod selector. */
export function selectorLabels(opts: Pick<RecommendedLabelsOptions, 'name' | 'instance'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': opts.name,
    'app.kubernetes.io/instance': opts.instance ?? opts.name,
  };
}

/**
 * The label that makes the shared Prometheus pick up a PrometheusRule, ServiceMonitor or
 * PodMonitor. Every monitoring object this library creates carries it.
 */
export const COLLECT_LABELS: Readonly<Record<string, string>> = { 'monitoring.cdk8s.io/collect': 'true' };

/** The label the Grafana dashboard sidecar selects ConfigMaps by (value `"1"`). */
export const DASHBOARD_SIDECAR_LABEL = 'grafana_dashboard';

/** The namespace label that marks a namespace as a tenant's (the platform selects on it). */
export const TENANT_NAMESPACE_LABEL = 'monitoring.cdk8s.io/tenant-namespace';

/** The namespace label that marks a namespace whose monitoring objects the platform collects. */
export const MONITORED_NAMESPACE_LABEL = 'monitoring.cdk8s.io/monitored';
