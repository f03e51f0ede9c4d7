/**
 * The public API of cdk8s-tenant-monitoring: typed cdk8s constructs for a multi-tenant monitoring
 * platform. Everything a user imports comes from here; the Pulumi adapter is the separate entry
 * point `cdk8s-tenant-monitoring/lib/src/pulumi`.
 * @module cdk8s-tenant-monitoring
 */
export * from './core';
export * from './prometheus';
export * from './tenancy';
export * from './platform';
export * from './scaling';
export * from './ml/drift-method';
export * from './ml/model';
export * from './ml/runtime-cron-job';
export * from './ml/ml-jobs';
export * from './alerting';
export * from './prometheus/slo';
export * from './prometheus/packs';
export * from './remediation/policy';
export * from './remediation/remediation-controller';
export * from './grafana/model';
export * from './grafana/dashboard-json';
export * from './grafana/metrics';
export * from './grafana/datasources';
export * from './grafana/dashboards';
export * from './grafana/grafana-dashboards';
export * from './tracing/model';
export * from './tracing/jaeger-collector';
export * from './logging/model';
export * from './logging/elastic-indices';
export * from './core/size-limits';
export * from './prometheus/overrides';
export * from './prometheus/escalation';
export * from './prometheus/aggregated';
export * from './prometheus/tenant-pack-rules';
