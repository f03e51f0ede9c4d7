import { IConstruct } from 'constructs';
import { ValidationError } from './errors';

/**
 * The metric catalogue: every metric that a rule, a dashboard, an autoscaler or a job of this
 * project reads, with its producer. Rule packs, dashboards, the ML jobs (which push the
 * `ml_drift_*` and `ml_anomaly_*` families), autoscaling triggers and the runbooks all take metric
 * names from here, so a name is written once. The wiring test and the synth-time check of
 * `PrometheusRules` reject any metric that is neither in the catalogue nor recorded by a rule.
 *
 * Applications follow one documented convention ({@link APPLICATION_METRICS}): HTTP RED metrics,
 * `auth_attempts_total{result}`, `app_*` business KPIs and `ml_*` serving metrics. Metrics of your
 * own are added with {@link MetricCatalogue.addApplicationMetric}.
 */

/** The component that exposes a catalogue metric. */
export type Exporter =
  | 'prometheus'
  | 'node_exporter'
  | 'kube-state-metrics'
  | 'cadvisor'
  | 'kubelet'
  | 'apiserver'
  | 'etcd'
  | 'application'
  | 'ml-drift-job'
  | 'ml-anomaly-job'
  | 'postgres_exporter'
  | 'redis_exporter'
  | 'blackbox_exporter'
  | 'rabbitmq'
  | 'kyverno'
  | 'opencost';

/**
 * How a series gets its `tenant` label: `'tenant'` metrics carry it (from the scrape configuration's relabelling
 * or the producer itself), so per-tenant dashboards filter them; `'cluster'` metrics describe shared
 * infrastructure and only appear on platform-wide dashboards or as cluster-wide factors.
 */
export type MetricScope = 'tenant' | 'cluster';

/** The range a metric's values stay in (scores and ratios), which thresholds on it must respect. */
export interface MetricRange {
  /** Smallest value. */
  readonly min: number;
  /** Largest value. */
  readonly max: number;
}

/** A metric read from an exporter, a job or an instrumented application, with its producer. */
export interface DocumentedMetric {
  /** Metric name as exposed (histograms list their `_bucket` series). */
  readonly name: string;
  /** Producer of the metric. */
  readonly exporter: Exporter;
  /** Whether the series carries the tenant label. */
  readonly scope: MetricScope;
  /** What it measures, and for tenant metrics where the tenant label comes from. */
  readonly description: string;
  /** The range of its values, for scores and ratios. @default - unbounded */
  readonly range?: MetricRange;
}

/** A metric produced by a recording rule of this project. */
export interface RuleMetric {
  /** Recorded metric name. */
  readonly name: string;
  /** Labels the rule keeps on its output. */
  readonly labels: readonly string[];
}

/** Base name of the applications' request latency histogram (`_bucket`, `_count` and `_sum` series). */
export const HTTP_REQUEST_DURATION_HISTOGRAM = 'http_request_duration_seconds';

/**
 * Names of the metrics applications expose, by the documented application convention. Instrument
 * services with these names (and labels) and every pack, dashboard and job of the project reads them.
 */
export const APPLICATION_METRICS = {
  /** Requests served, labels `service`, `route`, `code`. */
  httpRequests: 'http_requests_total',
  /** Request latency histogram, labels `service`, `route`, `le`. */
  httpRequestDurationBuckets: `${HTTP_REQUEST_DURATION_HISTOGRAM}_bucket`,
  /** Requests counted by the latency histogram (its `_count` series). */
  httpRequestDurationCount: `${HTTP_REQUEST_DURATION_HISTOGRAM}_count`,
  /** Requests per source address, labels `source_ip`, `service`. */
  httpRequestsBySource: 'http_requests_by_source_total',
  /** Authentication attempts, label `result` = `success` | `failure`. */
  authAttempts: 'auth_attempts_total',
  /** Users active in the last 5 minutes. */
  activeUsers: 'app_active_users',
  /** Sessions started. */
  sessions: 'app_sessions_total',
  /** Sessions that converted. */
  conversions: 'app_conversions_total',
  /** Running cost attributed to the application, in the tenant's currency. */
  cost: 'app_cost_total',
  /** Accuracy of the served model on labelled feedback (0–1), label `model`. */
  modelAccuracy: 'ml_model_accuracy',
  /** Predictions served, label `model`. */
  predictions: 'ml_predictions_total',
  /** Predictions that lacked one or more input features, label `model`. */
  missingFeatures: 'ml_missing_features_total',
  /** Prediction latency histogram, labels `model`, `le`. */
  predictionDurationBuckets: 'ml_prediction_duration_seconds_bucket',
  /** Confidence of served predictions (0–1) histogram, labels `model`, `le`. */
  predictionConfidenceBuckets: 'ml_prediction_confidence_bucket',
  /** Duration of the last training run, label `model` (pushed by the training job). */
  trainingDuration: 'ml_training_duration_seconds',
} as const;

