import { DATASTORE_FIXTURES } from './fixtures-datastores';
import { InputSeries } from './promtool';

/** Input series under which an alert fires (with the labels its expression yields) and under which it stays silent. */
export interface AlertFixture {
  readonly interval: string;
  /** `1m` for most; the week-long business fixtures run at `10m`. */
  readonly evaluationInterval: '1m' | '10m';
  readonly evalTime: string;
  readonly firing: ReadonlyArray<InputSeries>;
  readonly labels: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly silent: ReadonlyArray<InputSeries>;
}

const T = 'tenant="acme"';
const POD = `${T}, namespace="acme", pod="api-1", container="api"`;
const PVC = `${T}, namespace="acme", persistentvolumeclaim="data"`;
const MODEL = `${T}, model="churn"`;
const s = (series: string, values: string): InputSeries => ({ series, values });
const podLabels = { tenant: 'acme', namespace: 'acme', pod: 'api-1' };
const pvcLabels = { tenant: 'acme', namespace: 'acme', persistentvolumeclaim: 'data' };
const modelLabels = { tenant: 'acme', model: 'churn' };
const fixture = (evalTime: string, firing: InputSeries[], labels: Array<Record<string, string>>, silent: InputSeries[], interval = '1m', evaluationInterval: '1m' | '10m' = '1m'): AlertFixture =>
  ({ interval, evaluationInterval, evalTime, firing, labels, silent });

/** Alternating values around 105 (mean 105, standard deviation 5), `n` samples. */
const noisy = (n: number): string => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '100' : '110')).join(' ');

/** SLO fixtures: every request bad from the start fires both burn-rate alerts within minutes. */
const sloBad: Record<string, InputSeries[]> = {
  ApiErrors: [s(`http_requests_total{${T}, code="500"}`, '0+60x30'), s(`http_requests_total{${T}, code="200"}`, '0x30')],
  ApiLatency: [s(`http_request_duration_seconds_bucket{${T}, le="0.2"}`, '0x30'), s(`http_request_duration_seconds_count{${T}}`, '0+60x30')],
  Uptime: [s(`up{${T}, job="api"}`, '0x30')],
};
const sloGood: Record<string, InputSeries[]> = {
  ApiErrors: [s(`http_requests_total{${T}, code="500"}`, '0x30'), s(`http_requests_total{${T}, code="200"}`, '0+60x30')],
  ApiLatency: [s(`http_request_duration_seconds_bucket{${T}, le="0.2"}`, '0+60x30'), s(`http_request_duration_seconds_count{${T}}`, '0+60x30')],
  Uptime: [s(`up{${T}, job="api"}`, '1x30')],
};
const sloFixtures = Object.fromEntries(Object.keys(sloBad).flatMap((slo) => {
  const name = slo === 'ApiErrors' ? 'api-errors' : slo === 'ApiLatency' ? 'api-latency' : 'uptime';
  return ['Page', 'Ticket'].map((kind) => [`${slo}BurnRate${kind}`, fixture('10m', sloBad[slo], [{ tenant: 'acme', slo: name }], sloGood[slo])]);
}));

