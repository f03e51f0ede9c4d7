import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { RecordingRule, RuleGroup } from '../model';
import { num, PackOptions, withLinks } from './common';

/** Parameters of the anomaly pack. */
export interface AnomalyPackParams {
  /** |z| that alerts. @default 3 */
  readonly zScoreThreshold?: number;
  /** How long |z| must stay above the threshold. @default Duration.minutes(10) */
  readonly for?: Duration;
  /** The baseline window of mean and standard deviation. @default '1d' */
  readonly baselineWindow?: string;
}

/** The key series (recorded by the application pack) the z-scores watch, by `series` label. */
export const ANOMALY_SERIES: Readonly<Record<string, string>> = {
  http_requests_rate: 'tenant:http_requests:rate5m',
  http_error_ratio: 'tenant:http_errors:ratio_rate5m',
  http_latency_p95: 'tenant:http_request_duration_seconds:p95_5m',
};

/** Z-score recording rules `tenant:anomaly_zscore{series=...}` over key series, and an alert on sustained |z|. */
export function anomalyPack(_profile: EnvironmentProfile, options: PackOptions & { readonly params?: AnomalyPackParams } = {}): RuleGroup[] {
  const p = options.params ?? {};
  const w = p.baselineWindow ?? '1d';
  const z = p.zScoreThreshold ?? 3;
  const records: RecordingRule[] = Object.entries(ANOMALY_SERIES).map(([series, metric]) => ({
    record: 'tenant:anomaly_zscore',
    expr: `(${metric} - avg_over_time(${metric}[${w}])) / stddev_over_time(${metric}[${w}])`,
    labels: { series },
  }));
  return [{
    name: 'anomaly',
    rules: [
      ...records,
      withLinks({
        alert: 'TenantAnomalyZScoreHigh',
        expr: `abs(tenant:anomaly_zscore) > ${num(z)}`,
        for: p.for ?? Duration.minutes(10), severity: 'warning',
        summary: 'Series {{ $labels.series }} of {{ $labels.tenant }} is far from its usual range',
        description: `The series has been more than ${num(z)} standard deviations from its ${w} mean for ${(p.for ?? Duration.minutes(10)).toPrometheus()}.`,
      }, options),
    ],
  }];
}
