/**
 * The metrics the dashboards read, and where each comes from: the recording rules of this project
 * ({@link RULE_METRICS}) or an exporter ({@link DOCUMENTED_METRICS}). A test checks that every query reads only
 * metrics listed here, so a dashboard cannot silently depend on a series nobody produces.
 */

/** A metric produced by a recording rule of this project. */
export interface RuleMetric {
  /** Recorded metric name. */
  readonly name: string;
  /** Labels the rule keeps on its output. */
  readonly labels: readonly string[];
}

/**
 * Metrics written by this project's recording rules (the rule packs of `src/prometheus`). A rules test checks this
 * list against the generated rule groups, so renaming a rule breaks the build instead of a dashboard.
 */
export const RULE_METRICS: readonly RuleMetric[] = [
  { name: 'tenant:http_requests:rate5m', labels: ['tenant'] },
  { name: 'tenant:http_errors:ratio_rate5m', labels: ['tenant'] },
  { name: 'tenant:http_request_duration_seconds:p95_5m', labels: ['tenant'] },
  { name: 'tenant:http_request_duration_seconds:p99_5m', labels: ['tenant'] },
  ...(['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const).map((window) => ({ name: `slo:sli_error:ratio_rate${window}`, labels: ['tenant', 'slo'] })),
  { name: 'slo:error_budget:remaining', labels: ['tenant', 'slo'] },
  { name: 'tenant:anomaly_zscore', labels: ['tenant', 'series'] },
  { name: 'ml_anomaly_score', labels: ['tenant', 'model'] },
];

/** The component that exposes a documented metric. */
export type Exporter =
  | 'prometheus'
  | 'node_exporter'
  | 'kube-state-metrics'
  | 'cadvisor'
  | 'application'
  | 'ml-drift-job'
  | 'postgres_exporter'
  | 'rabbitmq'
  | 'kyverno'
  | 'opencost';

/**
 * How a series gets its `tenant` label: `'tenant'` metrics carry it (from the scrape configuration's relabelling
 * or the producer itself), so per-tenant dashboards filter them; `'cluster'` metrics describe shared
 * infrastructure and only appear on platform-wide dashboards or as cluster-wide factors.
 */
export type MetricScope = 'tenant' | 'cluster';

/** A metric read from an exporter, with the exporter that produces it. */
export interface DocumentedMetric {
  /** Metric name as exposed (histograms list their `_bucket` series). */
  readonly name: string;
  /** Producer of the metric. */
  readonly exporter: Exporter;
  /** Whether the series carries the tenant label. */
  readonly scope: MetricScope;
  /** What it measures, and for tenant metrics where the tenant label comes from. */
  readonly description: string;
}

function documented(exporter: Exporter, scope: MetricScope, entries: Readonly<Record<string, string>>): DocumentedMetric[] {
  return Object.entries(entries).map(([name, description]) => ({ name, exporter, scope, description }));
}

const RELABELLED = 'tenant label added by the ServiceMonitor/PodMonitor relabelling from the namespace';

/** Metrics the dashboards read from exporters and instrumented applications. */
export const DOCUMENTED_METRICS: readonly DocumentedMetric[] = [
  ...documented('prometheus', 'tenant', {
    up: `1 when the last scrape of the target succeeded; ${RELABELLED}`,
    ALERTS: 'alerts Prometheus evaluates, labelled alertstate pending|firing; the tenant label comes from the rule labels',
  }),
  ...documented('application', 'tenant', {
    http_requests_total: `requests served, labels service, route, code; ${RELABELLED}`,
    http_request_duration_seconds_bucket: `request latency histogram, labels service, route, le; ${RELABELLED}`,
    auth_attempts_total: `authentication attempts, label result=success|failure; ${RELABELLED}`,
    app_active_users: `users active in the last 5 minutes; ${RELABELLED}`,
    app_sessions_total: `sessions started; ${RELABELLED}`,
    app_conversions_total: `sessions that converted; ${RELABELLED}`,
    ml_model_accuracy: `accuracy of the served model on labelled feedback, label model; ${RELABELLED}`,
    ml_predictions_total: `predictions served, label model; ${RELABELLED}`,
    ml_prediction_duration_seconds_bucket: `prediction latency histogram, labels model, le; ${RELABELLED}`,
    ml_prediction_confidence_bucket: `confidence of served predictions (0–1) histogram, labels model, le; ${RELABELLED}`,
    ml_training_duration_seconds: 'duration of the last training run, label model; pushed by the training job with its tenant label',
  }),
  ...documented('ml-drift-job', 'tenant', {
    ml_drift_score: 'drift statistic per feature, labels tenant, model, feature, method (ks|psi|js); pushed to the Pushgateway by the drift job',
    ml_drift_detected: '1 when the drift score of a model crosses its threshold, labels tenant, model; pushed by the drift job',
  }),
  ...documented('cadvisor', 'tenant', {
    container_cpu_usage_seconds_total: `CPU time used per container; ${RELABELLED}`,
    container_memory_working_set_bytes: `working-set memory per container; ${RELABELLED}`,
    container_fs_reads_bytes_total: `bytes read from disk per container; ${RELABELLED}`,
    container_fs_writes_bytes_total: `bytes written to disk per container; ${RELABELLED}`,
    container_network_receive_bytes_total: `bytes received per pod; ${RELABELLED}`,
    container_network_transmit_bytes_total: `bytes sent per pod; ${RELABELLED}`,
  }),
  ...documented('kube-state-metrics', 'tenant', {
    kube_pod_container_status_restarts_total: `container restarts; ${RELABELLED}`,
    kube_deployment_status_replicas_available: `available replicas per Deployment (workers); ${RELABELLED}`,
  }),
  ...documented('postgres_exporter', 'tenant', {
    pg_stat_activity_count: `database connections by state, label datname; ${RELABELLED}`,
    pg_settings_max_connections: `configured connection limit; ${RELABELLED}`,
  }),
  ...documented('rabbitmq', 'tenant', {
    rabbitmq_queue_messages_ready: `messages waiting per queue (rabbitmq_prometheus plugin, per-object metrics); ${RELABELLED}`,
    rabbitmq_queue_consumers: `consumers (workers) per queue; ${RELABELLED}`,
  }),
  ...documented('kyverno', 'tenant', {
    kyverno_policy_results_total: 'policy evaluation results, labels policy_name, policy_result; tenant label from metricRelabelings of resource_namespace',
  }),
  ...documented('opencost', 'tenant', {
    container_cpu_allocation: `CPU cores allocated per container; ${RELABELLED}`,
    container_memory_allocation_bytes: `memory allocated per container; ${RELABELLED}`,
  }),
  ...documented('opencost', 'cluster', {
    node_cpu_hourly_cost: 'hourly price of one CPU core per node',
    node_ram_hourly_cost: 'hourly price of one GiB of memory per node',
  }),
  ...documented('node_exporter', 'cluster', {
    node_cpu_seconds_total: 'CPU time per node and mode',
    node_memory_MemAvailable_bytes: 'memory available per node',
    node_memory_MemTotal_bytes: 'memory installed per node',
    node_filesystem_avail_bytes: 'free filesystem space per node and mount point',
    node_filesystem_size_bytes: 'filesystem size per node and mount point',
    node_network_receive_bytes_total: 'bytes received per node and device',
    node_network_transmit_bytes_total: 'bytes sent per node and device',
  }),
];

/** Whether a metric carries the tenant label: every rule metric does; documented metrics say so in their scope. */
export function isTenantScopedMetric(name: string | undefined): boolean {
  if (name === undefined) {
    return true;
  }
  const doc = DOCUMENTED_METRICS.find((m) => m.name === name);
  return doc === undefined || doc.scope === 'tenant';
}