/**
 * Names of the PostgreSQL series the datastore pack and dashboard read, as prometheus-community
 * postgres_exporter exposes them (checked against postgres_exporter 0.19.1 on PostgreSQL 15).
 */
export const POSTGRES_METRICS = {
  /** 1 when the exporter's last connection to the server succeeded. */
  up: 'pg_up',
  /** Sessions by database and state (labels datname, state, usename, backend_type). */
  activity: 'pg_stat_activity_count',
  /** Age in seconds of the oldest transaction per database and state. */
  maxTransactionDuration: 'pg_stat_activity_max_tx_duration',
  /** The server's `max_connections`. */
  maxConnections: 'pg_settings_max_connections',
  /** The server's `max_locks_per_transaction`. */
  maxLocksPerTransaction: 'pg_settings_max_locks_per_transaction',
  /** Locks held per database and mode. */
  locks: 'pg_locks_count',
  /** Deadlocks detected per database (a counter, without the _total suffix). */
  deadlocks: 'pg_stat_database_deadlocks',
  /** Transactions committed per database (a counter). */
  commits: 'pg_stat_database_xact_commit',
  /** Transactions rolled back per database (a counter). */
  rollbacks: 'pg_stat_database_xact_rollback',
  /** Blocks found in shared buffers per database (a counter). */
  blocksHit: 'pg_stat_database_blks_hit',
  /** Blocks read from disk per database (a counter). */
  blocksRead: 'pg_stat_database_blks_read',
  /** Replay lag of a standby in seconds (0 on a primary, and on a standby that has replayed everything it received). */
  replicationLag: 'pg_replication_lag_seconds',
} as const;

/** Names of the Redis series the datastore pack and dashboard read, as oliver006/redis_exporter exposes them (checked against 1.86.0 on Redis 7.0). */
export const REDIS_METRICS = {
  /** 1 when the exporter reached the Redis server. */
  up: 'redis_up',
  /** Memory Redis has allocated (INFO used_memory). */
  memoryUsed: 'redis_memory_used_bytes',
  /** The `maxmemory` setting (0 = no limit). */
  memoryMax: 'redis_memory_max_bytes',
  /** Keys evicted under `maxmemory`. */
  evictedKeys: 'redis_evicted_keys_total',
  /** Error replies by error prefix (label err; `OOM` when a write is refused under `maxmemory`). */
  errors: 'redis_errors_total',
  /** Connections refused because of `maxclients`. */
  rejectedConnections: 'redis_rejected_connections_total',
  /** Clients connected. */
  connectedClients: 'redis_connected_clients',
  /** The `maxclients` setting. */
  maxClients: 'redis_config_maxclients',
  /** On a replica: 1 while the link to its primary is up (labels master_host, master_port). */
  masterLinkUp: 'redis_master_link_up',
  /** Replicas connected to a primary. */
  connectedReplicas: 'redis_connected_slaves',
  /** On a primary: seconds since each replica's last acknowledgement (labels slave_ip, slave_port, slave_state). */
  replicaLag: 'redis_connected_slave_lag_seconds',
  /** 1 when the last RDB snapshot succeeded. */
  rdbLastSaveOk: 'redis_rdb_last_bgsave_status',
  /** 1 when the last AOF write succeeded. */
  aofLastWriteOk: 'redis_aof_last_write_status',
} as const;

