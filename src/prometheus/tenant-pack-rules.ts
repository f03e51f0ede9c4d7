import { Construct } from 'constructs';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { MetricCatalogue } from '../core/metric-catalogue';
import { objectName } from '../core/naming';
import { validateDnsLabel } from '../core/validation';
import { aggregatedTenantRuleGroups, dataThresholds, TENANT_ALERT_DISABLED_RECORD, tenantOverrideRules, tenantThresholdRecord } from './aggregated';
import { AlertOverrides } from './overrides';
import { TenantAlertOverrides, TenantRuleOptions } from './packs';
import { PrometheusRules } from './prometheus-rules';

/** Properties of `TenantPackRules`. */
export interface TenantPackRulesProps {
  /** The environment profile (the packs' thresholds). */
  readonly environment: EnvironmentProfile;
  /** The monitoring namespace (excluded from namespace enforcement, so the rules see every tenant). */
  readonly namespace: string;
  /**
   * Options of the packs for every tenant: runbook base, dashboard link, pack parameters, and the
   * environment layer of the alert overrides (its `tenant` layer is not read; give tenants'
   * overrides to `addTenant`).
   * @default - the packs' defaults, thresholds from the environment profile
   */
  readonly rulePacks?: TenantRuleOptions;
  /** Labels added to every rule. @default - `{ environment: <profile name> }` */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

/**
 * The built-in rule packs (SLOs, system, application, ML, business, security, anomaly) evaluated
 * once for all tenants of an environment (`ruleLayout: 'aggregated'`). The shared rules live in
 * one PrometheusRule in the monitoring namespace; a tenant whose overrides differ from the
 * environment's gets a small PrometheusRule of its own beside it, holding its threshold series,
 * disable switches and the alerts that cannot be data (see `tenantOverrideRules`). Tenants without
 * overrides add no rule.
 *
 * @example
 * const packs = new TenantPackRules(platformChart, 'TenantPackRules', { environment: PROD, namespace: 'monitoring' });
 * new TenantMonitoringStack(chart, 'acme', { tenant: { id: 'acme' }, environment: PROD, packRules: packs,
 *   alertOverrides: { tenant: { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } } } });
 */
export class TenantPackRules extends Construct {
  /** The shared rules (one copy for every tenant). */
  public readonly rules: PrometheusRules;
  /** The environment profile. */
  public readonly environment: EnvironmentProfile;
  /** The namespace of the shared rules. */
  public readonly namespace: string;
  /** The environment layer of the overrides, built into the shared rules. */
  public readonly environmentOverrides: AlertOverrides;
  private readonly options: TenantRuleOptions;
  private readonly thresholds: Readonly<Record<string, string>>;
  private readonly ruleLabels: Readonly<Record<string, string>>;
  private readonly tenants = new Map<string, PrometheusRules | undefined>();

  constructor(scope: Construct, id: string, props: TenantPackRulesProps) {
    super(scope, id);
    this.environment = props.environment;
    this.namespace = validateDnsLabel(props.namespace, this, 'namespace');
    this.options = { ...props.rulePacks, location: this };
    this.environmentOverrides = props.rulePacks?.alertOverrides?.environment ?? {};
    this.ruleLabels = props.ruleLabels ?? { environment: props.environment.name };
    // The control series are recorded here, by the tenants' override rules; until a tenant sets
    // one they are absent, which the shared rules read as "the environment's default".
    const catalogue = MetricCatalogue.of(this);
    catalogue.addRecordedMetric(TENANT_ALERT_DISABLED_RECORD);
    this.thresholds = dataThresholds(props.environment, this.options);
    for (const [alert, threshold] of Object.entries(this.thresholds)) catalogue.addRecordedMetric(tenantThresholdRecord(alert, threshold));
    this.rules = new PrometheusRules(this, 'Rules', {
      namespace: this.namespace,
      name: 'tenant-pack-rules',
      ruleLabels: this.ruleLabels,
      groups: aggregatedTenantRuleGroups(props.environment, this.options, this.thresholds),
    });
  }

  /**
   * Register a tenant with its own override layer. Overrides equal to the environment's add
   * nothing; others add the tenant's PrometheusRule `tenant-<id>-pack-overrides` (monitoring
   * namespace), which is returned. A tenant can be added once.
   */
  public addTenant(tenant: string, overrides: TenantAlertOverrides = {}): PrometheusRules | undefined {
    validateDnsLabel(tenant, this, 'tenant');
    if (this.tenants.has(tenant)) throw new ValidationError(this, 'tenant', tenant, 'a tenant not added before', 'duplicate tenant');
    const out = tenantOverrideRules(this.environment, tenant, { ...this.options, alertOverrides: { environment: this.environmentOverrides, tenant: overrides } }, this, this.thresholds);
    const rules = out.data.length + out.variants.length === 0 ? undefined : new PrometheusRules(this, `Tenant-${tenant}`, {
      namespace: this.namespace,
      name: objectName([tenant, 'pack-overrides']),
      tenant,
      ruleLabels: this.ruleLabels,
      groups: [{ name: 'tenant-pack-overrides', rules: [...out.data, ...out.variants] }],
    });
    this.tenants.set(tenant, rules);
    return rules;
  }

  /** The tenants added, sorted. */
  public get tenantIds(): string[] {
    return [...this.tenants.keys()].sort();
  }
}
