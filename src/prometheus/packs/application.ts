import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { APPLICATION_METRICS as A, RECORDED_METRICS as R } from '../../core/metric-catalogue';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the application (RED) pack. */
export interface ApplicationPackParams {
  /** Error ratio (5xx over all) that alerts. @default profile.thresholds.errorRatio */
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
  const errorRatio = p.errorRatio ?? profile.thresholds.errorRatio;
  const p95 = p.latencyP95Seconds ?? profile.thresholds.latencyP95Seconds;
  const drop = p.throughputDropRatio ?? 0.5;
  return [{
    name: 'application',
    rules: [
      { record: R.httpRequestsRate5m, expr: `sum by (tenant) (rate(${A.httpRequests}[5m]))` },
      { record: R.httpErrorsRatio5m, expr: `sum by (tenant) (rate(${A.httpRequests}{code=~"5.."}[5m])) / sum by (tenant) (rate(${A.httpRequests}[5m]))` },
      { record: R.httpDurationP95, expr: `histogram_quantile(0.95, sum by (tenant, le) (rate(${A.httpRequestDurationBuckets}[5m])))` },
      { record: R.httpDurationP99, expr: `histogram_quantile(0.99, sum by (tenant, le) (rate(${A.httpRequestDurationBuckets}[5m])))` },
      withLinks({
        alert: 'TenantHighErrorRate',
        expr: `${R.httpErrorsRatio5m} > ${num(errorRatio)}`,
        for: errorHold, severity: 'critical',
        summary: 'Tenant {{ $labels.tenant }} answers many requests with 5xx',
        description: `More than ${num(errorRatio * 100)} % of requests have failed for ${durationWords(errorHold)}.`,
      }, options),
      withLinks({
        alert: 'TenantHighLatency',
        expr: `${R.httpDurationP95} > ${num(p95)}`,
        for: latencyHold, severity: 'warning',
        summary: 'Tenant {{ $labels.tenant }} responds slowly',
        description: `The p95 request duration has been above ${num(p95 * 1000)} ms for ${durationWords(latencyHold)}.`,
      }, options),
      withLinks({
        alert: 'TenantThroughputDrop',
        expr: `${R.httpRequestsRate5m} < ${num(drop)} * (${R.httpRequestsRate5m} offset 1h) and (${R.httpRequestsRate5m} offset 1h) > ${num(p.throughputMinRps ?? 1)}`,
        for: holdFor(options, 'TenantThroughputDrop', Duration.minutes(10)), severity: 'warning',
        summary: 'Traffic of tenant {{ $labels.tenant }} dropped sharply',
        description: `Requests per second fell below ${num(drop * 100)} % of the rate one hour earlier: clients may be failing upstream.`,
      }, options),
    ],
  }];
}