/**
 * Names of the RabbitMQ series the queue alerts and dashboard read: the rabbitmq_prometheus plugin
 * (built into RabbitMQ 3.8+), per-object metrics (`/metrics/per-object`, or
 * `prometheus.return_per_object_metrics = true`); provenance: rabbitmq-server
 * deps/rabbitmq_prometheus/metrics.md.
 */
export const RABBITMQ_METRICS = {
  /** Messages ready for delivery per queue (labels vhost, queue): the backlog. */
  messagesReady: 'rabbitmq_queue_messages_ready',
  /** Messages delivered and not yet acknowledged per queue. */
  messagesUnacked: 'rabbitmq_queue_messages_unacked',
  /** Messages published to each queue (a counter). */
  messagesPublished: 'rabbitmq_queue_messages_published_total',
  /** Consumers (workers) per queue. */
  consumers: 'rabbitmq_queue_consumers',
  /** Memory the node uses. */
  residentMemory: 'rabbitmq_process_resident_memory_bytes',
  /** The memory high watermark at which the node blocks publishers. */
  residentMemoryLimit: 'rabbitmq_resident_memory_limit_bytes',
  /** Free disk space of the node. */
  diskAvailable: 'rabbitmq_disk_space_available_bytes',
  /** The free-disk low watermark at which the node blocks publishers. */
  diskAvailableLimit: 'rabbitmq_disk_space_available_limit_bytes',
  /** Open file descriptors. */
  openFds: 'rabbitmq_process_open_fds',
  /** File descriptor limit. */
  maxFds: 'rabbitmq_process_max_fds',
} as const;

/** Names of the probe series the endpoint alerts and dashboard read, as prometheus/blackbox_exporter exposes them (checked against 0.28.0). */
export const BLACKBOX_METRICS = {
  /** 1 when the probe succeeded. */
  success: 'probe_success',
  /** How long the probe took, in seconds. */
  duration: 'probe_duration_seconds',
  /** Unix time at which the first certificate of the served chain expires (TLS probes). */
  certificateExpiry: 'probe_ssl_earliest_cert_expiry',
} as const;

/** The `result` label value of a failed attempt in `auth_attempts_total`. */
export const AUTH_FAILURE_RESULT = 'failure';

/** Names of the metrics the drift job pushes to the Pushgateway (labels `tenant`, `model`, and `feature`, `method` per feature). */
export const DRIFT_JOB_METRICS = {
  score: 'ml_drift_score',
  pValue: 'ml_drift_p_value',
  threshold: 'ml_drift_threshold',
  detected: 'ml_drift_detected',
  warning: 'ml_drift_warning',
  samples: 'ml_drift_samples',
  featuresDrifted: 'ml_drift_features_drifted',
  lastSuccess: 'ml_drift_last_success_timestamp_seconds',
} as const;

/** Names of the metrics the anomaly job pushes to the Pushgateway (labels `tenant`, `model`). */
export const ANOMALY_JOB_METRICS = {
  score: 'ml_anomaly_score',
  scoreMax: 'ml_anomaly_score_max',
  threshold: 'ml_anomaly_threshold',
  detected: 'ml_anomaly_detected',
  points: 'ml_anomaly_points',
  lastSuccess: 'ml_anomaly_last_success_timestamp_seconds',
} as const;

/** The scale of the isolation-forest anomaly score: 0..1, near 1 is anomalous (Liu et al.). */
export const ANOMALY_SCORE_RANGE: MetricRange = { min: 0, max: 1 };

