import { SecretKeyRef } from '../core/secret-ref';
import { Duration } from '../core/duration';
import { RECORDED_METRICS } from '../core/metric-catalogue';

/** A Kubernetes quantity (`'500m'`, `'2'`, `'10k'`) or a plain positive number. */
export type MetricQuantity = string | number;

/** How a custom metric is compared with its target. */
export type MetricTargetType = 'Value' | 'AverageValue';

/**
 * The target of a Pods, Object or External metric: the value the autoscaler steers towards.
 * `value` compares the metric as a whole; `averageValue` divides it by the number of pods first.
 */
export class MetricTarget {
  /** Keep the metric at `quantity` (Object and External metrics). */
  public static value(quantity: MetricQuantity): MetricTarget {
    return new MetricTarget('Value', quantity);
  }
  /** Keep the metric divided by the replica count at `quantity`. */
  public static averageValue(quantity: MetricQuantity): MetricTarget {
    return new MetricTarget('AverageValue', quantity);
  }
  private constructor(
    /** `Value` or `AverageValue`. */
    public readonly type: MetricTargetType,
    /** The target quantity. */
    public readonly quantity: MetricQuantity,
  ) {}
  /** How the target reads in messages. */
  public toString(): string {
    return `${this.type === 'Value' ? 'value' : 'averageValue'}(${JSON.stringify(this.quantity)})`;
  }
}

/** The object an Object metric describes (e.g. an Ingress or a Service in the target's namespace). */
export interface DescribedObject {
  /** API version, e.g. `networking.k8s.io/v1`. @default 'v1' */
  readonly apiVersion?: string;
  /** Kind, e.g. `Ingress`. */
  readonly kind: string;
  /** Object name. */
  readonly name: string;
}

/** Options of `ScalingTrigger.objectMetric`. */
export interface ObjectMetricOptions {
  /** The object whose metric is read. */
  readonly describedObject: DescribedObject;
  /** The metric name as the custom metrics API (prometheus-adapter) serves it. */
  readonly metricName: string;
  /** The target. */
  readonly target: MetricTarget;
  /** Extra label matches passed to the metrics API. @default - none */
  readonly selector?: Readonly<Record<string, string>>;
}

/** Options of `ScalingTrigger.prometheus` (KEDA). */
export interface PrometheusTriggerOptions {
  /** PromQL returning one sample. The tenant matcher is added to every selector unless `tenantScoped` is false. */
  readonly query: string;
  /** The value per replica: KEDA aims for `ceil(result / threshold)` replicas. Must be > 0. */
  readonly threshold: number;
  /** Above this value the workload wakes from zero replicas (only with `minReplicas: 0`). @default 0 */
  readonly activationThreshold?: number;
  /** Trigger name, unique in the policy (shown in KEDA's metric names). @default - `prometheus-<position>` */
  readonly name?: string;
  /** Add `tenant="<id>"` to every selector of `query`. @default true */
  readonly tenantScoped?: boolean;
  /** Whether an empty query result is an error (KEDA `ignoreNullValues: false`) rather than zero. @default false (empty is zero) */
  readonly failOnEmptyResult?: boolean;
}

/** Options of `ScalingTrigger.requestRateForecast` (predictive scaling, KEDA). */
export interface RequestRateForecastOptions {
  /**
   * A per-second request-rate series from the metric catalogue (or one added to it).
   * @default RECORDED_METRICS.httpRequestsRate5m (`tenant:http_requests:rate5m`, recorded by the application pack)
   */
  readonly metric?: string;
  /** Extra label matches on `metric`, e.g. `{ service: 'api' }`. @default - none */
  readonly matchers?: Readonly<Record<string, string>>;
  /** Requests per second one replica serves at the desired load. Must be > 0. */
  readonly perPodCapacity: number;
  /** History the linear fit uses. @default Duration.minutes(30) */
  readonly lookback?: Duration;
  /** How far ahead to forecast; set it to about the pods' start-up time plus one polling interval. @default Duration.minutes(10) */
  readonly horizon?: Duration;
  /** Forecast rate above which the workload wakes from zero replicas. @default 0 */
  readonly activationThreshold?: number;
}

