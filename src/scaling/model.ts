import { k8s } from 'cdk8s-plus-28';
import { Duration } from '../core/duration';
import { EnvironmentProfile } from '../core/environment';
import { ErrorLocation, ValidationError } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { parseQuantity } from '../core/quantity';
import {
  validateDnsLabel, validateDnsSubdomain, validateInteger, validateKubernetesLabelValue, validateLabelName,
  validateMetricName, validatePromQL, validateUrl,
} from '../core/validation';
import { injectTenantMatcher, promqlString } from '../prometheus/tenant-matcher';
import { describeTarget, IScalable } from './scalable';
import {
  DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, DisruptionBudget, ENGINE_TRIGGERS, ForecastTriggerSpec, KedaOptions, MetricQuantity,
  MetricTarget, PrometheusAuthentication, PrometheusTriggerSpec, ScalingBehavior, ScalingEngine, ScalingRules, ScalingTrigger, TriggerSpec,
} from './triggers';

/** The defaults of the issue: at least two replicas for availability, at most one hundred. */
export const DEFAULT_MIN_REPLICAS = 2;
/** Default upper bound of replicas. */
export const DEFAULT_MAX_REPLICAS = 100;
/** Largest `maxReplicas` accepted (a typo guard well above any tenant quota). */
export const MAX_REPLICAS_LIMIT = 10_000;
/** The tenant header used when the profile's remote write names none. */
export const DEFAULT_TENANT_HEADER = 'X-Scope-OrgID';

/** Replica bounds after validation. */
export interface ReplicaBounds {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/**
 * Validate replica bounds: `maxReplicas` 1..10000, `minReplicas` from 1 (HPA) or 0 (KEDA, scale to
 * zero) up to `maxReplicas`.
 */
export function resolveReplicas(engine: ScalingEngine, min: number | undefined, max: number | undefined, location: ErrorLocation): ReplicaBounds {
  const maxReplicas = validateInteger(max ?? DEFAULT_MAX_REPLICAS, 1, MAX_REPLICAS_LIMIT, location, 'maxReplicas');
  const lowest = engine === 'keda' ? 0 : 1;
  const minReplicas = min ?? Math.min(DEFAULT_MIN_REPLICAS, maxReplicas);
  if (typeof minReplicas !== 'number' || !Number.isInteger(minReplicas) || minReplicas < lowest) {
    const why = engine === 'keda' ? 'a whole number from 0 (scale to zero)' : 'a whole number from 1 (use ScalingMode.keda() to scale to zero)';
    throw new ValidationError(location, 'minReplicas', minReplicas, `${why} up to maxReplicas (${maxReplicas})`);
  }
  if (minReplicas > maxReplicas) {
    throw new ValidationError(location, 'minReplicas', minReplicas, `at most maxReplicas (${maxReplicas})`, 'minReplicas exceeds maxReplicas');
  }
  return { minReplicas, maxReplicas };
}

/** Throw unless `value` is a finite number greater than zero. */
export function validatePositive(value: number, location: ErrorLocation, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(location, field, value, 'a finite number greater than 0');
  }
  return value;
}

/** Throw unless `value` is a finite number of zero or more. */
function validateNonNegative(value: number, location: ErrorLocation, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(location, field, value, 'a finite number of 0 or more');
  }
  return value;
}

/** Throw unless `q` is a positive Kubernetes quantity or number. */
function validateMetricQuantity(q: MetricQuantity, location: ErrorLocation, field: string): MetricQuantity {
  const n = typeof q === 'number' ? q : parseQuantity(q, location, field);
  if (!Number.isFinite(n) || n <= 0) throw new ValidationError(location, field, q, 'a quantity greater than 0, such as 100, 500m or 2k');
  return q;
}

function validateSelector(selector: Readonly<Record<string, string>> | undefined, location: ErrorLocation, field: string): void {
  for (const [k, v] of Object.entries(selector ?? {})) {
    validateLabelName(k, location, `${field}.${k}`);
    validateKubernetesLabelValue(v, location, `${field}.${k}`);
  }
}

/** What a trigger is checked against. */
export interface TriggerContext {
  readonly engine: ScalingEngine;
  readonly target: IScalable;
  readonly tenant: string;
  readonly location: ErrorLocation;
  /** The trigger's field path, e.g. `triggers[2]`. */
  readonly field: string;
}

