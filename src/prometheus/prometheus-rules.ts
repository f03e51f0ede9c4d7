import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { ValidationError } from '../core/errors';
import { COLLECT_LABELS, recommendedLabels } from '../core/labels';
import { MetricCatalogue } from '../core/metric-catalogue';
import { objectName } from '../core/naming';
import { validateDnsLabel, validateDnsSubdomain } from '../core/validation';
import { isAlertRule, RenderedGroup, renderRuleGroup, RuleGroup, validateRuleGroups } from './model';
import { listMetricNames } from './tenant-matcher';

/** Properties of `PrometheusRules`. */
export interface PrometheusRulesProps {
  /** Namespace of the PrometheusRule object. */
  readonly namespace: string;
  /** Object name. @default - derived from the tenant (if any) and the construct id */
  readonly name?: string;
  /** Rule groups. More can be added with `addGroup()`. @default - none */
  readonly groups?: ReadonlyArray<RuleGroup>;
  /**
   * The tenant whose workloads the tenant-scoped groups watch: every selector of those groups gets
   * `tenant="<id>"` and every rule the `tenant` label.
   * @default - platform rules, no tenant scoping
   */
  readonly tenant?: string;
  /** Labels added to every rule (e.g. `{ environment: 'prod' }`). @default - none */
  readonly ruleLabels?: Readonly<Record<string, string>>;
  /** Extra labels on the PrometheusRule object. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A prometheus-operator `PrometheusRule` rendered from a typed rule model. Expressions are parsed
 * at synth, duplicate names are rejected, and tenant-scoped groups are rewritten to read only the
 * tenant's series.
 *
 * @example
 * const rules = new PrometheusRules(this, 'Rules', { namespace: 'acme', tenant: 'acme' });
 * rules.addGroup({ name: 'api', rules: [{ alert: 'ApiDown', expr: 'up{job="api"} == 0', ... }] });
 */
export class PrometheusRules extends Construct {
  /** The PrometheusRule object's name. */
  public readonly name: string;
  /** The PrometheusRule object's namespace. */
  public readonly namespace: string;
  /** The tenant the rules are scoped to, if any. */
  public readonly tenant?: string;
  private readonly groups: RuleGroup[] = [];
  private readonly rendered: RenderedGroup[] = [];
  private readonly ruleLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: PrometheusRulesProps) {
    super(scope, id);
    validateDnsLabel(props.namespace, this, 'namespace');
    if (props.tenant !== undefined) validateDnsLabel(props.tenant, this, 'tenant');
    this.namespace = props.namespace;
    this.tenant = props.tenant;
    this.ruleLabels = props.ruleLabels ?? {};
    this.name = validateDnsSubdomain(props.name ?? objectName([props.tenant ?? '', id.toLowerCase()]), this, 'name');
    for (const g of props.groups ?? []) this.addGroup(g);
    // Whole-tree check: a rule added anywhere in the app may record what these rules read.
    this.node.addValidation({ validate: () => this.unproducedMetrics() });

    new PrometheusRule(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: recommendedLabels({ name: 'prometheus-rules', component: 'rules', instance: this.name, tenant: this.tenant }, { ...props.labels, ...COLLECT_LABELS }),
      },
      // Rendered at synth so groups added after construction are included; a boundary cast to the generated type.
      spec: Lazy.any({ produce: () => toSpec(this.renderGroups()) }) as unknown as PrometheusRuleSpec,
    });
  }

  /**
   * Add a rule group. It is validated at once, together with the groups already added (names,
   * duplicates, PromQL), and rendered once (tenant scoping).
   */
  public addGroup(group: RuleGroup): void {
    validateRuleGroups([...this.groups, group], this);
    const rendered = renderRuleGroup(group, this.groups.length, { tenant: this.tenant, commonLabels: this.ruleLabels, location: this });
    this.groups.push(group);
    this.rendered.push(rendered);
    const catalogue = MetricCatalogue.of(this);
    for (const r of group.rules) if (!isAlertRule(r)) catalogue.addRecordedMetric(r.record);
  }

  /** The rule groups, rendered in the upstream format (what `promtool check rules` reads). */
  public renderGroups(): RenderedGroup[] {
    return [...this.rendered];
  }

  /**
   * Every metric a rule reads must be produced: by the app's metric catalogue (exporters, jobs,
   * the application convention, metrics added with `addApplicationMetric`) or by a recording rule.
   */
  private unproducedMetrics(): string[] {
    const catalogue = MetricCatalogue.of(this);
    return this.rendered.flatMap((g, gi) => g.rules.flatMap((r, ri) => listMetricNames(r.expr)
      .filter((metric) => !catalogue.isProduced(metric))
      .map((metric) => new ValidationError(this, `groups[${gi}](${g.name}).rules[${ri}].expr`, metric,
        'a metric of the metric catalogue, one recorded by a rule of the app, or one added with MetricCatalogue.of(app).addApplicationMetric()',
        `read by ${r.alert !== undefined ? `alert ${r.alert}` : `recording rule ${r.record}`} of PrometheusRule ${this.namespace}/${this.name}; nothing produces it`).message)));
  }

  /** Names of every alert in these rules. */
  public get alertNames(): string[] {
    return this.groups.flatMap((g) => g.rules.filter(isAlertRule).map((r) => r.alert));
  }

  /** The groups as given (not rendered). */
  public get ruleGroups(): ReadonlyArray<RuleGroup> {
    return [...this.groups];
  }
}

/** The generated class serializes `expr` from its int-or-string wrapper; wrap every expression. */
function toSpec(groups: RenderedGroup[]): PrometheusRuleSpec {
  return {
    groups: groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
    })),
  };
}