/** One fixture per alert of `defaultTenantRuleGroups` (rendered for `acme`, PROD profile) and `platformRuleGroups`. */
export const ALERT_FIXTURES: Readonly<Record<string, AlertFixture>> = {
  ...sloFixtures,
  ...DATASTORE_FIXTURES,
  // the baseline every tenant gets (baselineRuleGroups)
  TenantTargetDown: fixture('10m',
    [s(`up{${T}, job="api", instance="api-1:8080"}`, '0x20')], [{ tenant: 'acme', job: 'api', instance: 'api-1:8080' }],
    [s(`up{${T}, job="api", instance="api-1:8080"}`, '1x20')]),
  TenantThroughputNearCapacity: fixture('15m',
    [s(`http_requests_total{${T}, code="200"}`, '0+540000x30')], [{ tenant: 'acme' }],
    [s(`http_requests_total{${T}, code="200"}`, '0+60000x30')]),
  // system
  TenantCpuSaturation: fixture('20m',
    [s(`container_cpu_usage_seconds_total{${POD}}`, '0+54x30'), s(`kube_pod_container_resource_limits{${POD}, resource="cpu"}`, '1x30')], [podLabels],
    [s(`container_cpu_usage_seconds_total{${POD}}`, '0+30x30'), s(`kube_pod_container_resource_limits{${POD}, resource="cpu"}`, '1x30')]),
  TenantMemorySaturation: fixture('20m',
    [s(`container_memory_working_set_bytes{${POD}}`, '943718400x30'), s(`kube_pod_container_resource_limits{${POD}, resource="memory"}`, '1073741824x30')], [podLabels],
    [s(`container_memory_working_set_bytes{${POD}}`, '524288000x30'), s(`kube_pod_container_resource_limits{${POD}, resource="memory"}`, '1073741824x30')]),
  TenantDiskSaturation: fixture('15m',
    [s(`kubelet_volume_stats_used_bytes{${PVC}}`, '90x30'), s(`kubelet_volume_stats_capacity_bytes{${PVC}}`, '100x30')], [pvcLabels],
    [s(`kubelet_volume_stats_used_bytes{${PVC}}`, '50x30'), s(`kubelet_volume_stats_capacity_bytes{${PVC}}`, '100x30')]),
  TenantNetworkPacketDrops: fixture('15m',
    [s(`container_network_receive_packets_dropped_total{${POD}}`, '0+900x30'), s(`container_network_transmit_packets_dropped_total{${POD}}`, '0x30')], [podLabels],
    [s(`container_network_receive_packets_dropped_total{${POD}}`, '0+60x30'), s(`container_network_transmit_packets_dropped_total{${POD}}`, '0x30')]),
  TenantDiskFullPredicted: fixture('40m',
    [s(`kubelet_volume_stats_available_bytes{${PVC}}`, '10000000000-50000000x60')], [pvcLabels],
    [s(`kubelet_volume_stats_available_bytes{${PVC}}`, '10000000000x60')]),
  TenantMemoryExhaustionPredicted: fixture('45m',
    [s(`container_memory_working_set_bytes{${POD}}`, '536870912+5242880x60'), s(`kube_pod_container_resource_limits{${POD}, resource="memory"}`, '1073741824x60')], [podLabels],
    [s(`container_memory_working_set_bytes{${POD}}`, '536870912x60'), s(`kube_pod_container_resource_limits{${POD}, resource="memory"}`, '1073741824x60')]),
  // application
  TenantHighErrorRate: fixture('10m',
    [s(`http_requests_total{${T}, code="500"}`, '0+60x30'), s(`http_requests_total{${T}, code="200"}`, '0+540x30')], [{ tenant: 'acme' }],
    // 0.05 % of requests fail: under the profile's 0.1 % error ratio.
    [s(`http_requests_total{${T}, code="500"}`, '0+0.3x30'), s(`http_requests_total{${T}, code="200"}`, '0+599.7x30')]),
  TenantHighLatency: fixture('15m',
    [s(`http_request_duration_seconds_bucket{${T}, le="0.1"}`, '0+10x30'), s(`http_request_duration_seconds_bucket{${T}, le="0.5"}`, '0+100x30'), s(`http_request_duration_seconds_bucket{${T}, le="+Inf"}`, '0+100x30')],
    [{ tenant: 'acme' }],
    [s(`http_request_duration_seconds_bucket{${T}, le="0.1"}`, '0+100x30'), s(`http_request_duration_seconds_bucket{${T}, le="0.5"}`, '0+100x30'), s(`http_request_duration_seconds_bucket{${T}, le="+Inf"}`, '0+100x30')]),
  TenantThroughputDrop: fixture('95m',
    [s(`http_requests_total{${T}, code="200"}`, '0+6000x70 421200+1200x40')], [{ tenant: 'acme' }],
    [s(`http_requests_total{${T}, code="200"}`, '0+6000x110')]),
  // ml
  MlModelAccuracyDrop: fixture('60m', [s(`ml_model_accuracy{${MODEL}}`, '0.95x30 0.85x60')], [modelLabels], [s(`ml_model_accuracy{${MODEL}}`, '0.95x90')]),
  MlPredictionLatencyHigh: fixture('15m',
    [s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="0.1"}`, '0+10x30'), s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="1"}`, '0+100x30'), s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="+Inf"}`, '0+100x30')],
    [modelLabels],
    [s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="0.1"}`, '0+100x30'), s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="1"}`, '0+100x30'), s(`ml_prediction_duration_seconds_bucket{${MODEL}, le="+Inf"}`, '0+100x30')]),
  MlFeatureDriftScoreHigh: fixture('5m',
    [s(`ml_drift_score{${MODEL}, feature="age", method="psi"}`, '0.4x10')], [{ ...modelLabels, feature: 'age', method: 'psi' }],
    [s(`ml_drift_score{${MODEL}, feature="age", method="psi"}`, '0.1x10')]),
  MlDriftDetected: fixture('5m', [s(`ml_drift_detected{${MODEL}}`, '1x10')], [modelLabels], [s(`ml_drift_detected{${MODEL}}`, '0x10')]),
  MlDriftJobStale: fixture('3h',
    [s(`ml_drift_last_success_timestamp_seconds{${MODEL}}`, '0x200')], [modelLabels],
    [s(`ml_drift_last_success_timestamp_seconds{${MODEL}}`, '0+60x200')]),
  MlMissingFeaturesHigh: fixture('20m',
    [s(`ml_missing_features_total{${MODEL}}`, '0+60x30'), s(`ml_predictions_total{${MODEL}}`, '0+600x30')], [modelLabels],
    [s(`ml_missing_features_total{${MODEL}}`, '0+6x30'), s(`ml_predictions_total{${MODEL}}`, '0+600x30')]),
  MlAnomalyScoreSustained: fixture('20m', [s(`ml_anomaly_score{${MODEL}}`, '0.9x30')], [modelLabels], [s(`ml_anomaly_score{${MODEL}}`, '0.5x30')]),
  // business (a week of history, sampled every 10 minutes)
  BusinessActiveUsersDrop: fixture('169h', [s(`app_active_users{${T}}`, '1000x1008 400x6')], [{ tenant: 'acme' }],
    [s(`app_active_users{${T}}`, '1000x1014')], '10m', '10m'),
  BusinessConversionRateDrop: fixture('170h',
    [s(`app_sessions_total{${T}}`, '0+6000x1020'), s(`app_conversions_total{${T}}`, '0+600x1008 604920+120x11')], [{ tenant: 'acme' }],
    [s(`app_sessions_total{${T}}`, '0+6000x1020'), s(`app_conversions_total{${T}}`, '0+600x1020')], '10m', '10m'),
  BusinessCostPerRequestHigh: fixture('90m',
    [s(`app_cost_total{${T}}`, '0+600x20'), s(`http_requests_total{${T}, code="200"}`, '0+6000x20')], [{ tenant: 'acme' }],
    [s(`app_cost_total{${T}}`, '0+6x20'), s(`http_requests_total{${T}, code="200"}`, '0+6000x20')], '10m', '10m'),
  // security
  SecurityAuthFailureBurst: fixture('10m',
    [s(`auth_attempts_total{${T}, result="failure"}`, '0+50x20'), s(`auth_attempts_total{${T}, result="success"}`, '0+500x20')], [{ tenant: 'acme' }],
    // Many successful logins and few failures stay silent: only result="failure" counts.
    [s(`auth_attempts_total{${T}, result="failure"}`, '0+5x20'), s(`auth_attempts_total{${T}, result="success"}`, '0+500x20')]),
  SecurityDeniedRequestsAnomaly: fixture('80m',
    [s(`http_requests_total{${T}, code="200"}`, '0+600x120'), s(`http_requests_total{${T}, code="401"}`, '0+6x60 480+120x59')], [{ tenant: 'acme' }],
    [s(`http_requests_total{${T}, code="200"}`, '0+600x120'), s(`http_requests_total{${T}, code="401"}`, '0+6x120')]),
  // Samples every 30s: the rule's rate over [1m] needs two samples in the window, and Prometheus 3
  // range selectors leave out the sample at the window's start.
  SecurityRequestFlood: fixture('5m',
    [s(`http_requests_by_source_total{${T}, namespace="acme", source_ip="203.0.113.7"}`, '0+4500x20')], [{ tenant: 'acme', namespace: 'acme', source_ip: '203.0.113.7' }],
    [s(`http_requests_by_source_total{${T}, namespace="acme", source_ip="203.0.113.7"}`, '0+300x20')], '30s'),
  // anomaly: 12 hours of a noisy baseline, then a spike to 300
  TenantAnomalyZScoreHigh: fixture('745m',
    [s(`tenant:http_requests:rate5m{${T}}`, `${noisy(720)} 300x40`)], [{ tenant: 'acme', series: 'http_requests_rate' }],
    [s(`tenant:http_requests:rate5m{${T}}`, noisy(760))]),
  // platform (not tenant-scoped)
  PlatformComponentDown: fixture('5m',
    [s('up{job="pushgateway", instance="10.0.0.1:9091"}', '0x10'), s('up{job="grafana", instance="10.0.0.2:3000"}', '1x10')], [{ job: 'pushgateway', component: 'pushgateway' }],
    [s('up{job="pushgateway", instance="10.0.0.1:9091"}', '0x10'), s('up{job="pushgateway", instance="10.0.0.3:9091"}', '1x10')]),
  // control plane (platform group; left out on managed control planes)
  KubeApiserverErrorRate: fixture('20m',
    [s('apiserver_request_total{job="apiserver", verb="GET", code="500"}', '0+600x30'), s('apiserver_request_total{job="apiserver", verb="GET", code="200"}', '0+5400x30')], [{}],
    [s('apiserver_request_total{job="apiserver", verb="GET", code="500"}', '0+60x30'), s('apiserver_request_total{job="apiserver", verb="GET", code="200"}', '0+5940x30')]),
  KubeApiserverLatencyHigh: fixture('20m',
    [s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="LIST", le="1"}', '0+10x30'), s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="LIST", le="2.5"}', '0+100x30'),
      s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="LIST", le="+Inf"}', '0+100x30'),
      s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="WATCH", le="1"}', '0x30'), s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="WATCH", le="+Inf"}', '0+100x30')],
    [{ verb: 'LIST' }],
    [s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="LIST", le="1"}', '0+100x30'), s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="LIST", le="+Inf"}', '0+100x30'),
      s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="WATCH", le="1"}', '0x30'), s('apiserver_request_duration_seconds_bucket{job="apiserver", verb="WATCH", le="+Inf"}', '0+100x30')]),
  EtcdNoLeader: fixture('5m',
    [s('etcd_server_has_leader{job="etcd", instance="10.0.0.5:2379"}', '0x10')], [{ job: 'etcd', instance: '10.0.0.5:2379' }],
    [s('etcd_server_has_leader{job="etcd", instance="10.0.0.5:2379"}', '1x10')]),
  KubeSchedulerDown: fixture('20m',
    [s('up{job="kube-scheduler", instance="10.0.0.6:10259"}', '0x30')], [{}],
    [s('up{job="kube-scheduler", instance="10.0.0.6:10259"}', '1x30')]),
  KubeControllerManagerDown: fixture('20m',
    [s('up{job="kube-scheduler", instance="10.0.0.6:10259"}', '1x30')], [{}],
    [s('up{job="kube-controller-manager", instance="10.0.0.7:10257"}', '1x30')]),
};
