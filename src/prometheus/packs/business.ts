import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { APPLICATION_METRICS as A, RECORDED_METRICS as R } from '../../core/metric-catalogue';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the business pack. */
export interface BusinessPackParams {
  /** Fire when active users fall below this share of the same time last week. @default 0.5 */
  readonly activeUsersDropRatio?: number;
  /** Fire when the conversion rate falls below this share of the same hour last week. @default 0.7 */
  readonly conversionDropRatio?: number;
  /** Cost per request (in the cost metric's currency) that alerts. @default 0.01 */
  readonly maxCostPerRequest?: number;
}

/** The alerts of the business pack and the named thresholds each reads. */
export const BUSINESS_ALERT_THRESHOLDS = {
  BusinessActiveUsersDrop: { activeUsersDropRatio: 'ratio' },
  BusinessConversionRateDrop: { conversionDropRatio: 'ratio' },
  BusinessCostPerRequestHigh: { maxCostPerRequest: 'positive' },
} as const satisfies AlertThresholdTable;

/** Options of the business pack. */
export type BusinessPackOptions = PackBuildOptions<BusinessPackParams, typeof BUSINESS_ALERT_THRESHOLDS>;

/** Business KPIs: active users, conversion against last week, cost per request. */
export function businessPack(_profile: EnvironmentProfile, options: BusinessPackOptions = {}): RuleGroup[] {
  return buildPack(BUSINESS_ALERT_THRESHOLDS, options, (p) => buildBusiness(p, options));
}

function buildBusiness(p: BusinessPackParams, options: BusinessPackOptions): RuleGroup[] {
  return [{
    name: 'business',
    rules: [
      { record: R.conversionsRatio1h, expr: `sum by (tenant) (rate(${A.conversions}[1h])) / sum by (tenant) (rate(${A.sessions}[1h]))` },
      withLinks({
        alert: 'BusinessActiveUsersDrop',
        expr: `sum by (tenant) (${A.activeUsers}) < ${num(p.activeUsersDropRatio ?? 0.5)} * sum by (tenant) (${A.activeUsers} offset 1w)`,
        for: Duration.minutes(30), severity: 'warning',
        summary: 'Active users of {{ $labels.tenant }} dropped against last week',
        description: `Active users are below ${num((p.activeUsersDropRatio ?? 0.5) * 100)} % of the same time last week.`,
      }, options),
      withLinks({
        alert: 'BusinessConversionRateDrop',
        expr: `${R.conversionsRatio1h} < ${num(p.conversionDropRatio ?? 0.7)} * (${R.conversionsRatio1h} offset 1w)`,
        for: Duration.minutes(30), severity: 'warning',
        summary: 'Conversion rate of {{ $labels.tenant }} dropped against the same hour last week',
        description: `The hourly conversion rate is below ${num((p.conversionDropRatio ?? 0.7) * 100)} % of the same hour last week.`,
      }, options),
      withLinks({
        alert: 'BusinessCostPerRequestHigh',
        expr: `sum by (tenant) (rate(${A.cost}[1h])) / sum by (tenant) (rate(${A.httpRequests}[1h])) > ${num(p.maxCostPerRequest ?? 0.01)}`,
        for: Duration.hours(1), severity: 'warning',
        summary: 'Each request of {{ $labels.tenant }} costs more than planned',
        description: `The cost per request over the last hour is above ${num(p.maxCostPerRequest ?? 0.01)}.`,
      }, options),
    ],
  }];
}
