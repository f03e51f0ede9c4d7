import { Duration } from '../core/duration';
import { ErrorLocation, ValidationError } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { validateLabelName, validateLabelValue } from '../core/validation';
import { AlertRule, isAlertRule, RuleGroup, SEVERITIES, Severity } from './model';

/**
 * What a named threshold holds: `ratio` a number in (0, 1], `positive` a number above 0,
 * `duration` a `Duration` above zero.
 */
export type ThresholdKind = 'ratio' | 'positive' | 'duration';

/** The value of one threshold: a number, or a `Duration` for `duration` thresholds. */
export type ThresholdValue = number | Duration;

/**
 * The named thresholds of each alert of a rule pack: alert name to threshold name to kind. A
 * threshold name is the pack parameter the alert reads (`TenantHighErrorRate: { errorRatio: 'ratio' }`).
 */
export type AlertThresholdTable = Readonly<Record<string, Readonly<Record<string, ThresholdKind>>>>;

/** Threshold values for one alert, typed from its row of an `AlertThresholdTable`. */
export type ThresholdValues<T> = { readonly [K in keyof T]?: T[K] extends 'duration' ? Duration : number };

/**
 * How to change one alert of a rule pack. Every field is optional; what is left out keeps the
 * pack's default.
 */
export interface AlertOverride<T extends object = Readonly<Record<string, ThresholdValue>>> {
  /** Leave the alert out. `false` in a tenant layer re-enables an alert the environment layer disabled. @default false */
  readonly disable?: boolean;
  /** New values of the alert's named thresholds (e.g. `{ errorRatio: 0.02 }`). @default - the pack's values */
  readonly thresholds?: T;
  /** How long the condition must hold before the alert fires. @default - the pack's hold time */
  readonly for?: Duration;
  /** The alert's severity (which also moves it to that severity's escalation level). @default - the pack's severity */
  readonly severity?: Severity;
  /** Extra labels, merged over the alert's own (not `severity`, `tenant` or `alertname`). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations, merged over the alert's own (not `summary`, `description` or `runbook_url`). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Overrides by alert name, untyped: what validation accepts (for example from a configuration file). */
export type AlertOverrides = Readonly<Record<string, AlertOverride>>;

/** Overrides by alert name, typed from an `AlertThresholdTable`: unknown alerts and thresholds do not compile. */
export type TypedAlertOverrides<T extends AlertThresholdTable> = { readonly [A in keyof T]?: AlertOverride<ThresholdValues<T[A]>> };

/**
 * Overrides in two layers: the environment's first, then the tenant's over them (per alert and
 * per field; labels, annotations and thresholds merge key by key).
 */
export interface AlertOverrideLayers<O extends AlertOverrides = AlertOverrides> {
  /** Overrides every tenant of the environment gets. @default - none */
  readonly environment?: O;
  /** This tenant's overrides, applied over the environment's. @default - none */
  readonly tenant?: O;
}

const OVERRIDE_FIELDS = ['disable', 'thresholds', 'for', 'severity', 'labels', 'annotations'];
const RESERVED_LABELS = ['severity', TENANT_LABEL, 'alertname'];
const RESERVED_ANNOTATIONS = ['summary', 'description', 'runbook_url'];
const KIND_ALLOWED: Readonly<Record<ThresholdKind, string>> = {
  ratio: 'a ratio above 0 and at most 1',
  positive: 'a number above 0',
  duration: 'a Duration above zero, e.g. Duration.minutes(10)',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Duration);
}

function validThreshold(kind: ThresholdKind, value: unknown): boolean {
  if (kind === 'duration') return value instanceof Duration && value.toMilliseconds() > 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return false;
  return kind === 'positive' || value <= 1;
}

/**
 * Check overrides against the alerts that exist (`table`): every name is an alert, every
 * threshold one the alert has and of the right kind, severities, labels and annotations valid.
 * Throws a `ValidationError` that lists the valid names.
 *
 * @param scope what the alerts belong to, for the message (e.g. `the tenant rule packs`)
 */