/** Names of the series this project's recording rules write, by `level:metric:operations`. */
export const RECORDED_METRICS = {
  /** Requests per second over 5 minutes. */
  httpRequestsRate5m: 'tenant:http_requests:rate5m',
  /** Share of requests answered 5xx over 5 minutes. */
  httpErrorsRatio5m: 'tenant:http_errors:ratio_rate5m',
  /** p95 request latency over 5 minutes. */
  httpDurationP95: 'tenant:http_request_duration_seconds:p95_5m',
  /** p99 request latency over 5 minutes. */
  httpDurationP99: 'tenant:http_request_duration_seconds:p99_5m',
  /** Share of requests answered 401/403 over 5 minutes. */
  httpDeniedRatio5m: 'tenant:http_denied:ratio_rate5m',
  /** Share of sessions that converted over 1 hour. */
  conversionsRatio1h: 'tenant:app_conversions:ratio_rate1h',
  /**
   * Z-score of a key series (label `series`) against its mean and standard deviation over the
   * anomaly pack's baseline window.
   */
  keySeriesZscore: 'tenant:key_series:zscore',
  /** Remaining error budget of an SLO (label `slo`). */
  sloErrorBudgetRemaining: 'slo:error_budget:remaining',
  /** The objective of an SLO (label `slo`). */
  sloObjective: 'slo:objective:ratio',
} as const;

/** The windows of the SLO error-ratio recordings the dashboards read. */
const SLO_DASHBOARD_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/**
 * Metrics written by this project's recording rules (the rule packs of `src/prometheus`) that the
 * dashboards read.
 */
export const RULE_METRICS: readonly RuleMetric[] = [
  { name: RECORDED_METRICS.httpRequestsRate5m, labels: ['tenant'] },
  { name: RECORDED_METRICS.httpErrorsRatio5m, labels: ['tenant'] },
  { name: RECORDED_METRICS.httpDurationP95, labels: ['tenant'] },
  { name: RECORDED_METRICS.httpDurationP99, labels: ['tenant'] },
  ...SLO_DASHBOARD_WINDOWS.map((window) => ({ name: `slo:sli_error:ratio_rate${window}`, labels: ['tenant', 'slo'] })),
  { name: RECORDED_METRICS.sloErrorBudgetRemaining, labels: ['tenant', 'slo'] },
  { name: RECORDED_METRICS.keySeriesZscore, labels: ['tenant', 'series'] },
];

function documented(exporter: Exporter, scope: MetricScope, entries: Readonly<Record<string, string>>): DocumentedMetric[] {
  return Object.entries(entries).map(([name, description]) => ({ name, exporter, scope, description }));
}

const RELABELLED = 'tenant label added by the ServiceMonitor/PodMonitor relabelling from the namespace';
const PUSHED = 'pushed to the Pushgateway with the tenant label';
const A = APPLICATION_METRICS;
const D = DRIFT_JOB_METRICS;
const N = ANOMALY_JOB_METRICS;
const PG = POSTGRES_METRICS;
const RD = REDIS_METRICS;
const MQ = RABBITMQ_METRICS;
const BB = BLACKBOX_METRICS;

