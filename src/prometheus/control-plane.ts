import { ControlPlaneComponent } from '../core/environment';

/**
 * Scrape jobs of the control-plane components, in Prometheus' `scrape_configs` format (what a
 * prometheus-operator `additionalScrapeConfigs` Secret holds). Each job is named after its
 * component, which is the `job` label the control-plane alerts select.
 */

/** Where the platform Prometheus reads its service-account token and the cluster CA. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A control-plane component found through pod discovery in `kube-system` (its static pods). */
export type DiscoveredControlPlaneComponent = Exclude<ControlPlaneComponent, 'apiserver'>;

/** The metrics port of each control-plane component scraped through pod discovery in `kube-system`. */
export const CONTROL_PLANE_METRICS_PORTS: Readonly<Record<DiscoveredControlPlaneComponent, number>> = {
  // kubeadm's etcd serves plain-HTTP metrics on --listen-metrics-urls (port 2381).
  'etcd': 2381,
  'kube-scheduler': 10259,
  'kube-controller-manager': 10257,
};

/** The key of the additional scrape configuration in its Secret. */
export const CONTROL_PLANE_SCRAPE_KEY = 'control-plane.yaml';

/** One Prometheus scrape job (the fields this module writes). */
export interface ScrapeJob {
  /** The job name: the `job` label of every series it scrapes. */
  readonly job_name: string;
  /** The protocol of the metrics endpoint. */
  readonly scheme: 'http' | 'https';
  /** Fixed targets. @default - none */
  readonly static_configs?: ReadonlyArray<{ readonly targets: ReadonlyArray<string> }>;
  /** Kubernetes service discovery. @default - none */
  readonly kubernetes_sd_configs?: ReadonlyArray<{ readonly role: 'pod'; readonly namespaces: { readonly names: ReadonlyArray<string> } }>;
  /** Relabelling of the discovered targets. @default - none */
  readonly relabel_configs?: ReadonlyArray<Readonly<Record<string, string | ReadonlyArray<string>>>>;
  /** Bearer credentials read from a file. @default - no authorization */
  readonly authorization?: { readonly credentials_file: string };
  /** TLS settings. @default - Prometheus' defaults */
  readonly tls_config?: Readonly<Record<string, string | boolean>>;
}

/** Whether a component is found through pod discovery in `kube-system` (every one but the API server). */
export function discoveredInKubeSystem(component: ControlPlaneComponent): component is DiscoveredControlPlaneComponent {
  return component !== 'apiserver';
}

/**
 * The scrape job of one component:
 * - `apiserver`: the `kubernetes.default.svc` Service over HTTPS, verified with the cluster CA;
 * - `kube-scheduler`, `kube-controller-manager`: their static pods in `kube-system` (label
 *   `component=<name>`) on the secure port, with the service-account token (their serving
 *   certificates are self-signed, so the certificate is not verified);
 * - `etcd`: its static pods' plain-HTTP metrics port.
 */
export function controlPlaneScrapeJob(component: ControlPlaneComponent): ScrapeJob {
  const token = { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` };
  if (component === 'apiserver') {
    return {
      job_name: component, scheme: 'https',
      static_configs: [{ targets: ['kubernetes.default.svc:443'] }],
      authorization: token,
      tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt`, server_name: 'kubernetes.default.svc' },
    };
  }
  const port = CONTROL_PLANE_METRICS_PORTS[component];
  return {
    job_name: component,
    scheme: component === 'etcd' ? 'http' : 'https',
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['kube-system'] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_label_component'], regex: component, action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+)', target_label: '__address__', replacement: `$1:${port}` },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
    ],
    ...(component === 'etcd' ? {} : { authorization: token, tls_config: { insecure_skip_verify: true } }),
  };
}

/** The scrape jobs of `components`, in their order. */
export function controlPlaneScrapeJobs(components: ReadonlyArray<ControlPlaneComponent>): ScrapeJob[] {
  return components.map(controlPlaneScrapeJob);
}
