import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { DashboardDraft } from './common';

/** Hourly cost of the CPU and memory allocated to the tenant's containers (OpenCost prices, cluster-wide). */
const HOURLY_COST =
  '(sum(container_cpu_allocation) * scalar(avg(node_cpu_hourly_cost)) + sum(container_memory_allocation_bytes) / 1073741824 * scalar(avg(node_ram_hourly_cost)))';

/** Business KPIs: active users, conversion, request volume and cost per request. */
export function businessKpisDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'business-kpis',
    title: 'Business KPIs',
    description: 'Active users, conversion rate, request volume and cost per request.',
  });
  return d
    .row('Usage')
    .stat({
      title: 'Active users',
      description: 'Users active in the last five minutes.',
      queries: [{ expr: 'sum(app_active_users)' }],
      unit: 'short',
      span: 8,
    })
    .stat({
      title: 'Conversion rate (1h)',
      description: 'Share of sessions in the last hour that converted.',
      queries: [{ expr: 'sum(increase(app_conversions_total[1h])) / sum(increase(app_sessions_total[1h]))' }],
      unit: 'percentunit',
      span: 8,
    })
    .stat({
      title: 'Requests per second',
      description: 'Requests served per second.',
      queries: [{ expr: 'sum(tenant:http_requests:rate5m)' }],
      unit: 'reqps',
      span: 8,
    })
    .row('Cost')
    .timeseries({
      title: 'Cost per hour',
      description: 'Hourly cost of the CPU and memory allocated to the workloads.',
      queries: [{ expr: HOURLY_COST, legend: 'cost per hour' }],
      unit: 'currencyUSD',
    })
    .timeseries({
      title: 'Cost per 1000 requests',
      description: 'Hourly cost divided by the requests served in an hour, per thousand requests.',
      queries: [{ expr: `${HOURLY_COST} / (sum(tenant:http_requests:rate5m) * 3600) * 1000`, legend: 'cost per 1000 requests' }],
      unit: 'currencyUSD',
    })
    .build();
}