/** Resource utilisation trigger data. */
export interface ResourceTriggerSpec {
  readonly type: 'resource';
  readonly resource: 'cpu' | 'memory';
  readonly utilizationPercent: number;
}
/** Pods metric trigger data. */
export interface PodsTriggerSpec {
  readonly type: 'pods';
  readonly metricName: string;
  readonly averageValue: MetricQuantity;
  readonly selector?: Readonly<Record<string, string>>;
}
/** Object metric trigger data. */
export interface ObjectTriggerSpec extends ObjectMetricOptions {
  readonly type: 'object';
}
/** External metric trigger data. */
export interface ExternalTriggerSpec {
  readonly type: 'external';
  readonly metricName: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly target: MetricTarget;
}
/** KEDA Prometheus trigger data. */
export interface PrometheusTriggerSpec extends PrometheusTriggerOptions {
  readonly type: 'prometheus';
}
/** Predictive trigger data. */
export interface ForecastTriggerSpec extends RequestRateForecastOptions {
  readonly type: 'forecast';
  readonly metric: string;
}

/** The data of any trigger, discriminated by `type`. */
export type TriggerSpec = ResourceTriggerSpec | PodsTriggerSpec | ObjectTriggerSpec | ExternalTriggerSpec | PrometheusTriggerSpec | ForecastTriggerSpec;

/** Which engine runs a policy: a plain HorizontalPodAutoscaler, or KEDA (which manages one). */
export type ScalingEngine = 'hpa' | 'keda';

/** Trigger types each engine understands. */
export const ENGINE_TRIGGERS: Readonly<Record<ScalingEngine, ReadonlyArray<TriggerSpec['type']>>> = {
  hpa: ['resource', 'pods', 'object', 'external'],
  keda: ['resource', 'prometheus', 'forecast'],
};

/**
 * One reason to scale. Resource and custom-metric triggers become HorizontalPodAutoscaler
 * `metrics`; Prometheus and forecast triggers become KEDA ScaledObject `triggers`. When several
 * triggers are given, the autoscaler runs the largest replica count any of them asks for.
 *
 * Values are checked when the trigger is added to an `AutoScalingPolicy`, so errors name the
 * policy's construct path and the trigger's position.
 */
export class ScalingTrigger {
  /** Keep average CPU usage at `utilizationPercent` of the pods' CPU requests (1..100). */
  public static cpu(utilizationPercent: number = 70): ScalingTrigger {
    return new ScalingTrigger({ type: 'resource', resource: 'cpu', utilizationPercent }, `ScalingTrigger.cpu(${utilizationPercent})`);
  }

  /** Keep average memory usage at `utilizationPercent` of the pods' memory requests (1..100). */
  public static memory(utilizationPercent: number = 80): ScalingTrigger {
    return new ScalingTrigger({ type: 'resource', resource: 'memory', utilizationPercent }, `ScalingTrigger.memory(${utilizationPercent})`);
  }

  /**
   * A per-pod custom metric (custom.metrics.k8s.io, e.g. served by prometheus-adapter), averaged
   * over the target's pods and kept at `averageValue`.
   */
  public static podsMetric(metricName: string, averageValue: MetricQuantity, selector?: Readonly<Record<string, string>>): ScalingTrigger {
    return new ScalingTrigger({ type: 'pods', metricName, averageValue, selector }, `ScalingTrigger.podsMetric(${JSON.stringify(metricName)})`);
  }

  /** A custom metric describing another object in the namespace (e.g. requests per second on an Ingress). */
  public static objectMetric(options: ObjectMetricOptions): ScalingTrigger {
    return new ScalingTrigger({ type: 'object', ...options }, `ScalingTrigger.objectMetric(${JSON.stringify(options.metricName)})`);
  }

  /**
   * An external metric (external.metrics.k8s.io, e.g. a prometheus-adapter `externalRules` entry).
   * The tenant label is added to `selector`, so the adapter only returns the tenant's series.
   */
  public static externalMetric(metricName: string, selector: Readonly<Record<string, string>>, target: MetricTarget): ScalingTrigger {
    return new ScalingTrigger({ type: 'external', metricName, selector, target }, `ScalingTrigger.externalMetric(${JSON.stringify(metricName)})`);
  }

  /** A KEDA Prometheus trigger: scale on the result of a PromQL query. */
  public static prometheus(options: PrometheusTriggerOptions): ScalingTrigger {
    return new ScalingTrigger({ type: 'prometheus', ...options }, `ScalingTrigger.prometheus(${JSON.stringify(options.name ?? options.query)})`);
  }

