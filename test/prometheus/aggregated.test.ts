import { Duration } from '../../src/core/duration';
import { PROD } from '../../src/core/environment';
import { aggregatedTenantRuleGroups, dataThresholds, tenantOverrideRules, TENANT_ALERT_DISABLED_RECORD, tenantThresholdRecord } from '../../src/prometheus/aggregated';
import { isAlertRule, RenderedGroup, renderRuleGroups } from '../../src/prometheus/model';
import { defaultTenantRuleGroups, TenantAlertOverrides } from '../../src/prometheus/packs';
import { selectorLabelValues } from '../../src/prometheus/tenant-matcher';
import { ALERT_FIXTURES } from './packs/fixtures';
import { AlertTestCase, InputSeries, runPromtool } from './packs/promtool';

const shared = aggregatedTenantRuleGroups(PROD);
const rendered = renderRuleGroups(shared);

/** The groups a tenant's overrides add (one group per tenant, as in its own PrometheusRule). */
function overrideGroups(tenants: Readonly<Record<string, TenantAlertOverrides>>): RenderedGroup[] {
  return Object.entries(tenants).flatMap(([tenant, overrides]) => {
    const out = tenantOverrideRules(PROD, tenant, { alertOverrides: { tenant: overrides } });
    const rules = [...out.data, ...out.variants];
    return rules.length === 0 ? [] : renderRuleGroups([{ name: `tenant-pack-overrides-${tenant}`, rules }], { tenant });
  });
}

