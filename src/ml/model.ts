import { Duration } from '../core/duration';
import { DEFAULT_ANOMALY_SCORE_THRESHOLD } from '../core/environment';
import { validateDnsLabel, validateLabelName, validateMetricName, validatePromQL, validateUrl } from '../core/validation';
import { DriftMethod, DriftMethodJson, FeatureKindName } from './drift-method';
import { JsonFields, parseJsonText } from './json-fields';

/** Where errors in a drift job configuration are reported. */
export const DRIFT_CONFIG_LOCATION = 'DriftJobConfig';
/** Where errors in an anomaly job configuration are reported. */
export const ANOMALY_CONFIG_LOCATION = 'AnomalyJobConfig';

/** A feature monitored for drift. */
export interface FeatureSpec {
  /** Feature name: the column (CSV), key (JSON lines) or label of the samples. */
  readonly name: string;
  /** `numeric` values, or `categorical` values compared by category frequencies. */
  readonly kind: FeatureKindName;
  /**
   * Methods for this feature, replacing the job's list (thresholds per feature).
   * @default - the job's methods (KS is skipped for categorical features)
   */
  readonly methods?: readonly DriftMethod[];
  /**
   * Prometheus metric of the feature (Prometheus source only): a histogram base name for numeric
   * features (`<metric>_bucket` is queried), a counter with one series per category for categorical ones.
   */
  readonly metric?: string;
}

/** A time window relative to the evaluation time: `[now - offset - range, now - offset]`. */
export interface WindowSpec {
  /** Length of the window. */
  readonly range: Duration;
  /**
   * How far before the evaluation time the window ends.
   * @default Duration.seconds(0)
   */
  readonly offset: Duration;
}

/** Reference and current windows (used by the Prometheus source; sample files are the windows). */
export interface DriftWindows {
  /**
   * The baseline window.
   * @default - range 7d, offset 1d (the week before the current window)
   */
  readonly reference: WindowSpec;
  /**
   * The window compared against the baseline.
   * @default - range 1d, offset 0s
   */
  readonly current: WindowSpec;
}

/** Samples read from two files (path or http(s) URL), one per window. */
export interface SamplesSource {
  /** Discriminator. */
  readonly type: 'samples';
  /** `csv` (header row with feature names) or `jsonl` (one JSON object per line). */
  readonly format: 'csv' | 'jsonl';
  /** Path or http(s) URL of the reference samples. */
  readonly reference: string;
  /** Path or http(s) URL of the current samples. */
  readonly current: string;
}

/** Feature histograms read from the Prometheus HTTP API. */
export interface PrometheusSource {
  /** Discriminator. */
  readonly type: 'prometheus';
  /** Base URL of the Prometheus HTTP API (e.g. `http://prometheus:9090`). */
  readonly url: string;
  /**
   * Label holding the tenant on the feature metrics.
   * @default 'tenant'
   */
  readonly tenantLabel: string;
  /**
   * Label holding the model on the feature metrics.
   * @default 'model'
   */
  readonly modelLabel: string;
  /**
   * Label holding the category on categorical feature counters.
   * @default 'category'
   */
  readonly categoryLabel: string;
}

/** Where a drift job reads its data. */
export type DriftSource = SamplesSource | PrometheusSource;

/** Where results are pushed. */
export interface PushgatewayTarget {
  /** Base URL of the Pushgateway (e.g. `http://pushgateway:9091`). */
  readonly url: string;
  /** Value of the `job` grouping key. */
  readonly job: string;
  /**
   * More grouping-key labels, pushed as labels of every series. The platform sets `namespace` to
   * the tenant's namespace, so the tenant's rules (which Prometheus scopes to their namespace) see
   * the results.
   * @default - only job, tenant and model
   */
  readonly grouping?: Readonly<Record<string, string>>;
}

/** Retry and timeout policy for every HTTP request a program makes. */
export interface HttpPolicy {
  /**
   * Attempts per request (1 = no retry). Connection errors, timeouts and 5xx/429 answers are retried.
   * @default 3
   */
  readonly attempts: number;
  /**
   * Wait before the first retry; doubles on each further retry.
   * @default 500
   */
  readonly backoffMs: number;
  /**
   * Timeout of one attempt.
   * @default 10000
   */
  readonly timeoutMs: number;
}

