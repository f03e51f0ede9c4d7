import { ESCALATION_LABEL, LEVEL_SELECTORS, REMEDIATION_ACTION_LABEL } from '../alerting/escalation';
import { ESCALATION_LEVELS, EnvironmentProfile, EscalationLevel, escalationDelay } from '../core/environment';
import { ValidationError } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { TENANT_TIERS, TenantTier } from '../core/tenant';
import { AlertRule, RuleGroup, Severity } from './model';
import { PackOptions, runbookUrl, withLinks } from './packs/common';
import { promqlString } from './tenant-matcher';

/** The label of an escalation alert that names the alert it escalates. */
export const ESCALATED_ALERTNAME_LABEL = 'escalated_alertname';

/** The label of an escalation alert that keeps the escalated alert's own severity. */
export const ESCALATED_SEVERITY_LABEL = 'escalated_severity';

/** An alert labelled `escalate="false"` never escalates over time. */
export const ESCALATE_LABEL = 'escalate';

/** The name of the escalation rule group. */
export const ESCALATION_GROUP_NAME = 'escalation';

/** The runbook all escalation alerts share. */
export const ESCALATION_RUNBOOK = 'AlertEscalation';

/** The severity of an escalation alert by the level it escalates to (the routing reads the `escalation` label first). */
export const ESCALATION_SEVERITY: Readonly<Record<EscalationLevel, Severity>> = { L1: 'info', L2: 'warning', L3: 'critical', L4: 'critical' };

/** The alert that fires when an alert escalates to `level`: `AlertEscalatedToL2` .. `AlertEscalatedToL4`. */
export function escalationAlertName(level: EscalationLevel): string {
  return `AlertEscalatedTo${level}`;
}

/** Options of the escalation rules. */
export interface EscalationRuleOptions extends PackOptions {
  /** The tenant's tier: multiplies every delay by `TIER_ESCALATION_FACTOR[tier]`. @default 'standard' */
  readonly tier?: TenantTier;
  /**
   * `tenant`: the group is tenant-scoped, so rendered for a tenant it reads only that tenant's
   * `ALERTS`. `platform`: it reads the alerts without a `tenant` label (the platform's own) and
   * is not tenant-scoped.
   * @default 'tenant'
   */
  readonly scope?: 'tenant' | 'platform';
}

function promqlMatcher(label: string, op: string, value: string): string {
  return `${label}${op}${promqlString(value)}`;
}

/**
 * The ways an alert can be at `level`, as lists of PromQL matchers, from `LEVEL_SELECTORS` (the
 * table the Alertmanager routes implement, first match wins): each way is its own matchers plus
 * the negation of every earlier selector. Earlier selectors have one matcher each, so each
 * negation is one matcher; negations on a label the way pins with `=` are implied and left out,
 * and `!=` negations of one label merge into one `!~`.
 */
