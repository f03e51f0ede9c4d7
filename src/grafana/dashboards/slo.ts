import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft, goodAbove } from './common';

/** The burn-rate windows the SLO rules record, shortest first. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** SLO and error budget: budget remaining, burn rate per window and SLI per objective. */
export function sloDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'slo',
    title: 'SLO / error budget',
    description: 'Error budget remaining, burn rate per window and SLI per objective.',
  });
  const budget = 1 - d.ctx.thresholds.uptimeTarget;
  // Rounded so that floating-point noise (1 - 0.999) does not reach the query text.
  const budgetText = Number(budget.toPrecision(6)).toString();
  return d
    .row('Error budget')
    .gauge({
      title: 'Error budget remaining',
      description: 'Share of the error budget left in the SLO period, per objective.',
      queries: [{ expr: 'min by (slo) (slo:error_budget:remaining)', legend: '{{slo}}' }],
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: { base: 'red', steps: [{ value: 0.25, color: 'orange' }, { value: 0.5, color: 'green' }] },
    })
    .timeseries({
      title: 'Error budget over time',
      description: 'Error budget remaining per objective.',
      queries: [{ expr: 'min by (slo) (slo:error_budget:remaining)', legend: '{{slo}}' }],
      unit: 'percentunit',
      thresholds: goodAbove(0.25),
    })
    .row('Burn rate')
    .timeseries({
      title: 'Burn rate per window',
      description: `Error ratio divided by the error budget (${budgetText}); 1 spends the budget exactly over the period, 14.4 over 1h pages.`,
      queries: SLO_WINDOWS.map((w) => ({ expr: `max by (slo) (slo:sli_error:ratio_rate${w}) / ${budgetText}`, legend: `${w} {{slo}}` })),
      unit: 'short',
      span: 24,
      thresholds: badAbove(14.4),
    })
    .row('SLI')
    .stat({
      title: 'SLI (3 days)',
      description: 'Share of good events over three days per objective.',
      queries: [{ expr: '1 - max by (slo) (slo:sli_error:ratio_rate3d)', legend: '{{slo}}' }],
      unit: 'percentunit',
      span: 24,
      thresholds: goodAbove(d.ctx.thresholds.uptimeTarget),
    })
    .build();
}
