import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction } from '../../imports/servicemonitor-monitoring.coreos.com';
import { Duration } from '../core/duration';
import { EnvironmentProfile } from '../core/environment';
import { COLLECT_LABELS, recommendedLabels, TENANT_LABEL } from '../core/labels';
import { ResolvedTenant, resolveTenant, TenantSpec } from '../core/tenant';
import { ValidationError } from '../core/errors';
import { ApplicationMetric, MetricCatalogue } from '../core/metric-catalogue';
import { isDnsLabel, validateDnsLabel, validateUrl } from '../core/validation';
import { tenantDatasourceUid } from '../grafana/datasources';
import { GrafanaDashboards } from '../grafana/grafana-dashboards';
import { RuleGroup } from '../prometheus/model';
import { escalationRuleGroup } from '../prometheus/escalation';
import { AlertOverrideLayers, mergeAlertOverrides } from '../prometheus/overrides';
import { defaultTenantRuleGroups, TENANT_ALERT_THRESHOLDS, TenantAlertOverrides, TenantRuleOptions } from '../prometheus/packs';
import { PrometheusRules } from '../prometheus/prometheus-rules';
import { RuleLayout } from '../prometheus/aggregated';
import { TenantPackRules } from '../prometheus/tenant-pack-rules';
import { AutoScalingPolicy, AutoScalingPolicyProps } from '../scaling/auto-scaling-policy';
import { MlAnomalyJob, MlAnomalyJobProps, MlDriftJob, MlDriftJobProps } from '../ml/ml-jobs';
import { TenantNamespace } from './tenant-namespace';

/** How the tenant's applications are scraped. */
export interface ApplicationScrapeOptions {
  /** Label that marks a tenant Service for scraping (value `"true"`). @default 'monitoring.cdk8s.io/scrape' */
  readonly selectorLabel?: string;
  /** Named Service port that serves metrics. @default 'metrics' */
  readonly port?: string;
  /** HTTP path of the metrics endpoint. @default '/metrics' */
  readonly path?: string;
  /** Scrape interval, as a `Duration` or a Prometheus duration string (`30s`). @default - the environment's scrape interval */
  readonly interval?: Duration | string;
}

/** An autoscaler for one of the tenant's workloads: `AutoScalingPolicy` props without the tenant and profile, which the stack supplies. */
export type TenantAutoscaling = Omit<AutoScalingPolicyProps, 'tenant' | 'profile' | 'prometheusUrl'> & {
  /** Construct id of the policy (stable: it is part of the object names' contract). */
  readonly id: string;
};

/** Platform-supplied fields of the ML jobs (the stack fills them in). */
export type PlatformSupplied = 'tenant' | 'namespace' | 'prometheusUrl' | 'pushgatewayUrl';

/** A model the tenant serves: drift monitoring of its features and, optionally, anomaly detection on its metrics. */
export interface TenantModel {
  /** The model's name (a DNS label); the `model` label of its metrics. */
  readonly name: string;
  /** Drift monitoring (`MlDriftJob`). */
  readonly drift: Omit<MlDriftJobProps, PlatformSupplied | 'model'>;
  /** Anomaly detection on the model's metrics (`MlAnomalyJob`). @default - none */
  readonly anomaly?: Omit<MlAnomalyJobProps, PlatformSupplied | 'model'>;
}

