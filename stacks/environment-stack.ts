import { App, Chart } from 'cdk8s';
import { EnvironmentProfile } from '../src/core/environment';
import { createPlatform, MONITORING_NAMESPACE, PlatformParts } from './platform-stack';
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
  /** The shared platform. */
  readonly platform: PlatformParts;
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
  // The platform always serves every tenant (routes, RBAC, remote write), even when only one
  // tenant's chart is written.
  const platform = createPlatform(app, { profile: props.profile, tenants: props.tenants, prometheusUrl: props.prometheusUrl, grafanaUrl: props.grafanaUrl });
  const charts: Chart[] = [platform.chart];
  const selected = props.onlyTenant ? props.tenants.filter((t) => t.id === props.onlyTenant) : props.tenants;
  if (props.onlyTenant && selected.length === 0) {
    throw new Error(`TENANT_ID: got ${JSON.stringify(props.onlyTenant)}; allowed: one of ${props.tenants.map((t) => t.id).join(', ')}`);
  }
  for (const spec of selected) {
    const chart = new Chart(app, `tenant-${spec.id}`, { labels: { environment: props.profile.name } });
    // Tenant objects need the platform's CRDs-backed objects and namespace first.
    chart.addDependency(platform.chart);
    tenants.set(spec.id, new TenantMonitoringStack(chart, spec.id, {
      tenant: spec,
      environment: props.profile,
      monitoringNamespace: MONITORING_NAMESPACE,
      prometheusUrl: platform.platform.prometheusUrl,
      pushgatewayUrl: platform.platform.pushgateway.url,
      autoscaling: spec.autoscaling,
      models: spec.models,
      packRules: platform.packRules,
    }));
    charts.push(chart);
  }
  return { platform, tenants, charts };
}