/** The configuration of one drift job: one model of one tenant. */
export interface DriftJobConfig {
  /** Tenant id (a DNS label). */
  readonly tenant: string;
  /** Model name (a DNS label). */
  readonly model: string;
  /** The monitored features (at least one, unique names). */
  readonly features: readonly FeatureSpec[];
  /**
   * Methods run on every feature that does not override them.
   * @default DriftMethod.defaults() (KS p < 0.05, PSI 0.1 warn / 0.25 alert, Jensen-Shannon 0.1)
   */
  readonly methods: readonly DriftMethod[];
  /** Reference and current windows. */
  readonly windows: DriftWindows;
  /** Where samples or histograms come from. */
  readonly source: DriftSource;
  /**
   * Where results are pushed.
   * @default - no push; the JSON report on stdout only
   */
  readonly pushgateway?: PushgatewayTarget;
  /** Retry and timeout policy. */
  readonly http: HttpPolicy;
}

/** Default Pushgateway job name of drift jobs. */
export const DEFAULT_DRIFT_PUSH_JOB = 'ml-drift';
/** Default Pushgateway job name of anomaly jobs. */
export const DEFAULT_ANOMALY_PUSH_JOB = 'ml-anomaly';
/** Default anomaly score at or above which a point is anomalous: the built-in profiles' `thresholds.anomalyScore`. */
export const DEFAULT_ANOMALY_THRESHOLD = DEFAULT_ANOMALY_SCORE_THRESHOLD;
/** Default HTTP policy. */
export const DEFAULT_HTTP_POLICY: HttpPolicy = { attempts: 3, backoffMs: 500, timeoutMs: 10000 };

/** Parse and validate a drift job configuration from JSON text or an already parsed value. */
export function parseDriftJobConfig(json: unknown): DriftJobConfig {
  const L = DRIFT_CONFIG_LOCATION;
  const root = new JsonFields(L, '', typeof json === 'string' ? parseJsonText(json, L) : json);
  root.object(['tenant', 'model', 'features', 'methods', 'windows', 'source', 'pushgateway', 'http']);
  const tenant = root.child('tenant').validated(validateDnsLabel);
  const model = root.child('model').validated(validateDnsLabel);
  const source = parseSource(root.child('source'));
  const methodsField = root.child('methods');
  const methods = methodsField.missing ? DriftMethod.defaults() : parseMethods(methodsField);
  const seen = new Set<string>();
  const features = root.child('features').array(1).map((f): FeatureSpec => {
    f.object(['name', 'kind', 'methods', 'metric']);
    const name = f.child('name').string();
    if (seen.has(name)) f.child('name').fail('a feature name not used by an earlier feature');
    seen.add(name);
    const kind = f.child('kind').oneOf<FeatureKindName>(['numeric', 'categorical']);
    const mf = f.child('methods');
    const own = mf.missing ? undefined : parseMethods(mf);
    own?.forEach((m, i) => {
      if (!m.appliesTo(kind)) mf.fail('psi or jensenShannon for a categorical feature (ks needs numeric values)', `${mf.path}[${i}]`, m.name);
    });
    const metricField = f.child('metric');
    let metric: string | undefined;
    if (source.type === 'prometheus') {
      if (metricField.missing) metricField.fail('a Prometheus metric name (required when source.type is prometheus)');
      metric = metricField.validated(validateMetricName);
    } else if (!metricField.missing) {
      metricField.fail('nothing (metric is only used when source.type is prometheus)');
    }
    return { name, kind, ...(own ? { methods: own } : {}), ...(metric ? { metric } : {}) };
  });
  const windows = parseWindows(root.child('windows'));
  const pg = parsePushgateway(root.child('pushgateway'), DEFAULT_DRIFT_PUSH_JOB);
  return { tenant, model, features, methods, windows, source, ...(pg ? { pushgateway: pg } : {}), http: parseHttp(root.child('http')) };
}

/** The methods that run on `feature`: its own list, else the job's list minus methods that do not apply. */
export function methodsFor(config: DriftJobConfig, feature: FeatureSpec): readonly DriftMethod[] {
  return feature.methods ?? config.methods.filter((m) => m.appliesTo(feature.kind));
}

/** The JSON form of a drift job configuration, with every default written out (parses back to an equal config). */
export interface DriftJobConfigJson {
  readonly tenant: string;
  readonly model: string;
  readonly features: ReadonlyArray<{ readonly name: string; readonly kind: FeatureKindName; readonly methods?: readonly DriftMethodJson[]; readonly metric?: string }>;
  readonly methods: readonly DriftMethodJson[];
  readonly windows: { readonly reference: WindowJson; readonly current: WindowJson };
  readonly source: DriftSource;
  readonly pushgateway?: PushgatewayTarget;
  readonly http: HttpPolicy;
}

/** A window in JSON form. */
export interface WindowJson {
  readonly range: string;
  readonly offset: string;
}