export function validateAlertOverrides(overrides: unknown, table: AlertThresholdTable, location: ErrorLocation, field: string, scope: string = 'the rule packs'): void {
  if (!isPlainObject(overrides)) throw new ValidationError(location, field, overrides, 'an object of overrides by alert name');
  const names = Object.keys(table).sort();
  for (const [alert, override] of Object.entries(overrides)) {
    const at = `${field}.${alert}`;
    if (!Object.prototype.hasOwnProperty.call(table, alert)) {
      throw new ValidationError(location, at, alert, `the name of an alert of ${scope}: ${names.join(', ')}`, 'no such alert');
    }
    if (!isPlainObject(override)) throw new ValidationError(location, at, override, `an override with any of ${OVERRIDE_FIELDS.join(', ')}`);
    const unknownField = Object.keys(override).find((k) => !OVERRIDE_FIELDS.includes(k));
    if (unknownField !== undefined) throw new ValidationError(location, `${at}.${unknownField}`, unknownField, `one of ${OVERRIDE_FIELDS.join(', ')}`, 'no such override field');
    if (override.disable !== undefined && typeof override.disable !== 'boolean') throw new ValidationError(location, `${at}.disable`, override.disable, 'true or false');
    validateThresholds(override.thresholds, alert, table[alert], location, `${at}.thresholds`);
    if (override.for !== undefined && !(override.for instanceof Duration)) throw new ValidationError(location, `${at}.for`, override.for, 'a Duration, e.g. Duration.minutes(10)');
    if (override.severity !== undefined && !SEVERITIES.includes(override.severity as Severity)) {
      throw new ValidationError(location, `${at}.severity`, override.severity, SEVERITIES.join(', '));
    }
    validateStrings(override.labels, location, `${at}.labels`, RESERVED_LABELS, 'labels other than severity, tenant and alertname (set the severity with its own field)', true);
    validateStrings(override.annotations, location, `${at}.annotations`, RESERVED_ANNOTATIONS, 'annotations other than summary, description and runbook_url', false);
  }
}

function validateThresholds(thresholds: unknown, alert: string, kinds: Readonly<Record<string, ThresholdKind>>, location: ErrorLocation, field: string): void {
  if (thresholds === undefined) return;
  if (!isPlainObject(thresholds)) throw new ValidationError(location, field, thresholds, 'an object of threshold values by name');
  const names = Object.keys(kinds);
  for (const [name, value] of Object.entries(thresholds)) {
    if (!names.includes(name)) {
      const allowed = names.length > 0
        ? `a threshold of ${alert}: ${names.join(', ')}`
        : `no thresholds: ${alert} has no named thresholds (use disable, for, severity, labels or annotations)`;
      throw new ValidationError(location, `${field}.${name}`, name, allowed, 'no such threshold');
    }
    if (!validThreshold(kinds[name], value)) throw new ValidationError(location, `${field}.${name}`, value instanceof Duration ? value.toPrometheus() : value, KIND_ALLOWED[kinds[name]]);
  }
}

function validateStrings(values: unknown, location: ErrorLocation, field: string, reserved: ReadonlyArray<string>, allowed: string, labelNames: boolean): void {
  if (values === undefined) return;
  if (!isPlainObject(values)) throw new ValidationError(location, field, values, 'an object of strings by name');
  for (const [k, v] of Object.entries(values)) {
    if (reserved.includes(k)) throw new ValidationError(location, `${field}.${k}`, k, allowed);
    if (labelNames) {
      validateLabelName(k, location, field);
      validateLabelValue(v as string, location, `${field}.${k}`);
    } else if (typeof v !== 'string') {
      throw new ValidationError(location, `${field}.${k}`, v, 'a string');
    }
  }
}

/** Merge override layers, later over earlier: per alert, per field; labels, annotations and thresholds key by key. */
export function mergeAlertOverrides(...layers: ReadonlyArray<AlertOverrides | undefined>): AlertOverrides {
  const out: Record<string, AlertOverride> = {};
  for (const layer of layers) {
    for (const [alert, o] of Object.entries(layer ?? {})) {
      const prev = out[alert] ?? {};
      out[alert] = definedFields({
        disable: o.disable ?? prev.disable,
        thresholds: mergeRecords(prev.thresholds, o.thresholds),
        for: o.for ?? prev.for,
        severity: o.severity ?? prev.severity,
        labels: mergeRecords(prev.labels, o.labels),
        annotations: mergeRecords(prev.annotations, o.annotations),
      });
    }
  }
  return out;
}