/** Throw unless `trigger` fits the engine and its values are valid. */
export function validateTrigger(trigger: ScalingTrigger, ctx: TriggerContext): void {
  const { location, field } = ctx;
  const spec = trigger.spec;
  if (!ENGINE_TRIGGERS[ctx.engine].includes(spec.type)) {
    const engines = ctx.engine === 'hpa'
      ? 'ScalingTrigger.cpu, memory, podsMetric, objectMetric or externalMetric with ScalingMode.hpa() (use ScalingMode.keda() for Prometheus and forecast triggers)'
      : 'ScalingTrigger.cpu, memory, prometheus or requestRateForecast with ScalingMode.keda() (use ScalingMode.hpa() for custom-metrics API triggers)';
    throw new ValidationError(location, field, trigger.toString(), engines);
  }
  switch (spec.type) {
    case 'resource':
      validateInteger(spec.utilizationPercent, 1, 100, location, `${field}.utilizationPercent`);
      checkRequests(trigger, ctx);
      return;
    case 'pods':
      validateMetricName(spec.metricName, location, `${field}.metricName`);
      validateMetricQuantity(spec.averageValue, location, `${field}.averageValue`);
      validateSelector(spec.selector, location, `${field}.selector`);
      return;
    case 'object':
      validateMetricName(spec.metricName, location, `${field}.metricName`);
      validateMetricQuantity(spec.target.quantity, location, `${field}.target`);
      validateSelector(spec.selector, location, `${field}.selector`);
      if (typeof spec.describedObject?.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(spec.describedObject.kind)) {
        throw new ValidationError(location, `${field}.describedObject.kind`, spec.describedObject?.kind, 'a Kubernetes kind such as Ingress or Service');
      }
      validateDnsSubdomain(spec.describedObject.name, location, `${field}.describedObject.name`);
      return;
    case 'external':
      validateMetricName(spec.metricName, location, `${field}.metricName`);
      validateMetricQuantity(spec.target.quantity, location, `${field}.target`);
      validateSelector(spec.selector, location, `${field}.selector`);
      tenantSelector(spec.selector, ctx.tenant, location, `${field}.selector`);
      return;
    case 'prometheus':
      if (spec.name !== undefined) validateDnsLabel(spec.name, location, `${field}.name`);
      validatePositive(spec.threshold, location, `${field}.threshold`);
      if (spec.activationThreshold !== undefined) validateNonNegative(spec.activationThreshold, location, `${field}.activationThreshold`);
      prometheusQuery(spec, ctx.tenant, location, `${field}.query`);
      return;
    case 'forecast':
      validatePositive(spec.perPodCapacity, location, `${field}.perPodCapacity`);
      if (spec.activationThreshold !== undefined) validateNonNegative(spec.activationThreshold, location, `${field}.activationThreshold`);
      renderForecastQueries(spec, ctx.tenant, location, field);
      return;
  }
}

/**
 * Throw when a utilisation trigger targets a workload whose containers do not all request the
 * resource: the HorizontalPodAutoscaler cannot compute a utilisation then and stops scaling.
 */
export function checkRequests(trigger: ScalingTrigger, ctx: Pick<TriggerContext, 'target' | 'location' | 'field'>): void {
  const spec = trigger.spec;
  if (spec.type !== 'resource') return;
  const resource = spec.resource;
  const allowed = `a ${resource} utilisation target only when every container of ${describeTarget(ctx.target)} has a ${resource} request`;
  const containers = ctx.target.containers;
  if (containers.length === 0) {
    throw new ValidationError(ctx.location, ctx.field, trigger.toString(), allowed,
      'the target\'s containers are unknown; declare them (e.g. Scalable.fromDeploymentName(..., { containersWithRequests: [...] }))');
  }
  const missing = containers.filter((c) => !(resource === 'cpu' ? c.hasCpuRequest : c.hasMemoryRequest)).map((c) => c.name);
  if (missing.length > 0) {
    throw new ValidationError(ctx.location, ctx.field, trigger.toString(), allowed,
      `container${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no ${resource} request`);
  }
}

/** The external-metric selector with the tenant label added; another tenant value is an error. */
export function tenantSelector(selector: Readonly<Record<string, string>>, tenant: string, location: ErrorLocation, field: string): Record<string, string> {
  const given = selector[TENANT_LABEL];
  if (given !== undefined && given !== tenant) {
    throw new ValidationError(location, `${field}.${TENANT_LABEL}`, given, `the policy's tenant ${JSON.stringify(tenant)} or nothing (it is added)`);
  }
  return { ...selector, [TENANT_LABEL]: tenant };
}

function prometheusQuery(spec: PrometheusTriggerSpec, tenant: string, location: ErrorLocation, field: string): string {
  if (spec.tenantScoped ?? true) return injectTenantMatcher(spec.query, TENANT_LABEL, tenant, location, field);
  return validatePromQL(spec.query, location, field);
}

