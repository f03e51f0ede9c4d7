import { Duration } from '../core/duration';
import { ErrorLocation, ValidationError } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { validateLabelName, validateLabelValue, validateMetricName, validatePromQL, validateUrl } from '../core/validation';
import { injectTenantMatcher } from './tenant-matcher';

/** How urgent an alert is. `critical` pages, `warning` opens a ticket or chat message, `info` is for dashboards. */
export type Severity = 'info' | 'warning' | 'critical';

/** Allowed severities. */
export const SEVERITIES: ReadonlyArray<Severity> = ['info', 'warning', 'critical'];

/** An alerting rule. Every alert carries a severity, a summary, a description and a runbook. */
export interface AlertRule {
  /** Alert name, e.g. `HighErrorRate`. */
  readonly alert: string;
  /** PromQL condition. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires. @default - fires on the first evaluation */
  readonly for?: Duration;
  /** How long the alert keeps firing after the condition clears. @default - resolves at once */
  readonly keepFiringFor?: Duration;
  /** Severity label. */
  readonly severity: Severity;
  /** One-line summary (annotation `summary`); may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly summary: string;
  /** What happened and what it affects (annotation `description`). */
  readonly description: string;
  /** Link to the runbook (annotation `runbook_url`). */
  readonly runbookUrl: string;
  /** Extra labels. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations (e.g. `dashboard_url`). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A recording rule that precomputes `expr` into the series `record`. */
export interface RecordingRule {
  /** Name of the produced series, e.g. `tenant:http_requests:rate5m`. */
  readonly record: string;
  /** PromQL expression. */
  readonly expr: string;
  /** Extra labels on the produced series. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Either kind of rule. */
export type Rule = AlertRule | RecordingRule;

/** True when `rule` is an alerting rule. */
export function isAlertRule(rule: Rule): rule is AlertRule {
  return (rule as AlertRule).alert !== undefined;
}

/** A named group of rules evaluated together. */
export interface RuleGroup {
  /** Group name, unique within a `PrometheusRules`. */
  readonly name: string;
  /** Evaluation interval. @default - Prometheus' global evaluation interval */
  readonly interval?: Duration;
  /** The rules, evaluated in order (recording rules before the alerts that read them). */
  readonly rules: ReadonlyArray<Rule>;
  /**
   * Whether the rules read tenant workloads. Tenant-scoped groups get the tenant matcher injected
   * into every selector and the tenant label on every rule when rendered for a tenant.
   * @default true
   */
  readonly tenantScoped?: boolean;
}

/** A rule in the upstream Prometheus rule-file format. */
export interface RenderedRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** A group in the upstream Prometheus rule-file format (`groups: [...]`). */
export interface RenderedGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: RenderedRule[];
}

const ALERT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_ANNOTATIONS = ['summary', 'description', 'runbook_url'];

/**
 * Validate rule groups: names, expressions (parsed as PromQL), labels, annotations, and
 * duplicates (group names; alert names; recording rules with the same name and labels).
 * Throws a `ValidationError` naming the group and rule index.
 */
export function validateRuleGroups(groups: ReadonlyArray<RuleGroup>, location: ErrorLocation): void {
  const groupNames = new Set<string>();
  const alertNames = new Map<string, string>();
  const records = new Set<string>();
  groups.forEach((group, gi) => {
    const gField = `groups[${gi}]`;
    if (typeof group.name !== 'string' || group.name.trim() === '') {
      throw new ValidationError(location, `${gField}.name`, group.name, 'a non-empty group name');
    }
    if (groupNames.has(group.name)) throw new ValidationError(location, `${gField}.name`, group.name, 'a group name not used by another group', 'duplicate group');
    groupNames.add(group.name);
    if (group.rules.length === 0) throw new ValidationError(location, `${gField}.rules`, [], 'at least one rule');
    group.rules.forEach((rule, ri) => {
      const field = `${gField}(${group.name}).rules[${ri}]`;
      validatePromQL(rule.expr, location, `${field}.expr`);
      for (const [k, v] of Object.entries(rule.labels ?? {})) {
        validateLabelName(k, location, `${field}.labels`);
        validateLabelValue(v, location, `${field}.labels.${k}`);
      }
      if (isAlertRule(rule)) {
        validateAlert(rule, field, location);
        const seen = alertNames.get(rule.alert);
        if (seen) throw new ValidationError(location, `${field}.alert`, rule.alert, 'an alert name not used by another rule', `already defined at ${seen}`);
        alertNames.set(rule.alert, field);
      } else {
        validateMetricName(rule.record, location, `${field}.record`);
        const key = `${rule.record}${JSON.stringify(Object.entries(rule.labels ?? {}).sort())}`;
        if (records.has(key)) throw new ValidationError(location, `${field}.record`, rule.record, 'a recording rule name and label set not used by another rule', 'duplicate recording rule');
        records.add(key);
      }
    });
  });
}

function validateAlert(rule: AlertRule, field: string, location: ErrorLocation): void {
  if (typeof rule.alert !== 'string' || !ALERT_NAME.test(rule.alert)) {
    throw new ValidationError(location, `${field}.alert`, rule.alert, 'an alert name: [a-zA-Z_][a-zA-Z0-9_]*');
  }
  if (!SEVERITIES.includes(rule.severity)) throw new ValidationError(location, `${field}(${rule.alert}).severity`, rule.severity, SEVERITIES.join(', '));
  for (const key of ['summary', 'description'] as const) {
    if (typeof rule[key] !== 'string' || rule[key].trim() === '') {
      throw new ValidationError(location, `${field}(${rule.alert}).${key}`, rule[key], 'a non-empty text');
    }
  }
  validateUrl(rule.runbookUrl, location, `${field}(${rule.alert}).runbookUrl`);
  for (const k of Object.keys(rule.annotations ?? {})) {
    if (RESERVED_ANNOTATIONS.includes(k)) {
      throw new ValidationError(location, `${field}(${rule.alert}).annotations.${k}`, k, 'annotations other than summary, description and runbook_url (set those with their own fields)');
    }
  }
  if (rule.labels && 'severity' in rule.labels) {
    throw new ValidationError(location, `${field}(${rule.alert}).labels.severity`, rule.labels.severity, 'no severity label (use the severity field)');
  }
}

/** How to render rule groups. */
export interface RenderOptions {
  /** The tenant to scope tenant-scoped groups to. @default - no scoping (platform rules) */
  readonly tenant?: string;
  /** Labels added to every rule (e.g. `environment`). @default - none */
  readonly commonLabels?: Readonly<Record<string, string>>;
  /** Where errors are reported. @default '<rules>' */
  readonly location?: ErrorLocation;
}

/**
 * Validate and render rule groups to the upstream rule-file format. For a tenant, tenant-scoped
 * groups get `tenant="<id>"` injected into every selector and the `tenant` label on every rule.
 */
export function renderRuleGroups(groups: ReadonlyArray<RuleGroup>, opts: RenderOptions = {}): RenderedGroup[] {
  validateRuleGroups(groups, opts.location ?? '<rules>');
  return groups.map((group, gi) => renderRuleGroup(group, gi, opts));
}

/**
 * Render one group that has been validated (with the groups it is rendered with) by
 * `validateRuleGroups`; `index` is its position, for error messages.
 */
export function renderRuleGroup(group: RuleGroup, index: number, opts: RenderOptions = {}): RenderedGroup {
  const location = opts.location ?? '<rules>';
  const scoped = opts.tenant !== undefined && (group.tenantScoped ?? true);
  return stripUndefined({
    name: group.name,
    interval: group.interval?.toPrometheus(),
    rules: group.rules.map((rule, ri) => {
      const expr = scoped
        ? injectTenantMatcher(rule.expr, TENANT_LABEL, opts.tenant as string, location, `groups[${index}](${group.name}).rules[${ri}].expr`)
        : rule.expr;
      const labels: Record<string, string> = { ...(opts.commonLabels ?? {}), ...(rule.labels ?? {}) };
      if (scoped) labels[TENANT_LABEL] = opts.tenant as string;
      if (isAlertRule(rule)) {
        labels.severity = rule.severity;
        return stripUndefined({
          alert: rule.alert,
          expr,
          for: rule.for?.toPrometheus(),
          keep_firing_for: rule.keepFiringFor?.toPrometheus(),
          labels: sortKeys(labels),
          annotations: sortKeys({ ...(rule.annotations ?? {}), summary: rule.summary, description: rule.description, runbook_url: rule.runbookUrl }),
        });
      }
      return stripUndefined({ record: rule.record, expr, labels: Object.keys(labels).length > 0 ? sortKeys(labels) : undefined });
    }),
  });
}

function sortKeys(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
