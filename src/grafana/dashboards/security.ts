import type { DashboardJson } from '../dashboard-json';
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import { DataqueryBuilder as ElasticsearchQueryBuilder, DateHistogramBuilder, MetricAggregation, MetricAggregationType } from '@grafana/grafana-foundation-sdk/elasticsearch';
import { PanelBuilder as LogsPanelBuilder } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft, TENANT_VARIABLE } from './common';

/** Lucene filter of the audit data streams on the dashboard's tenant variable. */
function auditFilter(tenant: string | undefined): string {
  // Grafana formats a multi-value variable for Lucene as ("a" OR "b"); a fixed tenant is one quoted value.
  return tenant === undefined ? `tenant:\${${TENANT_VARIABLE}:lucene}` : `tenant:"$${TENANT_VARIABLE}"`;
}

/**
 * An Elasticsearch metric aggregation. The SDK's `CountBuilder` and `LogsBuilder` write `type: "unknown"`, which
 * Grafana rejects; this writes the aggregation's real type.
 */
function metric(type: MetricAggregationType, id: string, settings?: Readonly<Record<string, string>>): cog.Builder<MetricAggregation> {
  return { build: () => ({ type, id, ...(settings !== undefined ? { settings: { ...settings } } : {}) }) };
}

/** How many audit events the log panel shows. */
const RECENT_AUDIT_EVENTS = 100;

/**
 * Security: access attempts, authentication failures, anomalies, compliance status and audit events (the last
 * two panels read the Elasticsearch audit datasource).
 */
export function securityDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'security',
    title: 'Security',
    description: 'Access attempts, authentication failures, anomalies, compliance status and audit events.',
  });
  const t = d.ctx.thresholds;
  const audit = { type: 'elasticsearch', uid: d.ctx.datasources.audit };
  const auditQuery = (): ElasticsearchQueryBuilder =>
    new ElasticsearchQueryBuilder().refId('A').datasource(audit).query(auditFilter(d.ctx.tenant)).timeField('@timestamp');
  d.row('Access')
    .timeseries({
      title: 'Access attempts',
      description: 'Authentication attempts per second by result.',
      queries: [{ expr: 'sum by (result) (rate(auth_attempts_total[5m]))', legend: '{{result}}' }],
      unit: 'reqps',
    })
    .timeseries({
      title: 'Authentication failures',
      description: 'Requests answered 401 or 403 per second, per service.',
      queries: [{ expr: 'sum by (service) (rate(http_requests_total{code=~"401|403"}[5m]))', legend: '{{service}}' }],
      unit: 'reqps',
    })
    .row('Anomalies and compliance')
    .timeseries({
      title: 'Anomalies (z-score)',
      description: 'Deviation of each watched series from its recent behaviour, in standard deviations.',
      queries: [{ expr: 'max by (series) (abs(tenant:key_series:zscore))', legend: '{{series}}' }],
      unit: 'short',
      thresholds: badAbove(t.anomalyZscore),
    })
    .table({
      title: 'Compliance status',
      description: 'Policy checks failing now, per policy (0 rows means compliant).',
      queries: [{ expr: 'sum by (policy_name) (increase(kyverno_policy_results_total{policy_result="fail"}[1h])) > 0' }],
    })
    .row('Audit events');
  d.custom(
    new TimeseriesBuilder()
      .title('Audit events')
      .description('Audit events per interval from the audit data streams.')
      .datasource(audit)
      .withTarget(auditQuery().metrics([metric('count', '1')]).bucketAggs([new DateHistogramBuilder().id('2').field('@timestamp')])),
  );
  d.custom(
    new LogsPanelBuilder()
      .title('Recent audit events')
      .description('The latest audit events, newest first.')
      .datasource(audit)
      .withTarget(auditQuery().metrics([metric('logs', '1', { limit: String(RECENT_AUDIT_EVENTS) })])),
  );
  return d.build();
}