/** The two queries of a forecast trigger. */
export interface ForecastQueries {
  /** `predict_linear` of the tenant's request rate `horizon` ahead, never below zero. */
  readonly forecast: string;
  /** The tenant's current request rate. */
  readonly current: string;
}

/**
 * Render the PromQL of predictive scaling, e.g. for tenant `acme`:
 * `sum(clamp_min(predict_linear(tenant:http_requests:rate5m{tenant="acme"}[30m], 600), 0))`.
 * The sum makes the result a single sample, as KEDA requires.
 */
export function renderForecastQueries(spec: Omit<ForecastTriggerSpec, 'type'>, tenant: string, location: ErrorLocation = '<forecast>', field: string = 'forecast'): ForecastQueries {
  validateMetricName(spec.metric, location, `${field}.metric`);
  const lookback = spec.lookback ?? Duration.minutes(30);
  const horizon = spec.horizon ?? Duration.minutes(10);
  if (lookback.compareTo(Duration.minutes(1)) < 0) {
    throw new ValidationError(location, `${field}.lookback`, lookback.toPrometheus(), 'at least 1m, so the linear fit sees several samples');
  }
  if (horizon.toMilliseconds() <= 0 || horizon.compareTo(Duration.days(1)) > 0) {
    throw new ValidationError(location, `${field}.horizon`, horizon.toPrometheus(), 'more than 0s and at most 1d');
  }
  const matchers = Object.entries(spec.matchers ?? {}).map(([k, v]) => {
    validateLabelName(k, location, `${field}.matchers.${k}`);
    return `${k}=${promqlString(v)}`;
  });
  const selector = injectTenantMatcher(matchers.length > 0 ? `${spec.metric}{${matchers.join(', ')}}` : spec.metric, TENANT_LABEL, tenant, location, `${field}.matchers`);
  return {
    forecast: `sum(clamp_min(predict_linear(${selector}[${lookback.toPrometheus()}], ${horizon.toSeconds()}), 0))`,
    current: `sum(${selector})`,
  };
}

/** An HPA `metrics` entry for an HPA-engine trigger. */
export function renderHpaMetric(spec: TriggerSpec, tenant: string): k8s.MetricSpecV2 {
  switch (spec.type) {
    case 'resource':
      return { type: 'Resource', resource: { name: spec.resource, target: { type: 'Utilization', averageUtilization: spec.utilizationPercent } } };
    case 'pods':
      return {
        type: 'Pods',
        pods: { metric: metricIdentifier(spec.metricName, spec.selector), target: { type: 'AverageValue', averageValue: quantity(spec.averageValue) } },
      };
    case 'object':
      return {
        type: 'Object',
        object: {
          describedObject: { apiVersion: spec.describedObject.apiVersion ?? 'v1', kind: spec.describedObject.kind, name: spec.describedObject.name },
          metric: metricIdentifier(spec.metricName, spec.selector),
          target: metricTarget(spec.target),
        },
      };
    case 'external':
      return {
        type: 'External',
        external: { metric: metricIdentifier(spec.metricName, tenantSelector(spec.selector, tenant, '<external>', 'selector')), target: metricTarget(spec.target) },
      };
    default:
      throw new Error(`trigger type ${spec.type} is not an HPA metric`);
  }
}

function metricIdentifier(name: string, selector: Readonly<Record<string, string>> | undefined): k8s.MetricIdentifierV2 {
  return selector && Object.keys(selector).length > 0 ? { name, selector: { matchLabels: { ...selector } } } : { name };
}

function metricTarget(target: MetricTarget): k8s.MetricTargetV2 {
  return target.type === 'Value'
    ? { type: 'Value', value: quantity(target.quantity) }
    : { type: 'AverageValue', averageValue: quantity(target.quantity) };
}

function quantity(q: MetricQuantity): k8s.Quantity {
  return typeof q === 'number' ? k8s.Quantity.fromNumber(q) : k8s.Quantity.fromString(q);
}

/** A KEDA trigger in the ScaledObject format. */
export interface RenderedKedaTrigger {
  readonly type: string;
  readonly name?: string;
  readonly metricType?: string;
  readonly metadata: Record<string, string>;
  readonly authenticationRef?: { readonly name: string };
}

/** Everything a KEDA trigger needs besides its own data. */
export interface KedaRenderContext {
  readonly tenant: string;
  /** The query API address. */
  readonly serverAddress: string;
  /** The tenant header name when the profile writes to a shared store. */
  readonly tenantHeader?: string;
  readonly authentication?: PrometheusAuthentication;
  /** The TriggerAuthentication's name, when there is one. */
  readonly authenticationName?: string;
}