/** Every metric the project reads from exporters, its own jobs and instrumented applications. */
export const DOCUMENTED_METRICS: readonly DocumentedMetric[] = [
  ...documented('prometheus', 'tenant', {
    up: `1 when the last scrape of the target succeeded; ${RELABELLED}`,
    ALERTS: 'alerts Prometheus evaluates, labelled alertstate pending|firing; the tenant label comes from the rule labels',
  }),
  ...documented('application', 'tenant', {
    [A.httpRequests]: `requests served, labels service, route, code; ${RELABELLED}`,
    [A.httpRequestDurationBuckets]: `request latency histogram, labels service, route, le; ${RELABELLED}`,
    [A.httpRequestDurationCount]: `requests counted by the latency histogram, labels service, route; ${RELABELLED}`,
    [A.httpRequestsBySource]: `requests per source address, labels source_ip, service; ${RELABELLED}`,
    [A.authAttempts]: `authentication attempts, label result=success|${AUTH_FAILURE_RESULT}; ${RELABELLED}`,
    [A.activeUsers]: `users active in the last 5 minutes; ${RELABELLED}`,
    [A.sessions]: `sessions started; ${RELABELLED}`,
    [A.conversions]: `sessions that converted; ${RELABELLED}`,
    [A.cost]: `running cost attributed to the application; ${RELABELLED}`,
    [A.modelAccuracy]: `accuracy of the served model on labelled feedback, label model; ${RELABELLED}`,
    [A.predictions]: `predictions served, label model; ${RELABELLED}`,
    [A.missingFeatures]: `predictions that lacked input features, label model; ${RELABELLED}`,
    [A.predictionDurationBuckets]: `prediction latency histogram, labels model, le; ${RELABELLED}`,
    [A.predictionConfidenceBuckets]: `confidence of served predictions (0–1) histogram, labels model, le; ${RELABELLED}`,
    [A.trainingDuration]: 'duration of the last training run, label model; pushed by the training job with its tenant label',
  }),
  ...documented('ml-drift-job', 'tenant', {
    [D.score]: `drift statistic per feature, labels model, feature, method (ks|psi|js); ${PUSHED} by the drift job`,
    [D.pValue]: `two-sided KS p-value per feature; ${PUSHED} by the drift job`,
    [D.threshold]: `detection threshold per feature and method; ${PUSHED} by the drift job`,
    [D.detected]: `1 when a method detects drift on a feature; ${PUSHED} by the drift job`,
    [D.warning]: `1 when a score is at or above its warning level; ${PUSHED} by the drift job`,
    [D.samples]: `observations per feature and window; ${PUSHED} by the drift job`,
    [D.featuresDrifted]: `features with drift detected; ${PUSHED} by the drift job`,
    [D.lastSuccess]: `Unix time of the last successful drift run; ${PUSHED} by the drift job`,
  }),
  ...documented('ml-anomaly-job', 'tenant', {
    [N.scoreMax]: `highest anomaly score in the scoring window; ${PUSHED} by the anomaly job`,
    [N.threshold]: `score at or above which a point is anomalous; ${PUSHED} by the anomaly job`,
    [N.detected]: `1 when the latest point is anomalous; ${PUSHED} by the anomaly job`,
    [N.points]: `points used per set (training, scored); ${PUSHED} by the anomaly job`,
    [N.lastSuccess]: `Unix time of the last successful anomaly run; ${PUSHED} by the anomaly job`,
  }),
  {
    name: N.score, exporter: 'ml-anomaly-job', scope: 'tenant', range: ANOMALY_SCORE_RANGE,
    description: `isolation-forest anomaly score of the latest point (0..1, near 1 is anomalous), label model; ${PUSHED} by the anomaly job`,
  },
  ...documented('cadvisor', 'tenant', {
    container_cpu_usage_seconds_total: `CPU time used per container; ${RELABELLED}`,
    container_memory_working_set_bytes: `working-set memory per container; ${RELABELLED}`,
    container_fs_reads_bytes_total: `bytes read from disk per container; ${RELABELLED}`,
    container_fs_writes_bytes_total: `bytes written to disk per container; ${RELABELLED}`,
    container_network_receive_bytes_total: `bytes received per pod; ${RELABELLED}`,
    container_network_transmit_bytes_total: `bytes sent per pod; ${RELABELLED}`,
    container_network_receive_packets_dropped_total: `received packets dropped per pod; ${RELABELLED}`,
    container_network_transmit_packets_dropped_total: `sent packets dropped per pod; ${RELABELLED}`,
    container_cpu_cfs_throttled_periods_total: `CPU periods throttled per container (runbook diagnosis); ${RELABELLED}`,
  }),
  ...documented('kubelet', 'tenant', {
    kubelet_volume_stats_used_bytes: `bytes used per persistent volume claim; ${RELABELLED}`,
    kubelet_volume_stats_available_bytes: `bytes available per persistent volume claim; ${RELABELLED}`,
    kubelet_volume_stats_capacity_bytes: `capacity per persistent volume claim; ${RELABELLED}`,
  }),
  ...documented('kube-state-metrics', 'tenant', {
    kube_pod_container_status_restarts_total: `container restarts; ${RELABELLED}`,
    kube_pod_container_resource_limits: `resource limits per container, label resource=cpu|memory; ${RELABELLED}`,
    kube_deployment_status_replicas_available: `available replicas per Deployment (workers); ${RELABELLED}`,
  }),
  ...documented('postgres_exporter', 'tenant', {
    [PG.up]: `1 when the exporter's last connection to PostgreSQL succeeded; ${RELABELLED}`,
    [PG.activity]: `database sessions by state, labels datname, state; ${RELABELLED}`,
    [PG.maxTransactionDuration]: `age of the oldest transaction per database and state, seconds; ${RELABELLED}`,
    [PG.maxConnections]: `configured connection limit; ${RELABELLED}`,
    [PG.maxLocksPerTransaction]: `configured max_locks_per_transaction; ${RELABELLED}`,
    [PG.locks]: `locks held per database and mode; ${RELABELLED}`,
    [PG.deadlocks]: `deadlocks detected per database (counter); ${RELABELLED}`,
    [PG.commits]: `transactions committed per database (counter); ${RELABELLED}`,
    [PG.rollbacks]: `transactions rolled back per database (counter); ${RELABELLED}`,
    [PG.blocksHit]: `blocks found in shared buffers per database (counter); ${RELABELLED}`,
    [PG.blocksRead]: `blocks read from disk per database (counter); ${RELABELLED}`,
    [PG.replicationLag]: `replay lag of a standby, seconds; ${RELABELLED}`,
  }),
  ...documented('redis_exporter', 'tenant', {
    [RD.up]: `1 when the exporter reached Redis; ${RELABELLED}`,
    [RD.memoryUsed]: `memory allocated by Redis; ${RELABELLED}`,
    [RD.memoryMax]: `configured maxmemory (0 = unlimited); ${RELABELLED}`,
    [RD.evictedKeys]: `keys evicted under maxmemory; ${RELABELLED}`,
    [RD.errors]: `error replies by prefix, label err (OOM = write refused under maxmemory); ${RELABELLED}`,
    [RD.rejectedConnections]: `connections refused at maxclients; ${RELABELLED}`,
    [RD.connectedClients]: `clients connected; ${RELABELLED}`,
    [RD.maxClients]: `configured maxclients; ${RELABELLED}`,
    [RD.masterLinkUp]: `on a replica, 1 while its link to the primary is up; ${RELABELLED}`,
    [RD.connectedReplicas]: `replicas connected to a primary; ${RELABELLED}`,
    [RD.replicaLag]: `on a primary, seconds since each replica's last acknowledgement; ${RELABELLED}`,
    [RD.rdbLastSaveOk]: `1 when the last RDB snapshot succeeded; ${RELABELLED}`,
    [RD.aofLastWriteOk]: `1 when the last AOF write succeeded; ${RELABELLED}`,
  }),
  ...documented('rabbitmq', 'tenant', {
    [MQ.messagesReady]: `messages waiting per queue (rabbitmq_prometheus plugin, per-object metrics); ${RELABELLED}`,
    [MQ.messagesUnacked]: `messages delivered but not acknowledged per queue; ${RELABELLED}`,
    [MQ.messagesPublished]: `messages published to each queue (counter); ${RELABELLED}`,
    [MQ.consumers]: `consumers (workers) per queue; ${RELABELLED}`,
    [MQ.residentMemory]: `memory used by the node; ${RELABELLED}`,
    [MQ.residentMemoryLimit]: `memory high watermark (publishers blocked above it); ${RELABELLED}`,
    [MQ.diskAvailable]: `free disk space of the node; ${RELABELLED}`,
    [MQ.diskAvailableLimit]: `free disk low watermark (publishers blocked below it); ${RELABELLED}`,
    [MQ.openFds]: `open file descriptors of the node; ${RELABELLED}`,
    [MQ.maxFds]: `file descriptor limit of the node; ${RELABELLED}`,
  }),
  ...documented('blackbox_exporter', 'tenant', {
    [BB.success]: `1 when the probe of a tenant endpoint succeeded; tenant label added by the Probe's relabelling`,
    [BB.duration]: 'how long the probe took, seconds; tenant label added by the Probe\'s relabelling',
    [BB.certificateExpiry]: 'Unix time at which the first certificate of the served chain expires; tenant label added by the Probe\'s relabelling',
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
  ...documented('apiserver', 'cluster', {
    apiserver_request_total: 'API server requests, labels verb, code (job="apiserver")',
    apiserver_request_duration_seconds_bucket: 'API server request latency histogram, labels verb, le (job="apiserver")',
    apiserver_admission_webhook_rejection_count: 'admission webhook rejections, labels name, error_type (runbook diagnosis)',
  }),
  ...documented('etcd', 'cluster', {
    etcd_server_has_leader: '1 when the etcd member has a leader (job="etcd")',
    etcd_server_leader_changes_seen_total: 'leader changes the etcd member has seen (runbook diagnosis)',
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

/** The histogram series Prometheus stores for a histogram base name (what a query may read). */
export function histogramSeries(base: string): string[] {
  return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
}

/** An application metric of your own, added to an app's catalogue. */
export interface ApplicationMetric {
  /** Metric name as exposed (for a histogram, each series you read: `<base>_bucket`, `<base>_count`). */
  readonly name: string;
  /** What it measures. */
  readonly description: string;
  /** Whether the series carries the tenant label. @default 'tenant' */
  readonly scope?: MetricScope;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Synth checks every metric of every rule of every tenant against the catalogue.
const DOCUMENTED_NAMES: ReadonlySet<string> = new Set(DOCUMENTED_METRICS.map((m) => m.name));
const CATALOGUES = new WeakMap<IConstruct, MetricCatalogue>();

/**
 * The catalogue of one cdk8s app: the built-in {@link DOCUMENTED_METRICS}, the application
 * metrics added to it, and the series the app's recording rules write. The synth-time check of
 * every `PrometheusRules` (and the wiring test) accept a metric only when this catalogue produces it.
 *
 * A rule on a metric of your own that you do not add here fails synth, naming the rule and the
 * metric. Add it once per app (or pass `applicationMetrics` to `TenantMonitoringStack`):
 *
 * @example
 * MetricCatalogue.of(app).addApplicationMetric({ name: 'checkout_orders_total', description: 'orders placed, label status' });
 */
export class MetricCatalogue {
  /** The catalogue of the app `scope` belongs to (one per construct tree, created on first use). */
  public static of(scope: IConstruct): MetricCatalogue {
    const root = scope.node.root;
    let catalogue = CATALOGUES.get(root);
    if (catalogue === undefined) {
      catalogue = new MetricCatalogue();
      CATALOGUES.set(root, catalogue);
    }
    return catalogue;
  }

  private readonly added = new Map<string, DocumentedMetric>();
  private readonly recorded = new Set<string>();

  private constructor() {}

  /**
   * Declare a metric your applications expose, so rules, dashboards and autoscalers may read it.
   * Adding a built-in metric or the same name twice is harmless; a malformed name fails.
   */
  public addApplicationMetric(metric: ApplicationMetric): void {
    if (!METRIC_NAME.test(metric.name)) {
      throw new ValidationError('MetricCatalogue', 'addApplicationMetric.name', metric.name, 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
    }
    if (this.has(metric.name)) return;
    this.added.set(metric.name, { name: metric.name, exporter: 'application', scope: metric.scope ?? 'tenant', description: metric.description });
  }

  /** Whether `name` is a built-in or added metric. */
  public has(name: string): boolean {
    return this.added.has(name) || DOCUMENTED_NAMES.has(name);
  }

  /**
   * Note a series that a recording rule of the app writes (`PrometheusRules` calls it for every
   * `record`), so rules, dashboards and autoscalers may read it.
   */
  public addRecordedMetric(name: string): void {
    this.recorded.add(name);
  }

  /** Whether something produces `name`: the catalogue, or a recording rule of the app. */
  public isProduced(name: string): boolean {
    return this.recorded.has(name) || this.has(name);
  }

  /** The series the app's recording rules write, in the order they were added. */
  public get recordedMetrics(): readonly string[] {
    return [...this.recorded];
  }

  /** Every metric of the catalogue: the built-in ones, then the added ones in order. */
  public get metrics(): readonly DocumentedMetric[] {
    return [...DOCUMENTED_METRICS, ...this.added.values()];
  }
}