/** Render a drift job configuration to its JSON form (what the construct puts into the ConfigMap). */
export function driftJobConfigToJson(config: DriftJobConfig): DriftJobConfigJson {
  return {
    tenant: config.tenant,
    model: config.model,
    features: config.features.map((f) => ({
      name: f.name,
      kind: f.kind,
      ...(f.methods ? { methods: f.methods.map((m) => m.toJson()) } : {}),
      ...(f.metric ? { metric: f.metric } : {}),
    })),
    methods: config.methods.map((m) => m.toJson()),
    windows: { reference: windowToJson(config.windows.reference), current: windowToJson(config.windows.current) },
    source: { ...config.source },
    ...(config.pushgateway ? { pushgateway: { ...config.pushgateway } } : {}),
    http: { ...config.http },
  };
}

/** Render a drift job configuration as pretty-printed JSON text. */
export function renderDriftJobConfig(config: DriftJobConfig): string {
  return `${JSON.stringify(driftJobConfigToJson(config), null, 2)}\n`;
}

/** A metric vector dimension of an anomaly job: one PromQL query returning exactly one series. */
export interface AnomalySeriesSpec {
  /** Name of the dimension (used in reports). */
  readonly name: string;
  /** PromQL evaluated with `query_range`; it must return exactly one series. */
  readonly query: string;
}

/** Isolation forest parameters. */
export interface ForestSpec {
  /**
   * Number of trees.
   * @default 100
   */
  readonly trees: number;
  /**
   * Points per tree.
   * @default 256
   */
  readonly subsampleSize: number;
  /**
   * Seed of the pseudo-random generator, so runs reproduce.
   * @default 1
   */
  readonly seed: number;
}

/** The configuration of one anomaly job. */
export interface AnomalyJobConfig {
  /** Tenant id (a DNS label). */
  readonly tenant: string;
  /** Model name (a DNS label). */
  readonly model: string;
  /** Base URL of the Prometheus HTTP API. */
  readonly prometheusUrl: string;
  /** The dimensions of the metric vectors (at least one, unique names). */
  readonly series: readonly AnomalySeriesSpec[];
  /**
   * History the forest is trained on (ending where the scoring window starts).
   * @default Duration.days(7)
   */
  readonly trainingRange: Duration;
  /**
   * Recent span whose points are scored.
   * @default Duration.hours(1)
   */
  readonly scoringRange: Duration;
  /**
   * Resolution of `query_range`.
   * @default Duration.minutes(5)
   */
  readonly step: Duration;
  /** Forest parameters. */
  readonly forest: ForestSpec;
  /**
   * Score at or above which a point counts as anomalous.
   * @default 0.65
   */
  readonly threshold: number;
  /**
   * Where results are pushed.
   * @default - no push; the JSON report on stdout only
   */
  readonly pushgateway?: PushgatewayTarget;
  /** Retry and timeout policy. */
  readonly http: HttpPolicy;
}

/** Parse and validate an anomaly job configuration from JSON text or an already parsed value. */
export function parseAnomalyJobConfig(json: unknown): AnomalyJobConfig {
  const L = ANOMALY_CONFIG_LOCATION;
  const root = new JsonFields(L, '', typeof json === 'string' ? parseJsonText(json, L) : json);
  root.object(['tenant', 'model', 'prometheusUrl', 'series', 'trainingRange', 'scoringRange', 'step', 'forest', 'threshold', 'pushgateway', 'http']);
  const seen = new Set<string>();
  const series = root.child('series').array(1).map((s) => {
    s.object(['name', 'query']);
    const name = s.child('name').string();
    if (seen.has(name)) s.child('name').fail('a series name not used by an earlier series');
    seen.add(name);
    return { name, query: s.child('query').validated(validatePromQL) };
  });
  const forestField = root.child('forest');
  if (!forestField.missing) forestField.object(['trees', 'subsampleSize', 'seed']);
  const forest: ForestSpec = {
    trees: forestField.child('trees').number(1, 10000, 100, true),
    subsampleSize: forestField.child('subsampleSize').number(2, 1_000_000, 256, true),
    seed: forestField.child('seed').number(0, 0xffffffff, 1, true),
  };
  const step = root.child('step').duration('5m');
  if (step.toMilliseconds() < 1000) root.child('step').fail('a duration of at least 1s');
  const pg = parsePushgateway(root.child('pushgateway'), DEFAULT_ANOMALY_PUSH_JOB);
  return {
    tenant: root.child('tenant').validated(validateDnsLabel),
    model: root.child('model').validated(validateDnsLabel),
    prometheusUrl: root.child('prometheusUrl').validated(validateUrl),
    series,
    trainingRange: positive(root.child('trainingRange'), '7d'),
    scoringRange: positive(root.child('scoringRange'), '1h'),
    step,
    forest,
    threshold: root.child('threshold').number(0, 1, DEFAULT_ANOMALY_THRESHOLD),
    ...(pg ? { pushgateway: pg } : {}),
    http: parseHttp(root.child('http')),
  };
}

