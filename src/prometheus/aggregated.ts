import { parser } from '@prometheus-io/lezer-promql';
import { EnvironmentProfile } from '../core/environment';
import { ErrorLocation } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { AlertRule, isAlertRule, RecordingRule, Rule, RuleGroup } from './model';
import { AlertOverride, AlertOverrides, mergeAlertOverrides, resolveAlertOverrides } from './overrides';
import { defaultTenantRuleGroups, TENANT_ALERT_THRESHOLDS, TenantRuleOptions } from './packs';
import { num } from './packs/common';
import { injectLabelMatcher, listSelectors } from './tenant-matcher';

/**
 * Where the built-in rule packs of a tenant are evaluated.
 *
 * - `aggregated`: one copy of every pack for all tenants of the environment, in the platform's
 *   PrometheusRule (monitoring namespace). Rules aggregate `by (tenant, …)` over series that carry
 *   the tenant label; per-tenant thresholds and disabled alerts are series joined on `tenant`.
 *   The rule count does not depend on the number of tenants.
 * - `per-tenant`: a copy of every pack in each tenant's own PrometheusRule, every selector scoped
 *   with `tenant="<id>"` and the tenant's namespace enforced by the operator. Rules grow linearly
 *   with tenants; choose it when each tenant must own (and be able to read) its rule objects.
 */
export type RuleLayout = 'aggregated' | 'per-tenant';

/** The series of one alert's per-tenant threshold: `tenant_threshold:<alert>_<threshold>{tenant="<id>"}`. */
export function tenantThresholdRecord(alert: string, threshold: string): string {
  return `tenant_threshold:${alert}_${threshold}`;
}

/** The series that switches a built-in alert off for one tenant: `tenant_alert_disabled{tenant, alertname}`. */
export const TENANT_ALERT_DISABLED_RECORD = 'tenant_alert_disabled';

/**
 * Only the platform's own recording rules (monitoring namespace, excluded from namespace
 * enforcement) produce series without a `namespace` label; the operator adds `namespace` to the
 * output of every rule in a tenant's namespace. Reading the control series with `namespace=""`
 * keeps a tenant from writing a threshold or a disable switch for another tenant.
 */
const PLATFORM_ONLY = 'namespace=""';

/** A value no pack computes from: built into an alert to find where its threshold ends up. */
const PROBE = 0.918273645;

/** A comparison of an alert expression against a number: `<lhs> <op> <literal>` at the top level. */
interface ThresholdComparison {
  readonly lhs: string;
  readonly op: string;
  readonly literal: string;
}

const COMPARISONS: Readonly<Record<string, string>> = { Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=' };

/** `<lhs> <op> <number>` when that is the whole expression (no `bool`, no `on`), else undefined. */
function topLevelComparison(expr: string): ThresholdComparison | undefined {
  const root = parser.parse(expr).topNode.firstChild;
  if (!root || root.name !== 'BinaryExpr' || root.from !== 0 || root.to !== expr.length) return undefined;
  const lhs = root.firstChild;
  const op = lhs?.nextSibling;
  const rhs = op?.nextSibling;
  if (!lhs || !op || !rhs || rhs.nextSibling || !(op.name in COMPARISONS) || rhs.name !== 'NumberDurationLiteral') return undefined;
  return { lhs: expr.slice(lhs.from, lhs.to), op: COMPARISONS[op.name], literal: expr.slice(rhs.from, rhs.to) };
}

/**
 * Which threshold of each alert can be a series: the alert's expression must be exactly
 * `<lhs> <op> <threshold>` with the threshold written as given (not scaled, not inside a
 * function). Found by building each alert with a probe value and parsing the result.
 */
export function dataThresholds(profile: EnvironmentProfile, options: TenantRuleOptions = {}): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [alert, row] of Object.entries(TENANT_ALERT_THRESHOLDS)) {
    for (const [name, kind] of Object.entries(row)) {
      if (kind === 'duration' || out[alert] !== undefined) continue;
      const probe: AlertOverrides = { [alert]: { thresholds: { [name]: PROBE } } };
      const rule = findAlert(defaultTenantRuleGroups(profile, '', { ...options, alertOverrides: { environment: mergeAlertOverrides(options.alertOverrides?.environment, probe) } }), alert);
      const cmp = rule ? topLevelComparison(rule.expr) : undefined;
      if (cmp && cmp.literal === num(PROBE) && !cmp.lhs.includes(num(PROBE))) out[alert] = name;
    }
  }
  return out;
}

