import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { APPLICATION_METRICS as A, AUTH_FAILURE_RESULT, RECORDED_METRICS as R } from '../../core/metric-catalogue';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the security pack. */
export interface SecurityPackParams {
  /** Authentication failures in 5 minutes that alert. @default 100 */
  readonly authFailuresPer5m?: number;
  /** 401/403 share that alerts when it is also 3x its daily average. @default 0.05 */
  readonly deniedRatio?: number;
  /** Requests per second from one source IP that alert (and trigger an IP block). @default 100 */
  readonly floodRpsPerSource?: number;
}

/** The alerts of the security pack and the named thresholds each reads. */
export const SECURITY_ALERT_THRESHOLDS = {
  SecurityAuthFailureBurst: { authFailuresPer5m: 'positive' },
  SecurityDeniedRequestsAnomaly: { deniedRatio: 'ratio' },
  SecurityRequestFlood: { floodRpsPerSource: 'positive' },
} as const satisfies AlertThresholdTable;

/** Options of the security pack. */
export type SecurityPackOptions = PackBuildOptions<SecurityPackParams, typeof SECURITY_ALERT_THRESHOLDS>;

/** Authentication failures, denied-request anomalies and request floods (with IP-block remediation). */
export function securityPack(_profile: EnvironmentProfile, options: SecurityPackOptions = {}): RuleGroup[] {
  return buildPack(SECURITY_ALERT_THRESHOLDS, options, (p) => buildSecurity(p, options));
}

function buildSecurity(p: SecurityPackParams, options: SecurityPackOptions): RuleGroup[] {
  return [{
    name: 'security',
    rules: [
      { record: R.httpDeniedRatio5m, expr: `sum by (tenant) (rate(${A.httpRequests}{code=~"401|403"}[5m])) / sum by (tenant) (rate(${A.httpRequests}[5m]))` },
      withLinks({
        alert: 'SecurityAuthFailureBurst',
        expr: `sum by (tenant) (increase(${A.authAttempts}{result="${AUTH_FAILURE_RESULT}"}[5m])) > ${num(p.authFailuresPer5m ?? 100)}`,
        severity: 'warning',
        summary: 'Burst of authentication failures at {{ $labels.tenant }}',
        description: `More than ${num(p.authFailuresPer5m ?? 100)} authentication failures in 5 minutes: credential stuffing or a broken client.`,
      }, options),
      withLinks({
        alert: 'SecurityDeniedRequestsAnomaly',
        expr: `${R.httpDeniedRatio5m} > 3 * avg_over_time(${R.httpDeniedRatio5m}[1d]) and ${R.httpDeniedRatio5m} > ${num(p.deniedRatio ?? 0.05)}`,
        for: Duration.minutes(5), severity: 'warning',
        summary: 'Unusually many 401/403 answers at {{ $labels.tenant }}',
        description: `The share of 401/403 answers is above ${num((p.deniedRatio ?? 0.05) * 100)} % and three times its daily average.`,
      }, options),
      withLinks({
        alert: 'SecurityRequestFlood',
        expr: `sum by (tenant, namespace, source_ip) (rate(${A.httpRequestsBySource}[1m])) > ${num(p.floodRpsPerSource ?? 100)}`,
        for: Duration.minutes(2), severity: 'critical',
        labels: { remediation_action: 'block-ip' },
        summary: 'Request flood from {{ $labels.source_ip }} against {{ $labels.tenant }}',
        description: `One source sends more than ${num(p.floodRpsPerSource ?? 100)} requests per second; the remediation controller blocks it.`,
      }, options),
    ],
  }];
}