/** The ScaledObject triggers for one KEDA-engine trigger (a forecast renders two). */
export function renderKedaTriggers(spec: TriggerSpec, ctx: KedaRenderContext): RenderedKedaTrigger[] {
  switch (spec.type) {
    case 'resource':
      return [{ type: spec.resource, metricType: 'Utilization', metadata: { value: String(spec.utilizationPercent) } }];
    case 'prometheus':
      return [prometheusTrigger(ctx, spec.name, prometheusQuery(spec, ctx.tenant, '<prometheus>', 'query'), spec.threshold, spec.activationThreshold, spec.failOnEmptyResult)];
    case 'forecast': {
      const q = renderForecastQueries(spec, ctx.tenant);
      return [
        prometheusTrigger(ctx, 'request-rate-forecast', q.forecast, spec.perPodCapacity, spec.activationThreshold, false),
        prometheusTrigger(ctx, 'request-rate-current', q.current, spec.perPodCapacity, spec.activationThreshold, false),
      ];
    }
    default:
      throw new Error(`trigger type ${spec.type} is not a KEDA trigger`);
  }
}

function prometheusTrigger(ctx: KedaRenderContext, name: string | undefined, query: string, threshold: number, activation: number | undefined, failOnEmpty: boolean | undefined): RenderedKedaTrigger {
  const metadata: Record<string, string> = { serverAddress: ctx.serverAddress, query, threshold: String(threshold) };
  if (activation !== undefined) metadata.activationThreshold = String(activation);
  if (failOnEmpty) metadata.ignoreNullValues = 'false';
  if (ctx.tenantHeader) metadata.customHeaders = `${ctx.tenantHeader}=${ctx.tenant}`;
  if (ctx.authentication) metadata.authModes = ctx.authentication.authMode;
  return {
    type: 'prometheus',
    ...(name !== undefined ? { name } : {}),
    metadata,
    ...(ctx.authenticationName ? { authenticationRef: { name: ctx.authenticationName } } : {}),
  };
}

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The header that carries the tenant id on queries, when the profile writes metrics to a shared
 * store (Mimir, Cortex, Thanos Receive); undefined otherwise.
 */
export function tenantHeaderOf(profile: EnvironmentProfile | undefined, location: ErrorLocation): string | undefined {
  if (!profile?.remoteWrite) return undefined;
  const header = profile.remoteWrite.tenantHeader ?? DEFAULT_TENANT_HEADER;
  if (!HTTP_TOKEN.test(header)) {
    throw new ValidationError(location, 'profile.remoteWrite.tenantHeader', header, 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)');
  }
  return header;
}

/** The query API address of a KEDA policy: explicit, the profile's shared store, or the platform's Prometheus. */
export function resolveServerAddress(options: KedaOptions, profile: EnvironmentProfile | undefined, location: ErrorLocation, platformPrometheusUrl?: string): string {
  const remote = profile?.remoteWrite;
  const address = options.serverAddress ?? remote?.queryUrl ?? (remote ? `${new URL(remote.url).origin}/prometheus` : undefined) ?? platformPrometheusUrl;
  if (address === undefined) {
    throw new ValidationError(location, 'mode.serverAddress', undefined, 'an absolute http:// or https:// URL (required when the environment profile has no remoteWrite)');
  }
  return validateUrl(address, location, 'mode.serverAddress');
}

/** Validate the Secret references of an authentication. */
export function validateAuthentication(auth: PrometheusAuthentication, location: ErrorLocation): void {
  auth.secretRefs.forEach((ref) => {
    validateDnsSubdomain(ref.name, location, `mode.authentication.${ref.parameter}.name`);
    if (typeof ref.key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(ref.key)) {
      throw new ValidationError(location, `mode.authentication.${ref.parameter}.key`, ref.key, 'a Secret key: 1-253 characters of a-z A-Z 0-9 - _ .');
    }
  });
}

/** Validate the KEDA timing and fallback options against the replica bounds. */
export function validateKedaOptions(options: KedaOptions, bounds: ReplicaBounds, location: ErrorLocation): void {
  const whole = (d: Duration | undefined, field: string): void => {
    if (d !== undefined && (d.toMilliseconds() % 1000 !== 0 || d.toSeconds() < 1)) {
      throw new ValidationError(location, field, d.toPrometheus(), 'whole seconds, at least 1s');
    }
  };
  whole(options.pollingInterval, 'mode.pollingInterval');
  whole(options.cooldownPeriod, 'mode.cooldownPeriod');
  if (options.fallbackReplicas !== undefined) {
    validateInteger(options.fallbackReplicas, Math.max(bounds.minReplicas, 1), bounds.maxReplicas, location, 'mode.fallbackReplicas');
  }
  if (options.authentication) validateAuthentication(options.authentication, location);
}

