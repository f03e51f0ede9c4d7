import { Construct } from 'constructs';
import { Duration } from '../core/duration';
import { ValidationError } from '../core/errors';
import { MetricCatalogue } from '../core/metric-catalogue';
import { validateDnsLabel, validateUrl } from '../core/validation';
import { DriftMethod } from './drift-method';
import {
  AnomalyJobConfig, AnomalySeriesSpec, anomalyJobConfigToJson, DEFAULT_ANOMALY_PUSH_JOB, DEFAULT_ANOMALY_THRESHOLD, DEFAULT_DRIFT_PUSH_JOB,
  DEFAULT_HTTP_POLICY, DriftJobConfig, driftJobConfigToJson, DriftSource, FeatureSpec, ForestSpec, parseAnomalyJobConfig, parseDriftJobConfig, WindowSpec,
} from './model';
import { RuntimeCronJob, RuntimeJobScheduleOptions } from './runtime-cron-job';
import { k8s } from 'cdk8s-plus-28';
import { clientLabels, PLATFORM_POD_LABELS, urlEgressRule } from '../core/network';

/** What every ML job needs to know about the platform. */
export interface MlJobPlatformProps {
  /** The tenant the model belongs to. */
  readonly tenant: string;
  /** Namespace the job runs in: the platform's monitoring namespace, so tenant pods never query the shared Prometheus. */
  readonly namespace: string;
  /** The Prometheus HTTP API the job reads. */
  readonly prometheusUrl: string;
  /** The Pushgateway the job pushes results to. */
  readonly pushgatewayUrl: string;
  /**
   * The tenant's namespace, pushed as the `namespace` label of the results so the tenant's rules
   * (scoped by Prometheus to their namespace) read them.
   * @default - the tenant id (a tenant's namespace is named after it)
   */
  readonly tenantNamespace?: string;
}

/**
 * The egress of an ML job: the Prometheus it reads and the Pushgateway it pushes to, each on its
 * URL's port (to the platform's pods when the URL names the platform Service in `namespace`,
 * else to the namespace the URL names), plus the sample URLs it downloads. A URL outside the
 * cluster fails with a `ValidationError` naming the field.
 */
function mlJobEgress(scope: Construct, props: MlJobPlatformProps, urls: ReadonlyArray<[string, string]>): k8s.NetworkPolicyEgressRule[] {
  const known = [
    { service: 'prometheus', namespace: props.namespace, podLabels: PLATFORM_POD_LABELS.prometheus },
    { service: 'pushgateway', namespace: props.namespace, podLabels: PLATFORM_POD_LABELS.pushgateway },
  ];
  return urls.map(([field, url]) => urlEgressRule(url, scope, field, { clientNamespace: props.namespace, known }));
}

/** Properties of `MlDriftJob`. */
export interface MlDriftJobProps extends MlJobPlatformProps, RuntimeJobScheduleOptions {
  /** The monitored model (a DNS label). */
  readonly model: string;
  /** The features to watch; each may override the methods and thresholds. */
  readonly features: ReadonlyArray<FeatureSpec>;
  /** Methods for features without their own. @default DriftMethod.defaults(): KS p < 0.05, PSI 0.1 warn / 0.25 alert, Jensen-Shannon 0.1 */
  readonly methods?: ReadonlyArray<DriftMethod>;
  /** Baseline window. @default - 7d ending 1d ago */
  readonly referenceWindow?: WindowSpec;
  /** Window compared with the baseline. @default - the last 1d */
  readonly currentWindow?: WindowSpec;
  /** Where the samples come from. @default - feature histograms from `prometheusUrl` */
  readonly source?: DriftSource;
}

/**
 * One CronJob per monitored model that compares the current distribution of each feature with a
 * reference window (Kolmogorov-Smirnov, PSI, Jensen-Shannon) and pushes `ml_drift_score`,
 * `ml_drift_detected` and `ml_drift_last_success_timestamp_seconds` to the Pushgateway, where the
 * ML rule pack alerts on them. Its NetworkPolicy admits nothing and lets it reach only the
 * Prometheus it reads (or the sample URLs) and the Pushgateway.
 */
export class MlDriftJob extends Construct {
  /** The validated job configuration (what the ConfigMap holds). */
  public readonly config: DriftJobConfig;
  /** The CronJob. */
  public readonly job: RuntimeCronJob;

