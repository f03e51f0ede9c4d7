import { App, Chart } from 'cdk8s';
import { EnvironmentProfile } from '../src/core/environment';
import { ExampleTenant } from './tenants';
import { TenantMonitoringStack } from '../src/tenancy/tenant-monitoring-stack';

/** Properties of one environment. */
export interface EnvironmentStackProps {
  /** The environment profile. */
  readonly profile: EnvironmentProfile;
  /** The tenants hosted in this environment. */
  readonly tenants: ReadonlyArray<ExampleTenant>;
  /** Only this tenant. @default - every tenant */
  readonly onlyTenant?: string;
  /** The Prometheus URL in-cluster jobs query. @default - the platform's Prometheus Service */
  readonly prometheusUrl?: string;
  /** The external Grafana URL for notification links. @default - the platform's Grafana Service */
  readonly grafanaUrl?: string;
}

/** The charts of one environment. */
export interface EnvironmentCharts {
  /** The tenant stacks, by tenant id. */
  readonly tenants: ReadonlyMap<string, TenantMonitoringStack>;
  /** Every chart, in output order. */
  readonly charts: ReadonlyArray<Chart>;
}

/**
 * One environment: a chart per tenant (one `TenantMonitoringStack` each), placed directly in the
 * app so output file names are short and stable (`tenant-<id>.k8s.yaml`). Environments differ
 * only in their profile and tenant list.
 */
export function createEnvironment(app: App, props: EnvironmentStackProps): EnvironmentCharts {
  const tenants = new Map<string, TenantMonitoringStack>();
  const charts: Chart[] = [];
  const selected = props.onlyTenant ? props.tenants.filter((t) => t.id === props.onlyTenant) : props.tenants;
  if (props.onlyTenant && selected.length === 0) {
    throw new Error(`TENANT_ID: got ${JSON.stringify(props.onlyTenant)}; allowed: one of ${props.tenants.map((t) => t.id).join(', ')}`);
  }
  for (const spec of selected) {
    const chart = new Chart(app, `tenant-${spec.id}`, { labels: { environment: props.profile.name } });
    tenants.set(spec.id, new TenantMonitoringStack(chart, spec.id, { tenant: spec, environment: props.profile, autoscaling: spec.autoscaling, models: spec.models }));
    charts.push(chart);
  }
  return { tenants, charts };
}
