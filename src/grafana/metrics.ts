/**
 * The metrics the dashboards read come from the one metric catalogue of the project
 * (`src/core/metric-catalogue.ts`); this module keeps the Grafana concern's import path.
 */
export { RULE_METRICS, DOCUMENTED_METRICS, isTenantScopedMetric } from '../core/metric-catalogue';
export type { RuleMetric, DocumentedMetric, Exporter, MetricScope } from '../core/metric-catalogue';
