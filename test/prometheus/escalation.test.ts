import * as fc from 'fast-check';
import { escalationLevelOf } from '../../src/alerting';
import { Matcher } from '../../src/core/matcher';
import { DEV, ESCALATION_LEVELS, escalationDelay, PROD } from '../../src/core/environment';
import { TenantTier } from '../../src/core/tenant';
import {
  ESCALATED_ALERTNAME_LABEL, escalationAlertName, escalationExpr, escalationRuleGroup, levelMatchers,
} from '../../src/prometheus/escalation';
import { AlertRule, isAlertRule, renderRuleGroups } from '../../src/prometheus/model';
import { selectorLabelValues, selectorMetricNames } from '../../src/prometheus/tenant-matcher';

const alerts = (tier?: TenantTier): AlertRule[] => escalationRuleGroup(PROD, { tier }).rules.filter(isAlertRule);

describe('escalation rules', () => {
  test('one alert per level above L1, each routed by its escalation label and held for the level below\'s delay', () => {
    expect(alerts().map((a) => [a.alert, a.labels, a.severity, a.for?.toPrometheus()])).toEqual([
      ['AlertEscalatedToL2', { escalation: 'L2' }, 'warning', '10m'],
      ['AlertEscalatedToL3', { escalation: 'L3' }, 'critical', '15m'],
      ['AlertEscalatedToL4', { escalation: 'L4' }, 'critical', '30m'],
    ]);
  });

  test.each(['basic', 'standard', 'premium'] as const)('the %s tier holds each level for escalationDelay(profile, level, tier)', (tier) => {
    for (const profile of [DEV, PROD]) {
      const rules = escalationRuleGroup(profile, { tier }).rules.filter(isAlertRule);
      expect(rules.map((r) => r.for?.toMilliseconds())).toEqual(['L1', 'L2', 'L3'].map((l) => escalationDelay(profile, l as 'L1', tier).toMilliseconds()));
    }
  });

  test('premium escalates in half the standard time, basic in twice', () => {
    const ms = (tier: TenantTier): number[] => alerts(tier).map((a) => a.for!.toMilliseconds());
    expect(ms('premium').map((v) => v * 2)).toEqual(ms('standard'));
    expect(ms('basic')).toEqual(ms('standard').map((v) => v * 2));
  });

  test('the level matchers select exactly the alerts the routes send to that level (first match wins)', () => {
    const label = (values: string[]): fc.Arbitrary<string | undefined> => fc.option(fc.constantFrom(...values), { nil: undefined });
    const labelSets = fc.record({
      escalation: label(['L1', 'L2', 'L3', 'L4', 'L5', '']),
      remediation_action: label(['restart', 'block-ip', '']),
      severity: label(['info', 'warning', 'critical', 'page', '']),
    }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>);
    fc.assert(fc.property(labelSets, (labels) => {
      const matching = ESCALATION_LEVELS.filter((level) => levelMatchers(level).some((way) => way.every((m) => Matcher.parse(m).matches(labels))));
      const routed = escalationLevelOf(labels);
      expect(matching).toEqual(routed ? [routed] : []);
    }), { numRuns: 300 });
  });

  test('reads only firing ALERTS, and for a tenant only the tenant\'s', () => {
    const [group] = renderRuleGroups([escalationRuleGroup(PROD)], { tenant: 'acme' });
    for (const rule of group.rules) {
      expect(new Set(selectorMetricNames(rule.expr))).toEqual(new Set(['ALERTS']));
      expect(selectorLabelValues(rule.expr, 'tenant').every((v) => v.length === 1 && v[0] === 'acme')).toBe(true);
      expect(selectorLabelValues(rule.expr, 'alertstate').every((v) => v.length === 1 && v[0] === 'firing')).toBe(true);
      expect(rule.labels?.tenant).toBe('acme');
    }
  });

  test('the chain continues from escalation alerts of the level below, which keep their escalated_alertname', () => {
    expect(escalationExpr('L2')).not.toContain(`${ESCALATED_ALERTNAME_LABEL}!=""`);
    expect(escalationExpr('L3')).toContain(`or max without (alertstate) (ALERTS{alertstate="firing", ${ESCALATED_ALERTNAME_LABEL}!="", escalation="L2"})`);
    expect(escalationExpr('L4')).toContain(`ALERTS{alertstate="firing", ${ESCALATED_ALERTNAME_LABEL}!="", escalation="L3"}`);
  });

  test('the platform scope reads alerts without a tenant and is not tenant-scoped', () => {
    const group = escalationRuleGroup(PROD, { scope: 'platform' });
    expect(group.tenantScoped).toBe(false);
    for (const rule of group.rules) expect(selectorLabelValues(rule.expr, 'tenant').every((v) => v.length === 1 && v[0] === '')).toBe(true);
  });

  test('names', () => {
    expect(ESCALATION_LEVELS.slice(1).map(escalationAlertName)).toEqual(['AlertEscalatedToL2', 'AlertEscalatedToL3', 'AlertEscalatedToL4']);
  });

  test('fails for an unknown tier', () => {
    expect(() => escalationRuleGroup(PROD, { tier: 'gold' as TenantTier })).toThrow('<escalation>: tier: got "gold"; allowed: basic, standard, premium');
  });

  test('fails for a level nothing escalates to', () => {
    expect(() => escalationExpr('L1')).toThrow('<escalation>: level: got "L1"; allowed: a level to escalate to: L2, L3, L4');
  });
});
