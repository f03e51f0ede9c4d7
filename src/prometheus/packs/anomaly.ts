import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { RECORDED_METRICS as R } from '../../core/metric-catalogue';
import { RecordingRule, RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Parameters of the anomaly pack. */
export interface AnomalyPackParams {
  /** |z| that alerts. @default profile.thresholds.anomalyZScore */
  readonly zScoreThreshold?: number;
  /** How long |z| must stay above the threshold. @default Duration.minutes(10) */
  readonly for?: Duration;
  /** The baseline window of mean and standard deviation. @default '1d' */
  readonly baselineWindow?: string;
}

/** The key series (recorded by the application pack) the z-scores watch, by `series` label. */
export const ANOMALY_SERIES: Readonly<Record<string, string>> = {
  http_requests_rate: R.httpRequestsRate5m,
  http_error_ratio: R.httpErrorsRatio5m,
  http_latency_p95: R.httpDurationP95,
};

/** The alerts of the anomaly pack and the named thresholds each reads. */
export const ANOMALY_ALERT_THRESHOLDS = {
  TenantAnomalyZScoreHigh: { zScoreThreshold: 'positive' },
} as const satisfies AlertThresholdTable;

/** Options of the anomaly pack. */
export type AnomalyPackOptions = PackBuildOptions<AnomalyPackParams, typeof ANOMALY_ALERT_THRESHOLDS>;

/** Z-score recording rules `tenant:key_series:zscore{series=...}` over key series, and an alert on sustained |z|. */
export function anomalyPack(profile: EnvironmentProfile, options: AnomalyPackOptions = {}): RuleGroup[] {
  return buildPack(ANOMALY_ALERT_THRESHOLDS, options, (p) => buildAnomaly(profile, p, options));
}

function buildAnomaly(profile: EnvironmentProfile, p: AnomalyPackParams, options: AnomalyPackOptions): RuleGroup[] {
  const hold = holdFor(options, 'TenantAnomalyZScoreHigh', p.for ?? Duration.minutes(10));
  const w = p.baselineWindow ?? '1d';
  const z = p.zScoreThreshold ?? profile.thresholds.anomalyZScore;
  const records: RecordingRule[] = Object.entries(ANOMALY_SERIES).map(([series, metric]) => ({
    record: R.keySeriesZscore,
    expr: `(${metric} - avg_over_time(${metric}[${w}])) / stddev_over_time(${metric}[${w}])`,
    labels: { series },
  }));
  return [{
    name: 'anomaly',
    rules: [
      ...records,
      withLinks({
        alert: 'TenantAnomalyZScoreHigh',
        expr: `abs(${R.keySeriesZscore}) > ${num(z)}`,
        for: hold, severity: 'warning',
        summary: 'Series {{ $labels.series }} of {{ $labels.tenant }} is far from its usual range',
        description: `The series has been more than ${num(z)} standard deviations from its ${w} mean for ${hold.toPrometheus()}.`,
      }, options),
    ],
  }];
}