export function levelMatchers(level: EscalationLevel): string[][] {
  return LEVEL_SELECTORS.flatMap((selector, i) => {
    if (selector.level !== level) return [];
    const pinned = new Set(selector.matchers.filter((m) => m.op === '=').map((m) => m.label));
    const excluded = new Map<string, string[]>();
    const negations: string[] = [];
    for (const earlier of LEVEL_SELECTORS.slice(0, i)) {
      if (earlier.matchers.length !== 1) throw new ValidationError('<escalation>', 'LEVEL_SELECTORS', earlier.matchers.map(String), 'one matcher per level selector');
      const m = earlier.matchers[0];
      if (pinned.has(m.label)) continue;
      if (m.op === '=') excluded.set(m.label, [...(excluded.get(m.label) ?? []), m.value]);
      else negations.push(promqlMatcher(m.label, { '!=': '=', '=~': '!~', '!~': '=~' }[m.op], m.value));
    }
    const merged = [...excluded].map(([label, values]) => (values.length === 1
      ? promqlMatcher(label, '!=', values[0])
      : promqlMatcher(label, '!~', values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'))));
    return [[...selector.matchers.map((m) => promqlMatcher(m.label, m.op, m.value)), ...merged, ...negations]];
  });
}

/**
 * The expression of the escalation alert to `target`: every alert firing at the level below,
 * one series per alert, without `alertstate` and `remediation_action` (an escalation is for
 * people: automatic remediation had its turn at L1 and must not act on it again). Alerts raised by the packs get
 * `escalated_alertname` and `escalated_severity` from their own `alertname` and `severity`;
 * escalation alerts of the level below (they carry `escalated_alertname` already) keep theirs,
 * so the chain L2 → L3 → L4 follows one original alert.
 */
export function escalationExpr(target: EscalationLevel, scope: 'tenant' | 'platform' = 'tenant'): string {
  const from = previousLevel(target);
  const common = ['alertstate="firing"', ...(scope === 'platform' ? [`${TENANT_LABEL}=""`] : [])];
  const alerts = (matchers: string[]): string => `ALERTS{${matchers.join(', ')}}`;
  const originals = levelMatchers(from)
    .map((m) => alerts([...common, `${ESCALATED_ALERTNAME_LABEL}=""`, `${ESCALATE_LABEL}!="false"`, ...m]))
    .join(' or ');
  const relabelled = `label_replace(label_replace(max without (alertstate, ${REMEDIATION_ACTION_LABEL}) (${originals}), `
    + `"${ESCALATED_ALERTNAME_LABEL}", "$1", "alertname", "(.+)"), "${ESCALATED_SEVERITY_LABEL}", "$1", "severity", "(.*)")`;
  // Escalation alerts start at L2, so the chain only continues from L2 upwards.
  if (from === ESCALATION_LEVELS[0]) return relabelled;
  const chain = alerts([...common, `${ESCALATED_ALERTNAME_LABEL}!=""`, `${ESCALATION_LABEL}=${promqlString(from)}`]);
  return `${relabelled} or max without (alertstate) (${chain})`;
}

function previousLevel(target: EscalationLevel): EscalationLevel {
  const i = ESCALATION_LEVELS.indexOf(target);
  if (i < 1) throw new ValidationError('<escalation>', 'level', target, `a level to escalate to: ${ESCALATION_LEVELS.slice(1).join(', ')}`);
  return ESCALATION_LEVELS[i - 1];
}

/**
 * Time-based escalation as Prometheus rules (Alertmanager has none). For each level N from L1 to
 * L3, `AlertEscalatedTo<N+1>` fires for every alert that has been firing at level N for longer
 * than `escalationDelay(profile, N, tier)`: the delay is the rule's `for`, counted from the first
 * evaluation that sees the alert firing in `ALERTS`. The escalation alert is labelled
 * `escalation="L<N+1>"`, so `AlertRouting` sends it to that level's receivers, and it carries the
 * escalated alert's labels plus `escalated_alertname` and `escalated_severity`. It is itself an
 * alert at level N+1, so it escalates further after that level's delay. When the original
 * resolves, its `ALERTS` series ends and the whole chain resolves on the next evaluation.
 */
export function escalationRuleGroup(profile: EnvironmentProfile, options: EscalationRuleOptions = {}): RuleGroup {
  const tier = options.tier ?? 'standard';
  if (!TENANT_TIERS.includes(tier)) throw new ValidationError('<escalation>', 'tier', tier, TENANT_TIERS.join(', '));
  const scope = options.scope ?? 'tenant';
  const rules: AlertRule[] = ESCALATION_LEVELS.slice(1).map((target) => {
    const from = previousLevel(target);
    const delay = escalationDelay(profile, from, tier);
    return withLinks({
      alert: escalationAlertName(target),
      expr: escalationExpr(target, scope),
      for: delay,
      severity: ESCALATION_SEVERITY[target],
      labels: { [ESCALATION_LABEL]: target },
      summary: `{{ $labels.${ESCALATED_ALERTNAME_LABEL} }}${scope === 'tenant' ? ' of {{ $labels.tenant }}' : ''} escalated to ${target}`,
      description: `{{ $labels.${ESCALATED_ALERTNAME_LABEL} }} has been firing at ${from} for more than ${delay.toPrometheus()} without being resolved; `
        + `it now reaches the ${target} receivers. Resolving it resolves this escalation.`,
      runbookUrl: runbookUrl(ESCALATION_RUNBOOK, options),
    }, options);
  });
  return { name: ESCALATION_GROUP_NAME, tenantScoped: scope === 'tenant', rules };
}