  /**
   * Predictive scaling (KEDA): replicas follow a `predict_linear` forecast of the request rate
   * `horizon` ahead, divided by `perPodCapacity`. It renders two Prometheus triggers, the
   * forecast and the current rate, so a forecast that lags a sudden rise never scales below what
   * the present load needs.
   */
  public static requestRateForecast(options: RequestRateForecastOptions): ScalingTrigger {
    const metric = options.metric ?? RECORDED_METRICS.httpRequestsRate5m;
    return new ScalingTrigger({ type: 'forecast', ...options, metric }, `ScalingTrigger.requestRateForecast(${JSON.stringify(metric)})`);
  }

  private constructor(
    /** The trigger's data. */
    public readonly spec: TriggerSpec,
    private readonly description: string,
  ) {}

  /** The factory call that made this trigger, for messages. */
  public toString(): string {
    return this.description;
  }
}

/** Kinds of scaling policy rate limits. */
export type ScalingPolicyType = 'Pods' | 'Percent';

/** A rate limit on scaling: at most `value` pods (or percent) per `period`. */
export class ScalingPolicy {
  /** At most `count` pods added (or removed) per `period`. */
  public static pods(count: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Pods', count, period);
  }
  /** At most `percent` % of the current replicas added (or removed) per `period`. */
  public static percent(percent: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Percent', percent, period);
  }
  private constructor(
    /** `Pods` or `Percent`. */
    public readonly type: ScalingPolicyType,
    /** The amount of change allowed per period. */
    public readonly value: number,
    /** The period the change is measured over. */
    public readonly period: Duration,
  ) {}
}

/** How the autoscaler picks among several policies. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** Scaling rules for one direction. */
export interface ScalingRules {
  /** The autoscaler uses the most conservative recommendation of this window (0..1h, whole seconds). @default - see `DEFAULT_SCALE_UP` / `DEFAULT_SCALE_DOWN` */
  readonly stabilizationWindow?: Duration;
  /** Rate limits. @default - see `DEFAULT_SCALE_UP` / `DEFAULT_SCALE_DOWN` */
  readonly policies?: ReadonlyArray<ScalingPolicy>;
  /** `Max` allows the policy with the largest change, `Min` the smallest, `Disabled` stops scaling this way. @default 'Max' */
  readonly selectPolicy?: SelectPolicy;
}

/** Scale-up and scale-down behaviour; each field left out keeps its default. */
export interface ScalingBehavior {
  /** How fast to add replicas. @default DEFAULT_SCALE_UP */
  readonly scaleUp?: ScalingRules;
  /** How fast to remove replicas. @default DEFAULT_SCALE_DOWN */
  readonly scaleDown?: ScalingRules;
}

/**
 * Scale up at once (no stabilisation) by the larger of doubling or four pods per 15 s: load spikes
 * on AI inference endpoints arrive faster than a minute.
 */
export const DEFAULT_SCALE_UP: Required<ScalingRules> = {
  stabilizationWindow: Duration.seconds(0),
  policies: [ScalingPolicy.percent(100, Duration.seconds(15)), ScalingPolicy.pods(4, Duration.seconds(15))],
  selectPolicy: 'Max',
};

/**
 * Scale down after five stable minutes, by the larger of 10 % or one pod per minute. The one-pod
 * policy matters: a percent policy alone rounds to zero pods on small workloads (10 % of 3 is
 * below one) and would never scale them down.
 */
export const DEFAULT_SCALE_DOWN: Required<ScalingRules> = {
  stabilizationWindow: Duration.minutes(5),
  policies: [ScalingPolicy.percent(10, Duration.minutes(1)), ScalingPolicy.pods(1, Duration.minutes(1))],
  selectPolicy: 'Max',
};

/** Kinds of PodDisruptionBudget. */
export type DisruptionBudgetType = 'maxUnavailable' | 'minAvailable' | 'none';

/**
 * The PodDisruptionBudget made next to an autoscaler. It always leaves room for one voluntary
 * eviction at the autoscaler's minimum, so node drains and cluster upgrades never block.
 */