/** Properties of `TenantMonitoringStack`. */
export interface TenantMonitoringStackProps {
  /** The tenant. Its id must be a DNS-1123 label: it names the namespace. */
  readonly tenant: TenantSpec;
  /** The environment profile (dev, staging, prod or your own). */
  readonly environment: EnvironmentProfile;
  /** The namespace of the shared monitoring platform. @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** The platform Prometheus URL (KEDA scalers query it). @default - `http://prometheus.<monitoringNamespace>.svc:9090` */
  readonly prometheusUrl?: string;
  /** How the tenant's applications are scraped. @default - Services labelled `monitoring.cdk8s.io/scrape: "true"`, port `metrics`, `/metrics` */
  readonly scrape?: ApplicationScrapeOptions;
  /** Rule groups of the tenant's own, added to the defaults. Tenant-scoped unless a group says otherwise. @default - none */
  readonly ruleGroups?: ReadonlyArray<RuleGroup>;
  /**
   * Options of the default rule packs (SLOs, system, application, ML, business, security,
   * anomaly): runbook base URL, dashboard link and each pack's named thresholds.
   * @default - the packs' defaults, thresholds from the environment profile
   */
  readonly rulePacks?: TenantRuleOptions;
  /**
   * The environment's shared built-in rule packs (`TenantPackRules`, in the monitoring namespace).
   * With it the tenant's packs are evaluated there, once for all tenants, and its overrides
   * become threshold series and disable switches.
   * @default - none: the packs are copied into the tenant's own rules (`ruleLayout: 'per-tenant'`)
   */
  readonly packRules?: TenantPackRules;
  /**
   * Where the built-in rule packs are evaluated. `aggregated`: once for all tenants, in
   * `packRules` (needs it; per-tenant pack parameters in `rulePacks` are refused, since the shared
   * rules use the environment's; give them as `alertOverrides.tenant` thresholds). `per-tenant`:
   * a scoped copy in the tenant's own PrometheusRule, in its namespace (when `packRules` is given
   * too, the shared alerts are switched off for this tenant, so none fires twice).
   * @default - 'aggregated' when `packRules` is given, else 'per-tenant'
   */
  readonly ruleLayout?: RuleLayout;
  /** Leave out the default rule packs (only the baseline and `ruleGroups`). @default false */
  readonly withoutRulePacks?: boolean;
  /**
   * Per-alert overrides of the default rule packs (disable, thresholds, for, severity, labels,
   * annotations), in two layers: the environment's, then the tenant's over them. An unknown
   * alert or threshold fails with the valid names.
   * @default - no overrides
   */
  readonly alertOverrides?: AlertOverrideLayers<TenantAlertOverrides>;
  /** Leave out the time-based escalation rules (L1 → L4 after each level's delay for the tenant's tier). @default false */
  readonly withoutEscalation?: boolean;
  /** Autoscalers for the tenant's workloads (HPA, KEDA or predictive). More with `addAutoScaling()`. @default - none */
  readonly autoscaling?: ReadonlyArray<TenantAutoscaling>;
  /** The tenant's ML models: a drift job each, and anomaly jobs where asked. More with `addModel()`. @default - none */
  readonly models?: ReadonlyArray<TenantModel>;
  /** The Pushgateway the ML jobs push to. @default - `http://pushgateway.<monitoringNamespace>.svc:9091` */
  readonly pushgatewayUrl?: string;
  /**
   * Metrics of the tenant's own applications, outside the documented convention, that its rules,
   * dashboards or autoscalers read: added to the app's `MetricCatalogue`, so synth accepts them.
   * @default - none (only the catalogue's metrics)
   */
  readonly applicationMetrics?: ReadonlyArray<ApplicationMetric>;
}

/**
 * Everything one tenant gets, composed: an isolated namespace (PSS restricted, quotas, limits,
 * default-deny network policies), a ServiceMonitor for the tenant's applications that stamps the
 * tenant label on every series, and the tenant's PrometheusRules, scoped to the tenant.
 *
 * It is a `Construct`, not a `Chart`, so one environment chart can hold many tenants.
 */
export class TenantMonitoringStack extends Construct {
  /** The validated tenant with defaults applied. */
  public readonly tenant: ResolvedTenant;
  /** The environment profile. */
  public readonly environment: EnvironmentProfile;
  /** The tenant's namespace. */
  public readonly namespace: string;
  /** The tenant's rules; add groups with `rules.addGroup()`. */
  public readonly rules: PrometheusRules;
  /** The monitoring namespace of the shared platform. */
  public readonly monitoringNamespace: string;
  /** The platform Prometheus URL. */
  public readonly prometheusUrl: string;
  /** The Pushgateway URL the ML jobs push to. */
  public readonly pushgatewayUrl: string;
  /** Where the tenant's built-in rule packs are evaluated. */
  public readonly ruleLayout: RuleLayout;
  /** The tenant's rules beside the shared packs (threshold series, disable switches, its own copies of alerts), when it has overrides in the aggregated layout. */
  public readonly packOverrides?: PrometheusRules;
  /** The tenant's dashboards; add your own with `dashboards.addDashboard()`. */
  public readonly dashboards: GrafanaDashboards;