/** The JSON form of an anomaly job configuration, with every default written out. */
export function anomalyJobConfigToJson(config: AnomalyJobConfig): Record<string, unknown> {
  return {
    tenant: config.tenant,
    model: config.model,
    prometheusUrl: config.prometheusUrl,
    series: config.series.map((s) => ({ ...s })),
    trainingRange: config.trainingRange.toPrometheus(),
    scoringRange: config.scoringRange.toPrometheus(),
    step: config.step.toPrometheus(),
    forest: { ...config.forest },
    threshold: config.threshold,
    ...(config.pushgateway ? { pushgateway: { ...config.pushgateway } } : {}),
    http: { ...config.http },
  };
}

/** Render an anomaly job configuration as pretty-printed JSON text. */
export function renderAnomalyJobConfig(config: AnomalyJobConfig): string {
  return `${JSON.stringify(anomalyJobConfigToJson(config), null, 2)}\n`;
}

function parseMethods(f: JsonFields): DriftMethod[] {
  const methods = f.array(1).map((m) => DriftMethod.fromJson(m.value, f.location, m.path));
  const names = methods.map((m) => m.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) f.fail(`each method at most once`, `${f.path}[${i}]`, n);
  });
  return methods;
}

function parseSource(f: JsonFields): DriftSource {
  f.object(['type', 'format', 'reference', 'current', 'url', 'tenantLabel', 'modelLabel', 'categoryLabel']);
  const type = f.child('type').oneOf(['samples', 'prometheus'] as const);
  if (type === 'samples') {
    f.object(['type', 'format', 'reference', 'current']);
    const reference = f.child('reference').string();
    const current = f.child('current').string();
    const inferred = reference.endsWith('.jsonl') || reference.endsWith('.ndjson') ? 'jsonl' : 'csv';
    const format = f.child('format').oneOf(['csv', 'jsonl'] as const, inferred);
    return { type, format, reference, current };
  }
  f.object(['type', 'url', 'tenantLabel', 'modelLabel', 'categoryLabel']);
  return {
    type,
    url: f.child('url').validated(validateUrl),
    tenantLabel: f.child('tenantLabel').validated(validateLabelName, 'tenant'),
    modelLabel: f.child('modelLabel').validated(validateLabelName, 'model'),
    categoryLabel: f.child('categoryLabel').validated(validateLabelName, 'category'),
  };
}

function parseWindows(f: JsonFields): DriftWindows {
  if (!f.missing) f.object(['reference', 'current']);
  const window = (w: JsonFields, range: string, offset: string): WindowSpec => {
    if (!w.missing) w.object(['range', 'offset']);
    return { range: positive(w.child('range'), range), offset: w.child('offset').duration(offset) };
  };
  return { reference: window(f.child('reference'), '7d', '1d'), current: window(f.child('current'), '1d', '0s') };
}

function windowToJson(w: WindowSpec): WindowJson {
  return { range: w.range.toPrometheus(), offset: w.offset.toPrometheus() };
}

function positive(f: JsonFields, fallback: string): Duration {
  const d = f.duration(fallback);
  if (d.toMilliseconds() <= 0) f.fail('a duration longer than 0s');
  return d;
}

function parsePushgateway(f: JsonFields, defaultJob: string): PushgatewayTarget | undefined {
  if (f.missing) return undefined;
  f.object(['url', 'job', 'grouping']);
  const target = { url: f.child('url').validated(validateUrl), job: f.child('job').validated(validateDnsLabel, defaultJob) };
  const g = f.child('grouping');
  if (g.missing) return target;
  const grouping: Record<string, string> = {};
  for (const [key, field] of g.entries()) {
    if (['job', 'tenant', 'model'].includes(key)) g.fail('labels other than job, tenant and model (the program sets those)', field.path, key);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key) || key.startsWith('__')) g.fail('Prometheus label names', field.path, key);
    grouping[key] = field.string();
  }
  return { ...target, grouping };
}

function parseHttp(f: JsonFields): HttpPolicy {
  if (f.missing) return { ...DEFAULT_HTTP_POLICY };
  f.object(['attempts', 'backoffMs', 'timeoutMs']);
  return {
    attempts: f.child('attempts').number(1, 20, DEFAULT_HTTP_POLICY.attempts, true),
    backoffMs: f.child('backoffMs').number(0, 600000, DEFAULT_HTTP_POLICY.backoffMs, true),
    timeoutMs: f.child('timeoutMs').number(1, 600000, DEFAULT_HTTP_POLICY.timeoutMs, true),
  };
}
