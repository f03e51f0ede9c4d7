import { Testing } from 'cdk8s';
import { PROD } from '../../src/core/environment';
import { TENANT_ALERT_THRESHOLDS } from '../../src/prometheus/packs';
import { TenantPackRules } from '../../src/prometheus/tenant-pack-rules';
import { TenantMonitoringStack } from '../../src/tenancy/tenant-monitoring-stack';

interface RuleObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: ReadonlyArray<{ readonly alert?: string; readonly record?: string; readonly labels?: Record<string, string> }> }> };
}

function ruleObjects(tenants: number, overrides: boolean): RuleObject[] {
  const chart = Testing.chart();
  const packRules = new TenantPackRules(chart, 'TenantPackRules', { environment: PROD, namespace: 'monitoring' });
  for (let i = 0; i < tenants; i++) {
    new TenantMonitoringStack(chart, `t${i}`, {
      tenant: { id: `t${i}`, contacts: { team: 'sre' } }, environment: PROD, packRules,
      alertOverrides: overrides && i === 0 ? { tenant: { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } } } : undefined,
    });
  }
  return (Testing.synth(chart) as RuleObject[]).filter((o) => o.kind === 'PrometheusRule');
}

const count = (objs: ReadonlyArray<RuleObject>): number => objs.reduce((n, o) => n + o.spec.groups.reduce((m, g) => m + g.rules.length, 0), 0);
const shared = (objs: ReadonlyArray<RuleObject>): RuleObject | undefined => objs.find((o) => o.metadata.name === 'tenant-pack-rules');

describe('rule layout', () => {
  test('aggregated: the packs are one object in the monitoring namespace, whatever the number of tenants', () => {
    const few = ruleObjects(2, false);
    const many = ruleObjects(20, false);
    expect(shared(few)?.metadata.namespace).toBe('monitoring');
    expect(count([shared(few) as RuleObject])).toBe(count([shared(many) as RuleObject]));
    // Each tenant keeps only its baseline and escalation rules in its own namespace.
    const own = many.filter((o) => o.metadata.name === 'tenant-rules');
    expect(own).toHaveLength(20);
    expect(own.every((o) => o.spec.groups.map((g) => g.name).join() === 'tenant-baseline,escalation')).toBe(true);
  });

  test('aggregated: an override adds a small object for that tenant only, with its threshold series', () => {
    const objs = ruleObjects(3, true);
    const extra = objs.filter((o) => o.metadata.name.endsWith('pack-overrides'));
    expect(extra.map((o) => [o.metadata.namespace, o.metadata.name])).toEqual([['monitoring', 't0-pack-overrides']]);
    expect(extra[0].spec.groups[0].rules).toEqual([{ record: 'tenant_threshold:TenantHighErrorRate_errorRatio', expr: 'vector(0.02)', labels: { environment: 'prod', tenant: 't0' } }]);
  });

  test('per-tenant: each tenant keeps its scoped copy of the packs, as before', () => {
    const chart = Testing.chart();
    const stack = new TenantMonitoringStack(chart, 'acme', { tenant: { id: 'acme', contacts: { team: 'sre' } }, environment: PROD, ruleLayout: 'per-tenant' });
    expect(stack.ruleLayout).toBe('per-tenant');
    expect(stack.rules.alertNames).toContain('TenantHighErrorRate');
    const noPacks = new TenantMonitoringStack(Testing.chart(), 'beta', { tenant: { id: 'beta', contacts: { team: 'sre' } }, environment: PROD });
    expect(noPacks.ruleLayout).toBe('per-tenant');
  });

  test('per-tenant or without packs beside shared packs: the shared alerts are switched off for that tenant', () => {
    const chart = Testing.chart();
    const packRules = new TenantPackRules(chart, 'TenantPackRules', { environment: PROD, namespace: 'monitoring' });
    const own = new TenantMonitoringStack(chart, 'acme', { tenant: { id: 'acme', contacts: { team: 'sre' } }, environment: PROD, packRules, ruleLayout: 'per-tenant' });
    const none = new TenantMonitoringStack(chart, 'beta', { tenant: { id: 'beta', contacts: { team: 'sre' } }, environment: PROD, packRules, withoutRulePacks: true });
    for (const stack of [own, none]) {
      const switches = stack.packOverrides?.ruleGroups.flatMap((g) => g.rules) ?? [];
      expect(switches.length).toBe(Object.keys(TENANT_ALERT_THRESHOLDS).length);
      expect(switches.every((r) => !('alert' in r) && r.expr === 'vector(1)')).toBe(true);
    }
    expect(own.rules.alertNames).toContain('TenantHighErrorRate');
    expect(none.rules.alertNames).not.toContain('TenantHighErrorRate');
  });

  test('fails the aggregated layout without the shared packs', () => {
    expect(() => new TenantMonitoringStack(Testing.chart(), 'acme', { tenant: { id: 'acme', contacts: { team: 'sre' } }, environment: PROD, ruleLayout: 'aggregated' }))
      .toThrow("packRules: got nothing; allowed: the environment's TenantPackRules (ruleLayout 'aggregated' evaluates the packs there)");
  });

  test('fails per-tenant pack parameters in the aggregated layout', () => {
    const chart = Testing.chart();
    const packRules = new TenantPackRules(chart, 'TenantPackRules', { environment: PROD, namespace: 'monitoring' });
    expect(() => new TenantMonitoringStack(chart, 'acme', { tenant: { id: 'acme', contacts: { team: 'sre' } }, environment: PROD, packRules, rulePacks: { application: { errorRatio: 0.02 } } }))
      .toThrow("rulePacks.application: got \"application\"; allowed: no per-tenant pack options with ruleLayout 'aggregated' (the shared packs use the environment's; set thresholds with alertOverrides.tenant, or use ruleLayout 'per-tenant')");
  });

  test('fails a tenant added twice to the shared packs', () => {
    const packRules = new TenantPackRules(Testing.chart(), 'TenantPackRules', { environment: PROD, namespace: 'monitoring' });
    packRules.addTenant('acme');
    expect(() => packRules.addTenant('acme')).toThrow('tenant: got "acme" (duplicate tenant); allowed: a tenant not added before');
  });
});