function mergeRecords<V>(a: Readonly<Record<string, V>> | undefined, b: Readonly<Record<string, V>> | undefined): Readonly<Record<string, V>> | undefined {
  return a === undefined && b === undefined ? undefined : { ...(a ?? {}), ...(b ?? {}) };
}

function definedFields(o: AlertOverride): AlertOverride {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as AlertOverride;
}

/**
 * Validate both layers (errors name `<field>.environment.<alert>` or `<field>.tenant.<alert>`)
 * and merge them, the tenant's over the environment's.
 */
export function resolveAlertOverrides(layers: AlertOverrideLayers, table: AlertThresholdTable, location: ErrorLocation, field: string, scope?: string): AlertOverrides {
  const given: unknown = layers;
  if (!isPlainObject(given)) throw new ValidationError(location, field, given, 'an object with environment and tenant overrides');
  const unknownLayer = Object.keys(given).find((k) => k !== 'environment' && k !== 'tenant');
  if (unknownLayer !== undefined) throw new ValidationError(location, `${field}.${unknownLayer}`, unknownLayer, 'environment or tenant', 'no such layer');
  if (layers.environment !== undefined) validateAlertOverrides(layers.environment, table, location, `${field}.environment`, scope);
  if (layers.tenant !== undefined) validateAlertOverrides(layers.tenant, table, location, `${field}.tenant`, scope);
  return mergeAlertOverrides(layers.environment, layers.tenant);
}

/** The overrides of the alerts in `table` only, typed by that table (the slice one pack takes). */
export function selectAlertOverrides<T extends AlertThresholdTable>(overrides: AlertOverrides, table: T): TypedAlertOverrides<T> {
  // Validated against the union of the tables before; the cast narrows to one pack's row types.
  return Object.fromEntries(Object.entries(overrides).filter(([alert]) => Object.prototype.hasOwnProperty.call(table, alert))) as TypedAlertOverrides<T>;
}

/** Builds an alert again with new threshold values (a pack re-run with merged parameters). */
export type AlertRebuilder = (alert: string, thresholds: Readonly<Record<string, ThresholdValue>>) => AlertRule;

/**
 * Apply validated overrides to rule groups: disabled alerts are left out (and groups left
 * empty dropped), alerts with thresholds are rebuilt by `rebuild`, then `for`, severity, labels
 * and annotations are set. Recording rules are never changed.
 */
export function applyAlertOverrides(groups: ReadonlyArray<RuleGroup>, overrides: AlertOverrides, rebuild?: AlertRebuilder): RuleGroup[] {
  return groups
    .map((group) => ({
      ...group,
      rules: group.rules.flatMap((rule) => {
        const o = isAlertRule(rule) ? overrides[rule.alert] : undefined;
        if (!isAlertRule(rule) || o === undefined) return [rule];
        if (o.disable) return [];
        const base = o.thresholds && Object.keys(o.thresholds).length > 0 && rebuild ? rebuild(rule.alert, o.thresholds) : rule;
        return [overrideAlert(base, o)];
      }),
    }))
    .filter((group) => group.rules.length > 0);
}

function overrideAlert(rule: AlertRule, o: AlertOverride): AlertRule {
  const labels = o.labels ? { ...(rule.labels ?? {}), ...o.labels } : rule.labels;
  const annotations = o.annotations ? { ...(rule.annotations ?? {}), ...o.annotations } : rule.annotations;
  return {
    ...rule,
    ...(o.for ? { for: o.for } : {}),
    ...(o.severity ? { severity: o.severity } : {}),
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

/** The alert named `alert` in `groups` (a pack's output); throws when the pack has none. */
export function findAlertRule(groups: ReadonlyArray<RuleGroup>, alert: string): AlertRule {
  const rule = groups.flatMap((g) => g.rules).filter(isAlertRule).find((r) => r.alert === alert);
  if (!rule) throw new ValidationError('<packs>', 'alert', alert, 'an alert the pack defines');
  return rule;
}
