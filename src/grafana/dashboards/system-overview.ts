import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft, goodAbove } from './common';

/**
 * System overview: service status, live performance, active alerts and a one-hour load forecast
 * (`predict_linear` over the last six hours of request rate).
 */
export function systemOverviewDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'system-overview',
    title: 'System overview',
    description: 'Service status, live performance, active alerts and load forecast.',
  });
  const t = d.ctx.thresholds;
  return d
    .row('Service status')
    .stat({
      title: 'Targets up',
      description: 'Share of scrape targets whose last scrape succeeded.',
      queries: [{ expr: 'sum(up) / count(up)' }],
      unit: 'percentunit',
      span: 6,
      thresholds: goodAbove(t.uptimeTarget),
    })
    .table({
      title: 'Service status',
      description: 'Targets per service and whether they are up (1) or down (0).',
      queries: [{ expr: 'min by (service, job) (up)' }],
      span: 18,
    })
    .row('Live performance')
    .timeseries({
      title: 'Request rate',
      description: 'Requests per second served.',
      queries: [{ expr: 'sum by (tenant) (tenant:http_requests:rate5m)', legend: '{{tenant}}' }],
      unit: 'reqps',
      span: 8,
    })
    .timeseries({
      title: 'Error ratio',
      description: 'Share of requests answered with a 5xx status.',
      queries: [{ expr: 'max by (tenant) (tenant:http_errors:ratio_rate5m)', legend: '{{tenant}}' }],
      unit: 'percentunit',
      span: 8,
      thresholds: badAbove(t.errorRatio),
    })
    .timeseries({
      title: 'Latency p95 / p99',
      description: 'Request latency percentiles against the latency objective.',
      queries: [
        { expr: 'max by (tenant) (tenant:http_request_duration_seconds:p95_5m)', legend: 'p95 {{tenant}}' },
        { expr: 'max by (tenant) (tenant:http_request_duration_seconds:p99_5m)', legend: 'p99 {{tenant}}' },
      ],
      unit: 's',
      span: 8,
      thresholds: badAbove(t.latencySloSeconds),
    })
    .row('Alerts and forecast')
    .table({
      title: 'Active alerts',
      description: 'Alerts firing now, by name and severity.',
      queries: [{ expr: 'sum by (alertname, severity) (ALERTS{alertstate="firing"})' }],
      span: 12,
    })
    .timeseries({
      title: 'Load forecast (next hour)',
      description: 'Request rate now and as predicted one hour ahead by a linear fit over the last six hours; the line marks the throughput target.',
      queries: [
        { expr: 'sum(tenant:http_requests:rate5m)', legend: 'now' },
        { expr: 'sum(predict_linear(tenant:http_requests:rate5m[6h], 3600))', legend: 'in 1h' },
      ],
      unit: 'reqps',
      span: 12,
      thresholds: badAbove(t.throughputTargetRps),
    })
    .build();
}
