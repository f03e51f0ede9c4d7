import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the application (RED) pack. */
export interface ApplicationPackParams {
  /** Error ratio (5xx over all) that alerts. @default 0.05 */
  readonly errorRatio?: number;
  /** p95 latency in seconds that alerts. @default profile.thresholds.latencyP95Seconds */
  readonly latencyP95Seconds?: number;
  /** Fire when throughput falls below this share of the same time one hour earlier. @default 0.5 */
  readonly throughputDropRatio?: number;
  /** Ignore throughput drops below this many requests per second. @default 1 */
  readonly throughputMinRps?: number;
}

/** The alerts of the application pack and the named thresholds each reads. */
export const APPLICATION_ALERT_THRESHOLDS = {
  TenantHighErrorRate: { errorRatio: 'ratio' },
  TenantHighLatency: { latencyP95Seconds: 'positive' },
  TenantThroughputDrop: { throughputDropRatio: 'ratio', throughputMinRps: 'positive' },
} as const satisfies AlertThresholdTable;

/** Options of the application pack. */
export type ApplicationPackOptions = PackBuildOptions<ApplicationPackParams, typeof APPLICATION_ALERT_THRESHOLDS>;

/** Request rate, errors and duration (RED) of tenant HTTP services. */
export function applicationPack(profile: EnvironmentProfile, options: ApplicationPackOptions = {}): RuleGroup[] {
  return buildPack(APPLICATION_ALERT_THRESHOLDS, options, (p) => buildApplication(profile, p, options));
}

function buildApplication(profile: EnvironmentProfile, p: ApplicationPackParams, options: ApplicationPackOptions): RuleGroup[] {
  const errorHold = holdFor(options, 'TenantHighErrorRate', Duration.minutes(5));
  const latencyHold = holdFor(options, 'TenantHighLatency', Duration.minutes(10));
  const errorRatio = p.errorRatio ?? 0.05;
  const p95 = p.latencyP95Seconds ?? profile.thresholds.latencyP95Seconds;
  const drop = p.throughputDropRatio ?? 0.5;
  return [{
    name: 'application',
    rules: [
      { record: 'tenant:http_requests:rate5m', expr: 'sum by (tenant) (rate(http_requests_total[5m]))' },
      { record: 'tenant:http_errors:ratio_rate5m', expr: 'sum by (tenant) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (tenant) (rate(http_requests_total[5m]))' },
      { record: 'tenant:http_request_duration_seconds:p95_5m', expr: 'histogram_quantile(0.95, sum by (tenant, le) (rate(http_request_duration_seconds_bucket[5m])))' },
      { record: 'tenant:http_request_duration_seconds:p99_5m', expr: 'histogram_quantile(0.99, sum by (tenant, le) (rate(http_request_duration_seconds_bucket[5m])))' },
      withLinks({
        alert: 'TenantHighErrorRate',
        expr: `tenant:http_errors:ratio_rate5m > ${num(errorRatio)}`,
        for: errorHold, severity: 'critical',
        summary: 'Tenant {{ $labels.tenant }} answers many requests with 5xx',
        description: `More than ${num(errorRatio * 100)} % of requests have failed for ${durationWords(errorHold)}.`,
      }, options),
      withLinks({
        alert: 'TenantHighLatency',
        expr: `tenant:http_request_duration_seconds:p95_5m > ${num(p95)}`,
        for: latencyHold, severity: 'warning',
        summary: 'Tenant {{ $labels.tenant }} responds slowly',
        description: `The p95 request duration has been above ${num(p95 * 1000)} ms for ${durationWords(latencyHold)}.`,
      }, options),
      withLinks({
        alert: 'TenantThroughputDrop',
        expr: `tenant:http_requests:rate5m < ${num(drop)} * (tenant:http_requests:rate5m offset 1h) and (tenant:http_requests:rate5m offset 1h) > ${num(p.throughputMinRps ?? 1)}`,
        for: holdFor(options, 'TenantThroughputDrop', Duration.minutes(10)), severity: 'warning',
        summary: 'Traffic of tenant {{ $labels.tenant }} dropped sharply',
        description: `Requests per second fell below ${num(drop * 100)} % of the rate one hour earlier: clients may be failing upstream.`,
      }, options),
    ],
  }];
}