/** HPA scaling rules in the upstream format (shared by HPA `behavior` and KEDA's `advanced`). */
export interface RenderedScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: string;
  readonly policies: Array<{ type: string; value: number; periodSeconds: number }>;
}

/** Scale-up and scale-down rules, each merged field by field over the defaults. */
export interface RenderedBehavior {
  readonly scaleUp: RenderedScalingRules;
  readonly scaleDown: RenderedScalingRules;
}

/** Validate and render a behaviour, filling each direction's missing fields from the defaults. */
export function renderBehavior(behavior: ScalingBehavior | undefined, location: ErrorLocation): RenderedBehavior {
  return {
    scaleUp: renderRules({ ...DEFAULT_SCALE_UP, ...stripUndefined(behavior?.scaleUp ?? {}) }, location, 'behavior.scaleUp'),
    scaleDown: renderRules({ ...DEFAULT_SCALE_DOWN, ...stripUndefined(behavior?.scaleDown ?? {}) }, location, 'behavior.scaleDown'),
  };
}

function renderRules(rules: Required<ScalingRules>, location: ErrorLocation, field: string): RenderedScalingRules {
  const window = rules.stabilizationWindow;
  if (window.toMilliseconds() % 1000 !== 0 || window.toSeconds() > 3600) {
    throw new ValidationError(location, `${field}.stabilizationWindow`, window.toPrometheus(), 'whole seconds from 0s to 1h');
  }
  if (!['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
    throw new ValidationError(location, `${field}.selectPolicy`, rules.selectPolicy, 'Max, Min or Disabled');
  }
  if (rules.policies.length === 0 && rules.selectPolicy !== 'Disabled') {
    throw new ValidationError(location, `${field}.policies`, [], 'at least one ScalingPolicy (or selectPolicy: \'Disabled\')');
  }
  const policies = rules.policies.map((p, i) => {
    const seconds = p.period.toSeconds();
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 1800) {
      throw new ValidationError(location, `${field}.policies[${i}].period`, p.period.toPrometheus(), 'whole seconds from 1s to 30m');
    }
    validateInteger(p.value, 1, p.type === 'Percent' ? 1000 : MAX_REPLICAS_LIMIT, location, `${field}.policies[${i}].value`);
    return { type: p.type, value: p.value, periodSeconds: seconds };
  });
  return { stabilizationWindowSeconds: window.toSeconds(), selectPolicy: rules.selectPolicy, policies };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A PodDisruptionBudget spec without its selector, or undefined for `DisruptionBudget.none()`. */
export type RenderedDisruptionBudget = Pick<k8s.PodDisruptionBudgetSpec, 'maxUnavailable' | 'minAvailable' | 'unhealthyPodEvictionPolicy'>;

/**
 * Validate a disruption budget against the autoscaler's bounds and render it. The rule: at the
 * autoscaler's minimum, at least one pod may always be evicted, so `minAvailable` must stay at
 * most `minReplicas - 1` and `maxUnavailable` must be at least 1. Unhealthy pods may always be
 * evicted (`AlwaysAllow`), so a crash-looping workload cannot block a drain either.
 */
export function renderDisruptionBudget(budget: DisruptionBudget, bounds: ReplicaBounds, location: ErrorLocation): RenderedDisruptionBudget | undefined {
  switch (budget.type) {
    case 'none':
      return undefined;
    case 'maxUnavailable':
      validateInteger(budget.count, 1, bounds.maxReplicas, location, 'disruptionBudget.maxUnavailable');
      return { maxUnavailable: k8s.IntOrString.fromNumber(budget.count), unhealthyPodEvictionPolicy: 'AlwaysAllow' };
    case 'minAvailable':
      if (bounds.minReplicas < 2) {
        throw new ValidationError(location, 'disruptionBudget.minAvailable', budget.count,
          `DisruptionBudget.maxUnavailable() when minReplicas is ${bounds.minReplicas}`, 'minAvailable must stay below minReplicas so drains never block');
      }
      if (!Number.isInteger(budget.count) || budget.count < 1 || budget.count >= bounds.minReplicas) {
        throw new ValidationError(location, 'disruptionBudget.minAvailable', budget.count,
          `a whole number from 1 to minReplicas - 1 (${bounds.minReplicas - 1})`, 'minAvailable must stay below minReplicas so drains never block');
      }
      return { minAvailable: k8s.IntOrString.fromNumber(budget.count), unhealthyPodEvictionPolicy: 'AlwaysAllow' };
  }
}