  constructor(scope: Construct, id: string, props: TenantMonitoringStackProps) {
    super(scope, id);
    this.tenant = resolveTenant(props.tenant, this);
    this.environment = props.environment;
    this.namespace = this.tenant.id;
    const monitoringNamespace = validateDnsLabel(props.monitoringNamespace ?? 'monitoring', this, 'monitoringNamespace');
    if (monitoringNamespace === this.namespace) {
      throw new ValidationError(this, 'tenant.id', this.tenant.id, `a tenant id other than the monitoring namespace "${monitoringNamespace}"`);
    }
    this.monitoringNamespace = monitoringNamespace;
    for (const m of props.applicationMetrics ?? []) MetricCatalogue.of(this).addApplicationMetric(m);
    this.prometheusUrl = props.prometheusUrl ? validateUrl(props.prometheusUrl, this, 'prometheusUrl') : `http://prometheus.${monitoringNamespace}.svc:9090`;
    this.pushgatewayUrl = props.pushgatewayUrl ? validateUrl(props.pushgatewayUrl, this, 'pushgatewayUrl') : `http://pushgateway.${monitoringNamespace}.svc:9091`;
    const environmentLabels = { environment: props.environment.name };

    const scrape = props.scrape ?? {};
    const selectorLabel = scrape.selectorLabel ?? 'monitoring.cdk8s.io/scrape';
    const scrapeInterval = typeof scrape.interval === 'string'
      ? Duration.parse(scrape.interval, this, 'scrape.interval')
      : scrape.interval ?? props.environment.scrapeInterval;
    if (scrapeInterval.toSeconds() < 1) {
      throw new ValidationError(this, 'scrape.interval', scrapeInterval.toPrometheus(), 'a scrape interval of at least 1s');
    }
    if (scrape.port !== undefined && !isDnsLabel(scrape.port) || (scrape.port?.length ?? 0) > 15) {
      throw new ValidationError(this, 'scrape.port', scrape.port, 'a Service port name: at most 15 lower-case letters, digits and -');
    }
    // The scrape policy opens exactly the port the ServiceMonitor names.
    new TenantNamespace(this, 'Namespace', { tenant: this.tenant, monitoringNamespace, scrapePorts: [scrape.port ?? 'metrics'] });
    new ServiceMonitor(this, 'Applications', {
      metadata: {
        name: 'tenant-applications',
        namespace: this.namespace,
        labels: recommendedLabels({ name: 'tenant-applications', component: 'scrape', instance: this.tenant.id, tenant: this.tenant.id }, COLLECT_LABELS),
      },
      spec: {
        selector: { matchLabels: { [selectorLabel]: 'true' } },
        namespaceSelector: { matchNames: [this.namespace] },
        endpoints: [{
          port: scrape.port ?? 'metrics',
          path: scrape.path ?? '/metrics',
          interval: scrapeInterval.toPrometheus(),
          honorLabels: false,
          // Every series gets the tenant label, so tenant-scoped rules and dashboards can select on it.
          relabelings: [{ action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, targetLabel: TENANT_LABEL, replacement: this.tenant.id }],
        }],
      },
    });

    this.ruleLayout = props.ruleLayout ?? (props.packRules ? 'aggregated' : 'per-tenant');
    if (this.ruleLayout !== 'aggregated' && this.ruleLayout !== 'per-tenant') {
      throw new ValidationError(this, 'ruleLayout', this.ruleLayout, "'aggregated' or 'per-tenant'");
    }
    const aggregated = this.ruleLayout === 'aggregated' && !props.withoutRulePacks;
    const alertOverrides = props.alertOverrides ?? props.rulePacks?.alertOverrides;
    if (aggregated) {
      if (!props.packRules) throw new ValidationError(this, 'packRules', undefined, "the environment's TenantPackRules (ruleLayout 'aggregated' evaluates the packs there)");
      const params = Object.keys(props.rulePacks ?? {}).filter((k) => !['alertOverrides', 'location'].includes(k));
      if (params.length > 0) {
        throw new ValidationError(this, `rulePacks.${params[0]}`, params[0], "no per-tenant pack options with ruleLayout 'aggregated' (the shared packs use the environment's; set thresholds with alertOverrides.tenant, or use ruleLayout 'per-tenant')");
      }
      // The environment layer is the shared rules'; what this tenant sets differently is its own layer.
      this.packOverrides = props.packRules.addTenant(this.tenant.id, mergeAlertOverrides(alertOverrides?.environment, alertOverrides?.tenant));
    } else if (props.packRules) {
      // The shared packs read every tenant's series: switch them off for a tenant that has its own
      // copies (per-tenant) or none (withoutRulePacks).
      const off = Object.fromEntries(Object.keys(TENANT_ALERT_THRESHOLDS).map((alert) => [alert, { disable: true }]));
      this.packOverrides = props.packRules.addTenant(this.tenant.id, off);
    }

    this.rules = new PrometheusRules(this, 'Rules', {
      namespace: this.namespace,
      name: 'tenant-rules',
      tenant: this.tenant.id,
      ruleLabels: environmentLabels,
      groups: [
        ...baselineRuleGroups(),
        ...(props.withoutRulePacks || aggregated ? [] : defaultTenantRuleGroups(props.environment, this.tenant.id, { ...props.rulePacks, alertOverrides, location: this })),
        ...(props.ruleGroups ?? []),
        ...(props.withoutEscalation ? [] : [escalationRuleGroup(props.environment, { tier: this.tenant.tier, runbookBaseUrl: props.rulePacks?.runbookBaseUrl })]),
      ],
    });

    // The tenant's dashboards, in its own Grafana folder, reading its own datasources.
    this.dashboards = new GrafanaDashboards(this, 'Dashboards', {
      namespace: monitoringNamespace,
      tenant: { id: this.tenant.id, displayName: this.tenant.displayName },
      environment: props.environment,
      datasources: { prometheus: tenantDatasourceUid('prometheus', this.tenant.id), audit: tenantDatasourceUid('audit', this.tenant.id) },
    });

    for (const a of props.autoscaling ?? []) this.addAutoScaling(a);
    for (const m of props.models ?? []) this.addModel(m);
  }

