import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft, goodAbove } from './common';

/** API performance: latency per endpoint (p95/p99), error rate per service, throughput per tenant, SLA and uptime. */
export function apiPerformanceDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'api-performance',
    title: 'API performance',
    description: 'Latency per endpoint, error rate per service, throughput per tenant, SLA and uptime.',
  });
  const t = d.ctx.thresholds;
  const quantile = (q: number): string =>
    `histogram_quantile(${q}, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))`;
  return d
    .row('Latency')
    .timeseries({
      title: 'Latency p95 per endpoint',
      description: '95th percentile request latency per route.',
      queries: [{ expr: quantile(0.95), legend: '{{route}}' }],
      unit: 's',
      thresholds: badAbove(t.latencySloSeconds),
    })
    .timeseries({
      title: 'Latency p99 per endpoint',
      description: '99th percentile request latency per route.',
      queries: [{ expr: quantile(0.99), legend: '{{route}}' }],
      unit: 's',
      thresholds: badAbove(t.latencySloSeconds),
    })
    .row('Errors and throughput')
    .timeseries({
      title: 'Error rate per service',
      description: 'Share of requests answered with a 5xx status, per service.',
      queries: [{
        expr: 'sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))',
        legend: '{{service}}',
      }],
      unit: 'percentunit',
      thresholds: badAbove(t.errorRatio),
    })
    .timeseries({
      title: 'Throughput per tenant',
      description: 'Requests per second per tenant; the line marks the throughput target.',
      queries: [{ expr: 'sum by (tenant) (tenant:http_requests:rate5m)', legend: '{{tenant}}' }],
      unit: 'reqps',
      thresholds: badAbove(t.throughputTargetRps),
    })
    .row('SLA')
    .stat({
      title: 'Availability (3 days)',
      description: 'Share of successful requests over three days, against the availability target.',
      queries: [{ expr: '1 - max(slo:sli_error:ratio_rate3d{slo="availability"})' }],
      unit: 'percentunit',
      span: 8,
      thresholds: goodAbove(t.uptimeTarget),
    })
    .stat({
      title: 'Uptime (1 day)',
      description: 'Share of the last day during which scrape targets were up.',
      queries: [{ expr: 'avg(avg_over_time(up[1d]))' }],
      unit: 'percentunit',
      span: 8,
      thresholds: goodAbove(t.uptimeTarget),
    })
    .stat({
      title: 'Latency objective met (p95)',
      description: 'Current p95 latency; green while below the objective.',
      queries: [{ expr: 'max(tenant:http_request_duration_seconds:p95_5m)' }],
      unit: 's',
      span: 8,
      thresholds: badAbove(t.latencySloSeconds),
    })
    .build();
}
