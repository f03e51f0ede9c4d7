import { validateDnsLabel, validateUrl } from '../src/core/validation';

/**
 * Settings read from the process environment by the synth entry point.
 *
 * - `MONITORING_ENV`: synthesize only this environment (`dev`, `staging` or `prod`). Default: all.
 * - `TENANT_ID`: synthesize only this tenant's charts (plus the shared platform). Default: all tenants.
 * - `PROMETHEUS_URL`: the Prometheus that in-cluster jobs query. Default: the platform's Service.
 * - `GRAFANA_URL`: the external Grafana URL used in notification links. Default: the platform's Service.
 * - `OUTPUT_DIR`: where manifests are written. Default: `dist`.
 */
export interface SynthSettings {
  readonly environments?: ReadonlyArray<string>;
  readonly tenantId?: string;
  readonly prometheusUrl?: string;
  readonly grafanaUrl?: string;
  readonly outputDir: string;
}

/** Read and validate the settings; throws a `ValidationError` naming the variable. */
export function readSettings(env: NodeJS.ProcessEnv, knownEnvironments: ReadonlyArray<string>): SynthSettings {
  const selected = env.MONITORING_ENV?.trim();
  if (selected && !knownEnvironments.includes(selected)) {
    throw new Error(`MONITORING_ENV: got ${JSON.stringify(selected)}; allowed: one of ${knownEnvironments.join(', ')}, or unset for all`);
  }
  const tenantId = env.TENANT_ID?.trim() || undefined;
  if (tenantId) validateDnsLabel(tenantId, 'environment variables', 'TENANT_ID');
  const prometheusUrl = env.PROMETHEUS_URL?.trim() || undefined;
  if (prometheusUrl) validateUrl(prometheusUrl, 'environment variables', 'PROMETHEUS_URL');
  const grafanaUrl = env.GRAFANA_URL?.trim() || undefined;
  if (grafanaUrl) validateUrl(grafanaUrl, 'environment variables', 'GRAFANA_URL');
  return {
    environments: selected ? [selected] : undefined,
    tenantId,
    prometheusUrl,
    grafanaUrl,
    outputDir: env.OUTPUT_DIR?.trim() || 'dist',
  };
}
