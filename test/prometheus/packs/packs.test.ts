import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTROL_PLANE_COMPONENTS, PROD } from '../../../src/core/environment';
import { isAlertRule, renderRuleGroups } from '../../../src/prometheus/model';
import { DEFAULT_RUNBOOK_BASE_URL, defaultTenantRuleGroups, platformRuleGroups } from '../../../src/prometheus/packs';
import { selectorLabelValues } from '../../../src/prometheus/tenant-matcher';
import { baselineRuleGroups } from '../../../src/tenancy/tenant-monitoring-stack';
import { ALERT_FIXTURES } from './fixtures';
import { AlertTestCase, runPromtool } from './promtool';

const tenantGroups = defaultTenantRuleGroups(PROD, 'acme');
// The platform scrapes every control-plane component here, so each control-plane alert is tested too.
const groups = [...renderRuleGroups([...baselineRuleGroups(), ...tenantGroups], { tenant: 'acme' }), ...renderRuleGroups(platformRuleGroups({ ...PROD, scrapedControlPlane: CONTROL_PLANE_COMPONENTS }))];
const alerts = groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined));

describe('rule packs', () => {
  test('every alert has a promtool fixture, and every fixture an alert', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(Object.keys(ALERT_FIXTURES).sort());
  });

  test('every alert has a severity, summary, description and a runbook under docs/runbooks', () => {
    for (const a of alerts) {
      expect(['info', 'warning', 'critical']).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toMatch(/\S/);
      expect(a.annotations?.description).toMatch(/\S/);
      expect(a.annotations?.runbook_url).toMatch(new RegExp(`^${DEFAULT_RUNBOOK_BASE_URL}/[A-Za-z]+\\.md$`));
    }
  });

  test('every runbook an alert links exists in docs/runbooks', () => {
    for (const a of alerts) {
      const file = (a.annotations?.runbook_url as string).slice(DEFAULT_RUNBOOK_BASE_URL.length + 1);
      expect(fs.existsSync(path.join(__dirname, '../../../docs/runbooks', file))).toBe(true);
    }
  });

  test('every tenant rule reads only the tenant\'s series and carries the tenant label', () => {
    for (const g of groups.filter((x) => x.name !== 'platform')) {
      for (const r of g.rules) {
        expect(selectorLabelValues(r.expr, 'tenant').every((v) => v.length === 1 && v[0] === 'acme')).toBe(true);
        expect(r.labels?.tenant).toBe('acme');
      }
    }
  });

  test('the request-flood alert asks for an IP block and keeps the source IP', () => {
    const flood = tenantGroups.flatMap((g) => g.rules).filter(isAlertRule).find((r) => r.alert === 'SecurityRequestFlood');
    expect(flood?.labels).toEqual({ remediation_action: 'block-ip' });
    expect(flood?.expr).toContain('by (tenant, namespace, source_ip)');
  });

  test('thresholds are named parameters and the runbook base is configurable', () => {
    const custom = defaultTenantRuleGroups(PROD, 'acme', { runbookBaseUrl: 'https://wiki.example.com/runbooks/', application: { errorRatio: 0.02 } });
    const rule = custom.flatMap((g) => g.rules).filter(isAlertRule).find((r) => r.alert === 'TenantHighErrorRate');
    expect(rule?.expr).toBe('tenant:http_errors:ratio_rate5m > 0.02');
    expect(rule?.runbookUrl).toBe('https://wiki.example.com/runbooks/TenantHighErrorRate.md');
  });

  test('the anomaly alert reads the profile\'s anomaly score threshold, on the score\'s 0..1 scale', () => {
    const rule = (profile = PROD) => defaultTenantRuleGroups(profile, 'acme').flatMap((g) => g.rules).filter(isAlertRule).find((r) => r.alert === 'MlAnomalyScoreSustained');
    expect(rule()?.expr).toBe(`ml_anomaly_score >= ${PROD.thresholds.anomalyScore}`);
    expect(rule({ ...PROD, thresholds: { ...PROD.thresholds, anomalyScore: 0.9 } })?.expr).toBe('ml_anomaly_score >= 0.9');
  });

  test('fails an anomaly score threshold off the 0..1 scale', () => {
    expect(() => defaultTenantRuleGroups({ ...PROD, thresholds: { ...PROD.thresholds, anomalyScore: 3 } }, 'acme')).toThrow(
      '<packs>: profile.thresholds.anomalyScore: got 3; allowed: a score above 0 and at most 1 (the isolation-forest scale of ml_anomaly_score)');
    expect(() => defaultTenantRuleGroups(PROD, 'acme', { alertOverrides: { tenant: { MlAnomalyScoreSustained: { thresholds: { anomalyScoreThreshold: 3 } } } } })).toThrow(
      'alertOverrides.tenant.MlAnomalyScoreSustained.thresholds.anomalyScoreThreshold: got 3; allowed: a ratio above 0 and at most 1');
  });

  // One promtool run per group: each run evaluates only the rules its alerts need.
  test.each(groups.filter((g) => g.rules.some((r) => r.alert)).map((g) => g.name))('promtool: every alert of group %s fires under its input and stays silent otherwise', (name) => {
    const group = groups.find((g) => g.name === name)!;
    const fixtures = group.rules.filter((r) => r.alert).map((r) => [r.alert as string, ALERT_FIXTURES[r.alert as string]] as const);
    const intervals = [...new Set(fixtures.map(([, f]) => f.evaluationInterval))];
    expect(intervals).toHaveLength(1);
    const cases: AlertTestCase[] = fixtures.flatMap(([alert, f]) => [
      { name: `${alert} fires`, alert, interval: f.interval, series: f.firing, expect: [{ evalTime: f.evalTime, alerts: f.labels }] },
      { name: `${alert} stays silent`, alert, interval: f.interval, series: f.silent, expect: [{ evalTime: f.evalTime, alerts: [] }] },
    ]);
    expect(runPromtool([group], cases, intervals[0])).toContain('SUCCESS');
  });
});
