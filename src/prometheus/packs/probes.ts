import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { BLACKBOX_METRICS as BB } from '../../core/metric-catalogue';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the endpoint probe pack (blackbox_exporter). */
export interface ProbePackParams {
  /** Average probe duration over 5 minutes, in seconds, that alerts. @default 2 */
  readonly probeDurationSeconds?: number;
  /** Days before certificate expiry at which the warning fires. @default 14 */
  readonly certificateExpiryWarningDays?: number;
  /** Days before certificate expiry at which the page fires. @default 3 */
  readonly certificateExpiryCriticalDays?: number;
}

/** The alerts of the endpoint probe pack and the named thresholds each reads. */
export const PROBE_ALERT_THRESHOLDS = {
  EndpointProbeFailed: {},
  EndpointProbeSlow: { probeDurationSeconds: 'positive' },
  EndpointCertificateExpiringSoon: { certificateExpiryWarningDays: 'positive' },
  EndpointCertificateExpiryCritical: { certificateExpiryCriticalDays: 'positive' },
} as const satisfies AlertThresholdTable;

/** Options of the endpoint probe pack. */
export type ProbePackOptions = PackBuildOptions<ProbePackParams, typeof PROBE_ALERT_THRESHOLDS>;

/**
 * Black-box checks of tenant endpoints, as blackbox_exporter reports them for each probed target
 * (the tenant label comes from the Probe's or scrape configuration's relabelling): failed probes,
 * slow probes, and TLS certificates close to expiry.
 */
export function probePack(_profile: EnvironmentProfile, options: ProbePackOptions = {}): RuleGroup[] {
  return buildPack(PROBE_ALERT_THRESHOLDS, options, (p) => buildProbes(p, options));
}

function buildProbes(p: ProbePackParams, options: ProbePackOptions): RuleGroup[] {
  const slow = p.probeDurationSeconds ?? 2;
  const warnDays = p.certificateExpiryWarningDays ?? 14;
  const critDays = p.certificateExpiryCriticalDays ?? 3;
  const failHold = holdFor(options, 'EndpointProbeFailed', Duration.minutes(2));
  const daysLeft = `(${BB.certificateExpiry} - time()) / 86400`;
  return [{
    name: 'probes',
    rules: [
      withLinks({
        alert: 'EndpointProbeFailed',
        expr: `${BB.success} == 0`,
        for: failHold, severity: 'critical',
        summary: 'Endpoint {{ $labels.instance }} of {{ $labels.tenant }} fails its probe',
        description: `The black-box probe has failed for ${durationWords(failHold)}: the endpoint is down, refuses connections, answers with an unexpected status, or its TLS handshake fails.`,
      }, options),
      withLinks({
        alert: 'EndpointProbeSlow',
        expr: `avg_over_time(${BB.duration}[5m]) > ${num(slow)}`,
        for: holdFor(options, 'EndpointProbeSlow', Duration.minutes(10)), severity: 'warning',
        summary: 'Endpoint {{ $labels.instance }} of {{ $labels.tenant }} answers slowly',
        description: `Probes have taken more than ${num(slow)} seconds on average over 5 minutes.`,
      }, options),
      withLinks({
        alert: 'EndpointCertificateExpiringSoon',
        expr: `${daysLeft} < ${num(warnDays)}`,
        for: holdFor(options, 'EndpointCertificateExpiringSoon', Duration.minutes(10)), severity: 'warning',
        summary: 'The TLS certificate of {{ $labels.instance }} of {{ $labels.tenant }} expires soon',
        description: `The served certificate chain expires in less than ${num(warnDays)} days; renew it before clients start to fail.`,
      }, options),
      withLinks({
        alert: 'EndpointCertificateExpiryCritical',
        expr: `${daysLeft} < ${num(critDays)}`,
        for: holdFor(options, 'EndpointCertificateExpiryCritical', Duration.minutes(5)), severity: 'critical',
        summary: 'The TLS certificate of {{ $labels.instance }} of {{ $labels.tenant }} expires within days',
        description: `The served certificate chain expires in less than ${num(critDays)} days (or has expired): clients will refuse the connection.`,
      }, options),
    ],
  }];
}