  constructor(scope: Construct, id: string, props: MlDriftJobProps) {
    super(scope, id);
    validateDnsLabel(props.model, this, 'model');
    validateUrl(props.prometheusUrl, this, 'prometheusUrl');
    validateUrl(props.pushgatewayUrl, this, 'pushgatewayUrl');
    const draft: DriftJobConfig = {
      tenant: props.tenant,
      model: props.model,
      features: [...props.features],
      methods: [...(props.methods ?? DriftMethod.defaults())],
      windows: {
        reference: props.referenceWindow ?? { range: Duration.days(7), offset: Duration.days(1) },
        current: props.currentWindow ?? { range: Duration.days(1), offset: Duration.seconds(0) },
      },
      source: props.source ?? { type: 'prometheus', url: props.prometheusUrl, tenantLabel: 'tenant', modelLabel: 'model', categoryLabel: 'category' },
      pushgateway: { url: props.pushgatewayUrl, job: DEFAULT_DRIFT_PUSH_JOB, grouping: { namespace: props.tenantNamespace ?? props.tenant } },
      http: DEFAULT_HTTP_POLICY,
    };
    // The program parses exactly this JSON; parsing it here rejects at synth what it would reject at run time.
    this.config = reanchor(this, () => parseDriftJobConfig(driftJobConfigToJson(draft)));
    // A feature's metric is declared by the config that reads it: the application exposes it.
    const catalogue = MetricCatalogue.of(this);
    for (const f of this.config.features) {
      if (f.metric === undefined) continue;
      const read = f.kind === 'numeric' ? `${f.metric}_bucket` : f.metric;
      catalogue.addApplicationMetric({ name: read, description: `feature ${f.name} of model ${props.model} (${f.kind}), read by the drift job` });
    }
    const source = this.config.source;
    const urls: Array<[string, string]> = source.type === 'prometheus'
      ? [[props.source ? 'source.url' : 'prometheusUrl', source.url]]
      : [['source.reference', source.reference], ['source.current', source.current]].filter((u): u is [string, string] => /^https?:\/\//.test(u[1]));
    this.job = new RuntimeCronJob(this, 'Job', {
      ...props,
      egress: mlJobEgress(this, props, [...urls, ['pushgatewayUrl', props.pushgatewayUrl]]),
      podLabels: clientLabels('prometheus', 'pushgateway'),
      name: `drift-${props.tenant}-${props.model}`,
      program: 'drift',
      component: 'ml-drift',
      config: { fileName: 'drift.json', content: `${JSON.stringify(driftJobConfigToJson(this.config), null, 2)}\n` },
    });
  }
}

/** Properties of `MlAnomalyJob`. */
export interface MlAnomalyJobProps extends MlJobPlatformProps, RuntimeJobScheduleOptions {
  /** The model (or service) whose metrics are scored (a DNS label). */
  readonly model: string;
  /** The dimensions of the metric vectors: PromQL queries that each return one series. */
  readonly series: ReadonlyArray<AnomalySeriesSpec>;
  /** History the forest is trained on. @default Duration.days(7) */
  readonly trainingRange?: Duration;
  /** Recent span whose points are scored. @default Duration.hours(1) */
  readonly scoringRange?: Duration;
  /** Resolution of the range queries. @default Duration.minutes(5) */
  readonly step?: Duration;
  /** Isolation forest parameters. @default - 100 trees of 256 points, seed 1 */
  readonly forest?: Partial<ForestSpec>;
  /**
   * Score (0..1) at or above which a point is anomalous. `TenantMonitoringStack.addModel` passes the
   * environment's `thresholds.anomalyScore`, which the alert and the dashboards read too.
   * @default DEFAULT_ANOMALY_THRESHOLD (0.65)
   */
  readonly threshold?: number;
}

/**
 * A CronJob that trains an isolation forest on recent history of several metrics of a model and
 * pushes the anomaly scores of the latest points (`ml_anomaly_score`), on which the anomaly rules
 * alert when they stay high. Its NetworkPolicy admits nothing and lets it reach only the
 * Prometheus it reads and the Pushgateway.
 */
export class MlAnomalyJob extends Construct {
  /** The validated job configuration. */
  public readonly config: AnomalyJobConfig;
  /** The CronJob. */
  public readonly job: RuntimeCronJob;

  constructor(scope: Construct, id: string, props: MlAnomalyJobProps) {
    super(scope, id);
    validateDnsLabel(props.model, this, 'model');
    validateUrl(props.pushgatewayUrl, this, 'pushgatewayUrl');
    const draft: AnomalyJobConfig = {
      tenant: props.tenant,
      model: props.model,
      prometheusUrl: props.prometheusUrl,
      series: [...props.series],
      trainingRange: props.trainingRange ?? Duration.days(7),
      scoringRange: props.scoringRange ?? Duration.hours(1),
      step: props.step ?? Duration.minutes(5),
      forest: { trees: 100, subsampleSize: 256, seed: 1, ...(props.forest ?? {}) },
      threshold: props.threshold ?? DEFAULT_ANOMALY_THRESHOLD,
      pushgateway: { url: props.pushgatewayUrl, job: DEFAULT_ANOMALY_PUSH_JOB, grouping: { namespace: props.tenantNamespace ?? props.tenant } },
      http: DEFAULT_HTTP_POLICY,
    };
    this.config = reanchor(this, () => parseAnomalyJobConfig(anomalyJobConfigToJson(draft)));
    this.job = new RuntimeCronJob(this, 'Job', {
      schedule: '*/15 * * * *',
      ...props,
      egress: mlJobEgress(this, props, [['prometheusUrl', props.prometheusUrl], ['pushgatewayUrl', props.pushgatewayUrl]]),
      podLabels: clientLabels('prometheus', 'pushgateway'),
      name: `anomaly-${props.tenant}-${props.model}`,
      program: 'anomaly',
      component: 'ml-anomaly',
      config: { fileName: 'anomaly.json', content: `${JSON.stringify(anomalyJobConfigToJson(this.config), null, 2)}\n` },
    });
  }
}

/** Run a model-level parse and report its errors at the construct, under `config.`. */
function reanchor<T>(scope: Construct, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ValidationError) throw ValidationError.rebase(scope, e, 'config.');
    throw e;
  }
}