export class DisruptionBudget {
  /** Allow `count` pods to be evicted at a time (the default is 1: always drainable). */
  public static maxUnavailable(count: number = 1): DisruptionBudget {
    return new DisruptionBudget('maxUnavailable', count);
  }
  /** Keep `count` pods available; must stay below the autoscaler's `minReplicas`. */
  public static minAvailable(count: number): DisruptionBudget {
    return new DisruptionBudget('minAvailable', count);
  }
  /** No disruption budget (e.g. one exists already). */
  public static none(): DisruptionBudget {
    return new DisruptionBudget('none', 0);
  }
  private constructor(
    /** Which field the budget sets, or `none`. */
    public readonly type: DisruptionBudgetType,
    /** The count for that field. */
    public readonly count: number,
  ) {}
}

/** How KEDA authenticates to the Prometheus-compatible query API. */
export class PrometheusAuthentication {
  /** `Authorization: Bearer <token>`, the token read from a Secret key. */
  public static bearerToken(token: SecretKeyRef): PrometheusAuthentication {
    return new PrometheusAuthentication('bearer', [{ parameter: 'bearerToken', ...token }]);
  }
  /** HTTP basic authentication, user name and password read from Secret keys. */
  public static basic(username: SecretKeyRef, password: SecretKeyRef): PrometheusAuthentication {
    return new PrometheusAuthentication('basic', [{ parameter: 'username', ...username }, { parameter: 'password', ...password }]);
  }
  /**
   * A custom authentication header (e.g. `X-API-Key`). KEDA reads both the header name and its
   * value from the authentication parameters, so both come from Secret keys.
   */
  public static customHeader(headerName: SecretKeyRef, headerValue: SecretKeyRef): PrometheusAuthentication {
    return new PrometheusAuthentication('custom', [{ parameter: 'customAuthHeader', ...headerName }, { parameter: 'customAuthValue', ...headerValue }]);
  }
  private constructor(
    /** The KEDA `authModes` value. */
    public readonly authMode: 'bearer' | 'basic' | 'custom',
    /** TriggerAuthentication `secretTargetRef` entries. */
    public readonly secretRefs: ReadonlyArray<{ readonly parameter: string; readonly name: string; readonly key: string }>,
  ) {}
}

/** Options of a KEDA-run policy. */
export interface KedaOptions {
  /**
   * The Prometheus-compatible query API. When the environment profile writes to a shared store,
   * the store's query URL is the default.
   * @default - the profile's `remoteWrite.queryUrl` (or the remote-write origin + `/prometheus`); required without remote write
   */
  readonly serverAddress?: string;
  /** Credentials for the query API, kept in a Secret. @default - no authentication */
  readonly authentication?: PrometheusAuthentication;
  /** How often KEDA queries the triggers. @default Duration.seconds(30) */
  readonly pollingInterval?: Duration;
  /** How long the last trigger must be inactive before scaling to zero (only with `minReplicas: 0`). @default Duration.minutes(5) */
  readonly cooldownPeriod?: Duration;
  /** Replicas to run while the query API fails three polls in a row. @default - keep the current replicas */
  readonly fallbackReplicas?: number;
}

/** Options of the predictive mode: KEDA options plus the forecast. */
export interface PredictiveOptions extends KedaOptions, RequestRateForecastOptions {}

/**
 * Which engine scales the target. HPA is the default; KEDA adds PromQL triggers, authentication
 * and scale to zero; predictive is KEDA with a request-rate forecast trigger.
 */
export class ScalingMode {
  /** A Kubernetes `autoscaling/v2` HorizontalPodAutoscaler. */
  public static hpa(): ScalingMode {
    return new ScalingMode('hpa', {}, []);
  }
  /** A KEDA ScaledObject (and a TriggerAuthentication when `authentication` is set). */
  public static keda(options: KedaOptions = {}): ScalingMode {
    return new ScalingMode('keda', options, []);
  }
  /** KEDA scaling on a `predict_linear` forecast of the request rate (`ScalingTrigger.requestRateForecast`). */
  public static predictive(options: PredictiveOptions): ScalingMode {
    const { serverAddress, authentication, pollingInterval, cooldownPeriod, fallbackReplicas, ...forecast } = options;
    return new ScalingMode('keda', { serverAddress, authentication, pollingInterval, cooldownPeriod, fallbackReplicas }, [ScalingTrigger.requestRateForecast(forecast)]);
  }
  private constructor(
    /** The engine. */
    public readonly engine: ScalingEngine,
    /** KEDA options (empty for HPA). */
    public readonly keda: KedaOptions,
    /** Triggers the mode brings with it. */
    public readonly triggers: ReadonlyArray<ScalingTrigger>,
  ) {}
}