  /**
   * Monitor one of the tenant's models: a drift CronJob (and an anomaly CronJob when asked) in
   * the monitoring namespace, reading the shared Prometheus on the tenant's behalf so tenant pods
   * never need access to it. The ML rule pack alerts on what they push.
   */
  public addModel(model: TenantModel): { drift: MlDriftJob; anomaly?: MlAnomalyJob } {
    const platform = { tenant: this.tenant.id, namespace: this.monitoringNamespace, prometheusUrl: this.prometheusUrl, pushgatewayUrl: this.pushgatewayUrl };
    const drift = new MlDriftJob(this, `Drift-${model.name}`, { ...model.drift, ...platform, model: model.name });
    // The job flags points at the threshold the alert and the dashboards read, unless the model sets its own.
    const anomaly = model.anomaly
      ? new MlAnomalyJob(this, `Anomaly-${model.name}`, { threshold: this.environment.thresholds.anomalyScore, ...model.anomaly, ...platform, model: model.name })
      : undefined;
    return { drift, anomaly };
  }

  /** Add an autoscaler for one of the tenant's workloads; the tenant and environment are filled in. */
  public addAutoScaling(options: TenantAutoscaling): AutoScalingPolicy {
    const { id, ...rest } = options;
    return new AutoScalingPolicy(this, `Scaling-${id}`, { ...rest, tenant: this.tenant.id, profile: this.environment, prometheusUrl: this.prometheusUrl });
  }
}

/** The rules every tenant gets regardless of rule packs: its scrape targets are up. */
export function baselineRuleGroups(): RuleGroup[] {
  return [{
    name: 'tenant-baseline',
    rules: [{
      alert: 'TenantTargetDown',
      expr: 'up == 0',
      for: Duration.minutes(5),
      severity: 'warning',
      summary: 'Scrape target {{ $labels.instance }} of tenant {{ $labels.tenant }} is down',
      description: 'Prometheus has not been able to scrape {{ $labels.job }} on {{ $labels.instance }} for 5 minutes; its metrics and alerts are blind.',
      runbookUrl: 'https://github.com/cdk8s-tenant-monitoring/cdk8s-tenant-monitoring/blob/main/docs/runbooks/TenantTargetDown.md',
    }],
  }];
}