function findAlert(groups: ReadonlyArray<RuleGroup>, alert: string): AlertRule | undefined {
  return groups.flatMap((g) => g.rules).filter(isAlertRule).find((r) => r.alert === alert);
}

/**
 * The built-in rule packs written once for every tenant of an environment (`ruleLayout:
 * 'aggregated'`). The environment layer of `options.alertOverrides` is built in; tenant layers
 * become data (see `tenantOverrideRules`):
 *
 * - every selector gets `tenant!=""`, so series without the tenant label never alert (and never
 *   alert for another tenant), and every selector of a series these rules record gets
 *   `namespace=""`, so a tenant's rule recording the same name cannot feed them; alerts keep the tenant label of the series they read, so routing
 *   and escalation see the same labels as with per-tenant rules;
 * - an alert with a data threshold compares against the tenant's threshold series, or the
 *   environment default for tenants without one:
 *   `(lhs) > on(tenant) group_left() (tenant_threshold:<alert>_<name>{namespace=""} or on(tenant) group by (tenant) (lhs) * <default>)`;
 * - every alert ends in `unless on(tenant) tenant_alert_disabled{namespace="", alertname="<alert>"}`
 *   and gets `namespace` set to its tenant (a tenant's namespace is named after it), the label the
 *   operator's namespace enforcement gives per-tenant alerts;
 * - recording rules that read no series (the SLO objective) are written per tenant that has the
 *   SLO's error ratio, so they keep the tenant label.
 *
 * Groups are `tenantScoped: false`: render them without a tenant.
 *
 * @param thresholds the alerts' data thresholds (`dataThresholds` of the same profile and options), when already known
 */
export function aggregatedTenantRuleGroups(profile: EnvironmentProfile, options: TenantRuleOptions = {}, thresholds?: Readonly<Record<string, string>>): RuleGroup[] {
  const environment: TenantRuleOptions = { ...options, alertOverrides: { environment: options.alertOverrides?.environment } };
  const data = thresholds ?? dataThresholds(profile, environment);
  const groups = defaultTenantRuleGroups(profile, '', environment);
  const recorded = new Set(groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlertRule(r)).map((r) => r.record)));
  return groups.map((group) => ({
    ...group,
    name: `tenants-${group.name}`,
    tenantScoped: false,
    rules: group.rules.map((rule) => requireTenant(isAlertRule(rule) ? aggregateAlert(rule, data[rule.alert]) : aggregateRecording(rule, group.rules), recorded)),
  }));
}

function aggregateAlert(rule: AlertRule, dataThreshold: string | undefined): AlertRule {
  const cmp = dataThreshold ? topLevelComparison(rule.expr) : undefined;
  const compared = cmp && dataThreshold
    ? `(${cmp.lhs}) ${cmp.op} on(${TENANT_LABEL}) group_left() (${tenantThresholdRecord(rule.alert, dataThreshold)}{${PLATFORM_ONLY}} or on(${TENANT_LABEL}) group by (${TENANT_LABEL}) (${cmp.lhs}) * ${cmp.literal})`
    : `(${rule.expr})`;
  const kept = `${compared} unless on(${TENANT_LABEL}) ${TENANT_ALERT_DISABLED_RECORD}{${PLATFORM_ONLY}, alertname="${rule.alert}"}`;
  return { ...rule, expr: withTenantNamespace(kept) };
}

/**
 * `expr` with `namespace` set to the tenant (a tenant's namespace is named after the tenant).
 * Per-tenant rules get `namespace` from the operator's enforcement; setting it here keeps the
 * escalation rules (in the tenant's namespace, enforced) and the routes seeing the same labels.
 */
function withTenantNamespace(expr: string): string {
  return `label_replace(${expr}, "namespace", "$1", "${TENANT_LABEL}", "(.+)")`;
}