describe('aggregated rule packs', () => {
  test('hold every built-in alert once, whatever the number of tenants', () => {
    const perTenant = defaultTenantRuleGroups(PROD, 'acme').flatMap((g) => g.rules);
    const once = shared.flatMap((g) => g.rules);
    expect(once).toHaveLength(perTenant.length);
    expect(once.filter(isAlertRule).map((r) => r.alert)).toEqual(perTenant.filter(isAlertRule).map((r) => r.alert));
    expect(overrideGroups({ a: {}, b: {}, c: {} })).toEqual([]);
  });

  test('read only series that carry a tenant label, and keep the tenant on every output', () => {
    for (const g of rendered) {
      expect(g.rules.every((r) => r.labels?.tenant === undefined)).toBe(true);
      for (const r of g.rules) expect(selectorLabelValues(r.expr, 'tenant').every((v) => v.length === 1 && v[0] === '')).toBe(true);
      expect(g.rules.filter((r) => r.record !== undefined).every((r) => /by \(tenant|tenant!=""/.test(r.expr))).toBe(true);
    }
  });

  test('a threshold that is one number becomes a series joined on tenant', () => {
    const rule = rendered.flatMap((g) => g.rules).find((r) => r.alert === 'TenantHighErrorRate');
    expect(rule?.expr).toBe('label_replace((tenant:http_errors:ratio_rate5m{namespace="", tenant!=""}) > on(tenant) group_left() '
      + '(tenant_threshold:TenantHighErrorRate_errorRatio{tenant!="", namespace=""} or on(tenant) group by (tenant) (tenant:http_errors:ratio_rate5m{namespace="", tenant!=""}) * 0.001) '
      + 'unless on(tenant) tenant_alert_disabled{tenant!="", namespace="", alertname="TenantHighErrorRate"}, "namespace", "$1", "tenant", "(.+)")');
    expect(dataThresholds(PROD).TenantHighErrorRate).toBe('errorRatio');
    // Scaled or inside a function: not one number compared at the top, so a tenant copy instead.
    expect(dataThresholds(PROD).TenantThroughputDrop).toBeUndefined();
    expect(dataThresholds(PROD).TenantDiskFullPredicted).toBeUndefined();
  });

  test('an override becomes data only for the tenant that sets it', () => {
    const out = tenantOverrideRules(PROD, 'acme', { alertOverrides: { tenant: {
      TenantHighErrorRate: { thresholds: { errorRatio: 0.5 } },
      BusinessCostPerRequestHigh: { disable: true },
      TenantHighLatency: { for: Duration.minutes(1) },
      TenantThroughputDrop: { thresholds: { throughputDropRatio: 0.2 } },
    } } });
    expect(out.data).toEqual([
      { record: TENANT_ALERT_DISABLED_RECORD, expr: 'vector(1)', labels: { tenant: 'acme', alertname: 'BusinessCostPerRequestHigh' } },
      { record: tenantThresholdRecord('TenantHighErrorRate', 'errorRatio'), expr: 'vector(0.5)', labels: { tenant: 'acme' } },
      { record: TENANT_ALERT_DISABLED_RECORD, expr: 'vector(1)', labels: { tenant: 'acme', alertname: 'TenantHighLatency' } },
      { record: TENANT_ALERT_DISABLED_RECORD, expr: 'vector(1)', labels: { tenant: 'acme', alertname: 'TenantThroughputDrop' } },
    ]);
    expect(out.variants.map((r) => [r.alert, r.for?.toPrometheus()])).toEqual([['TenantHighLatency', '1m'], ['TenantThroughputDrop', '10m']]);
    expect(out.variants[1].expr).toContain('< 0.2 *');
  });

  test('an override equal to the environment\'s adds nothing; a re-enabled alert becomes a tenant copy', () => {
    const environment: TenantAlertOverrides = { TenantHighErrorRate: { thresholds: { errorRatio: 0.01 } }, MlDriftDetected: { disable: true } };
    expect(tenantOverrideRules(PROD, 'acme', { alertOverrides: { environment, tenant: { TenantHighErrorRate: { thresholds: { errorRatio: 0.01 } } } } })).toEqual({ data: [], variants: [] });
    const reenabled = tenantOverrideRules(PROD, 'acme', { alertOverrides: { environment, tenant: { MlDriftDetected: { disable: false } } } });
    expect(reenabled.data).toEqual([]);
    expect(reenabled.variants.map((r) => r.alert)).toEqual(['MlDriftDetected']);
  });

  // Every alert keeps its fixture: the aggregated alert fires and stays silent on the same series.
  // The shared alerts set `namespace` to the tenant, as the operator's enforcement does per tenant.
  test.each(rendered.filter((g) => g.rules.some((r) => r.alert)).map((g) => g.name))('promtool: every alert of group %s fires under its fixture and stays silent otherwise', (name) => {
    const group = rendered.find((g) => g.name === name) as RenderedGroup;
    const fixtures = group.rules.filter((r) => r.alert).map((r) => [r.alert as string, ALERT_FIXTURES[r.alert as string]] as const);
    const intervals = [...new Set(fixtures.map(([, f]) => f.evaluationInterval))];
    expect(intervals).toHaveLength(1);
    const cases: AlertTestCase[] = fixtures.flatMap(([alert, f]) => [
      { name: `${alert} fires`, alert, interval: f.interval, series: f.firing, expect: [{ evalTime: f.evalTime, alerts: f.labels.map((l) => ({ ...l, namespace: l.tenant })) }] },
      { name: `${alert} stays silent`, alert, interval: f.interval, series: f.silent, expect: [{ evalTime: f.evalTime, alerts: [] }] },
    ]);
    expect(runPromtool([group], cases, intervals[0])).toContain('SUCCESS');
  });

  test('promtool: the error-rate alert fires for exactly the tenants whose series cross their own threshold', () => {
    const groups = [...rendered.filter((g) => g.name === 'tenants-application'), ...overrideGroups({
      acme: { TenantHighErrorRate: { thresholds: { errorRatio: 0.5 } } },
      beta: {},
      gamma: { TenantHighErrorRate: { disable: true } },
      delta: { TenantHighErrorRate: { labels: { team: 'delta-sre' } } },
    })];
    // `ratio` of requests fail, 600 requests a minute.
    const traffic = (labels: string, ratio: number): InputSeries[] => [
      { series: `http_requests_total{${labels}${labels ? ', ' : ''}code="500"}`, values: `0+${600 * ratio}x30` },
      { series: `http_requests_total{${labels}${labels ? ', ' : ''}code="200"}`, values: `0+${600 * (1 - ratio)}x30` },
    ];
    // Each case: its name, the input series, and the tenants expected to alert at 10 minutes.
    const at = (tenant: string) => ({ tenant, namespace: tenant });
    const table: ReadonlyArray<readonly [string, InputSeries[], ReadonlyArray<Record<string, string>>]> = [
      ['10 % errors everywhere: above the default (0.1 %), under acme\'s 50 %',
        [...traffic('tenant="acme"', 0.1), ...traffic('tenant="beta"', 0.1), ...traffic('tenant="gamma"', 0.1), ...traffic('tenant="delta"', 0.1), ...traffic('', 1)],
        [at('beta'), { ...at('delta'), team: 'delta-sre' }]],
      ['60 % errors at acme only: acme crosses its own threshold, nobody else alerts',
        [...traffic('tenant="acme"', 0.6), ...traffic('tenant="beta"', 0)], [at('acme')]],
      ['series without the tenant label alert for no tenant',
        [...traffic('', 1), ...traffic('namespace="beta"', 1), ...traffic('tenant="beta"', 0)], []],
      ['what a tenant records in its own namespace under another tenant\'s name feeds no shared rule',
        [...traffic('tenant="beta"', 0), { series: 'tenant:http_errors:ratio_rate5m{tenant="beta", namespace="acme"}', values: '1x30' }], []],
      ['a threshold or disable switch a tenant records for another tenant is ignored', [
        ...traffic('tenant="beta"', 0.1),
        { series: 'tenant_threshold:TenantHighErrorRate_errorRatio{tenant="beta", namespace="acme"}', values: '0.99x30' },
        { series: 'tenant_alert_disabled{tenant="beta", namespace="acme", alertname="TenantHighErrorRate"}', values: '1x30' },
      ], [at('beta')]],
    ];
    const cases: AlertTestCase[] = table.map(([name, series, alerts]) => ({ name, alert: 'TenantHighErrorRate', interval: '1m', series, expect: [{ evalTime: '10m', alerts }] }));
    // The expected labels are the expression's plus the shared rule's; delta's copy differs from it
    // only by `team`, which the case spells out.
    expect(runPromtool(groups, cases)).toContain('SUCCESS');
  });

  test('promtool: a tenant\'s own hold time applies to it alone', () => {
    // The tenant's copy first: the expected annotations are taken from the first rule of that name.
    const groups = [...overrideGroups({ delta: { TenantHighErrorRate: { for: Duration.minutes(1) } } }), ...rendered.filter((g) => g.name === 'tenants-application')];
    const traffic = (tenant: string): InputSeries[] => [
      { series: `http_requests_total{tenant="${tenant}", code="500"}`, values: '0+60x30' },
      { series: `http_requests_total{tenant="${tenant}", code="200"}`, values: '0+540x30' },
    ];
    const cases: AlertTestCase[] = [{
      name: 'at 3 minutes delta (1m hold) fires, beta (5m hold) does not yet',
      alert: 'TenantHighErrorRate', interval: '1m',
      series: [...traffic('beta'), ...traffic('delta')],
      expect: [{ evalTime: '3m', alerts: [{ tenant: 'delta', namespace: 'delta' }] }],
    }];
    expect(runPromtool(groups, cases)).toContain('SUCCESS');
  });
});