function aggregateRecording(rule: RecordingRule, siblings: ReadonlyArray<Rule>): RecordingRule {
  if (listSelectors(rule.expr).length > 0) return rule;
  // A constant (the SLO objective) has no tenant to keep: write it for each tenant that has the
  // group's first recorded series, with the same labels.
  const first = siblings.find((r): r is RecordingRule => !isAlertRule(r) && listSelectors(r.expr).length > 0);
  if (!first) return rule;
  const matchers = Object.entries(first.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(', ');
  return { ...rule, expr: `group by (${TENANT_LABEL}) (${first.record}{${matchers}}) * (${rule.expr})` };
}

function requireTenant<R extends Rule>(rule: R, recorded: ReadonlySet<string>): R {
  const withTenant = injectLabelMatcher(rule.expr, { label: TENANT_LABEL, op: '!=', value: '' });
  // The packs' own recorded series come from these rules only, never from a tenant's namespace.
  return { ...rule, expr: injectLabelMatcher(withTenant, { label: 'namespace', op: '=', value: '' }, { applies: (m) => m !== undefined && recorded.has(m) }) };
}

/** What one tenant's overrides become in the aggregated layout. */
export interface TenantOverrideRules {
  /** Recording rules of the tenant's thresholds and disable switches (for the platform's rules, not tenant-scoped). */
  readonly data: ReadonlyArray<RecordingRule>;
  /**
   * Alerts that cannot be data (a changed `for`, severity, labels or annotations, a threshold
   * inside a function or scaled, an alert the environment disabled and the tenant re-enables):
   * the tenant's own copy, for its tenant-scoped rules. The shared alert is switched off for it.
   */
  readonly variants: ReadonlyArray<AlertRule>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Turn one tenant's override layer into data for the aggregated packs: a threshold series for a
 * changed data threshold, a disable switch for a disabled alert, and a tenant copy (plus a
 * disable switch) for any other change. Fields equal to the environment's produce nothing, so a
 * tenant without overrides adds no rule.
 *
 * @param thresholds the alerts' data thresholds (`dataThresholds` of the same profile and options), when already known
 */
export function tenantOverrideRules(profile: EnvironmentProfile, tenant: string, options: TenantRuleOptions = {}, location: ErrorLocation = '<packs>', thresholds?: Readonly<Record<string, string>>): TenantOverrideRules {
  if (Object.keys(options.alertOverrides?.tenant ?? {}).length === 0) return { data: [], variants: [] };
  const env = resolveAlertOverrides({ environment: options.alertOverrides?.environment }, TENANT_ALERT_THRESHOLDS, location, 'alertOverrides', 'the tenant rule packs');
  const merged = resolveAlertOverrides(options.alertOverrides ?? {}, TENANT_ALERT_THRESHOLDS, location, 'alertOverrides', 'the tenant rule packs');
  const data = thresholds ?? dataThresholds(profile, { ...options, alertOverrides: { environment: options.alertOverrides?.environment } });
  const records: RecordingRule[] = [];
  const variantOverrides: Record<string, AlertOverride> = {};
  for (const alert of Object.keys(options.alertOverrides?.tenant ?? {}).sort()) {
    const mine = merged[alert] ?? {};
    const base = env[alert] ?? {};
    const disabled = (o: AlertOverride): boolean => o.disable === true;
    if (disabled(mine)) {
      if (!disabled(base)) records.push(disableRecord(tenant, alert));
      continue;
    }
    const changedThresholds = Object.entries(mine.thresholds ?? {}).filter(([k, v]) => !sameValue(v, base.thresholds?.[k]));
    const otherChanged = disabled(base) || (['for', 'severity', 'labels', 'annotations'] as const).some((f) => !sameValue(mine[f], base[f]));
    const asData = !otherChanged && changedThresholds.length === 1 && changedThresholds[0][0] === data[alert];
    if (changedThresholds.length === 0 && !otherChanged) continue;
    if (asData) {
      records.push({ record: tenantThresholdRecord(alert, changedThresholds[0][0]), expr: `vector(${num(changedThresholds[0][1] as number)})`, labels: { [TENANT_LABEL]: tenant } });
    } else {
      variantOverrides[alert] = mine;
      if (!disabled(base)) records.push(disableRecord(tenant, alert));
    }
  }
  const names = Object.keys(variantOverrides);
  const variants = names.length === 0 ? [] : defaultTenantRuleGroups(profile, tenant, { ...options, alertOverrides: { environment: { ...env, ...variantOverrides } } })
    .flatMap((g) => g.rules).filter(isAlertRule).filter((r) => names.includes(r.alert))
    .map((r) => ({ ...r, expr: withTenantNamespace(r.expr) }));
  return { data: records, variants };
}

function disableRecord(tenant: string, alert: string): RecordingRule {
  return { record: TENANT_ALERT_DISABLED_RECORD, expr: 'vector(1)', labels: { [TENANT_LABEL]: tenant, alertname: alert } };
}
