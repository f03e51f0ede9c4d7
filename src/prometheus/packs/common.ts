import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { validateUrl } from '../../core/validation';
import { AlertRule, RuleGroup } from '../model';
import { AlertOverrides, AlertThresholdTable, applyAlertOverrides, findAlertRule, TypedAlertOverrides, validateAlertOverrides } from '../overrides';

/** Where the runbooks of the built-in alerts live (`<base>/<AlertName>.md`). */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/cdk8s-tenant-monitoring/cdk8s-tenant-monitoring/blob/main/docs/runbooks';

/** Options every rule pack takes. */
export interface PackOptions {
  /** Base URL of the runbooks; each alert links `<base>/<AlertName>.md`. @default DEFAULT_RUNBOOK_BASE_URL */
  readonly runbookBaseUrl?: string;
  /** Grafana dashboard URL added to every alert as the `dashboard_url` annotation. @default - no dashboard link (notifications fall back to Grafana's URL) */
  readonly dashboardUrl?: string;
}

/** A pack: the rule groups for one concern, from the environment profile and options. */
export type RulePack<O extends PackOptions = PackOptions> = (profile: EnvironmentProfile, options?: O) => RuleGroup[];

/** The runbook URL of `alert`. */
export function runbookUrl(alert: string, options: PackOptions = {}): string {
  const base = (options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, '');
  return validateUrl(`${base}/${alert}.md`, '<packs>', 'runbookBaseUrl');
}

/** An alert definition without the runbook and dashboard, which `withLinks` fills in. */
export type AlertDefinition = Omit<AlertRule, 'runbookUrl'> & { readonly runbookUrl?: string };

/** Add the runbook URL (from the alert name) and the dashboard link to an alert. */
export function withLinks(def: AlertDefinition, options: PackOptions = {}): AlertRule {
  const annotations = options.dashboardUrl !== undefined
    ? { ...(def.annotations ?? {}), dashboard_url: validateUrl(options.dashboardUrl, '<packs>', 'dashboardUrl') }
    : def.annotations;
  return { ...def, runbookUrl: def.runbookUrl ?? runbookUrl(def.alert, options), ...(annotations ? { annotations } : {}) };
}

/** A number as PromQL prints it (no exponent for the ranges thresholds use). */
export function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

/** Options of a pack with named parameters `P` and per-alert overrides typed by its threshold table `T`. */
export type PackBuildOptions<P extends object, T extends AlertThresholdTable> = PackOptions & {
  /** The pack's named parameters (they apply to every alert that reads them). @default - the pack's defaults */
  readonly params?: P;
  /** Per-alert overrides: disable, thresholds, for, severity, labels, annotations. @default - none */
  readonly overrides?: TypedAlertOverrides<T>;
};

/** The hold time (`for`) of `alert`: its override, else `fallback`. Packs use it in the rule and in the description. */
export function holdFor(options: { readonly overrides?: AlertOverrides }, alert: string, fallback: Duration): Duration {
  return options.overrides?.[alert]?.for ?? fallback;
}

/** A duration in words for descriptions: `5 minutes`, `1 hour`, else Prometheus' form (`1h30m`). */
export function durationWords(d: Duration): string {
  const ms = d.toMilliseconds();
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (ms > 0 && ms % 3_600_000 === 0) return unit(ms / 3_600_000, 'hour');
  if (ms > 0 && ms % 60_000 === 0) return unit(ms / 60_000, 'minute');
  return d.toPrometheus();
}

/**
 * Build a pack and apply its per-alert overrides: the overrides are validated against `table`
 * (which names every alert of the pack and its thresholds); an alert with new thresholds is built
 * again from the parameters merged with them, so only that alert changes.
 */
export function buildPack<P extends object>(table: AlertThresholdTable, options: { readonly params?: P; readonly overrides?: AlertOverrides }, build: (params: P) => RuleGroup[]): RuleGroup[] {
  const overrides = options.overrides ?? {};
  validateAlertOverrides(overrides, table, '<packs>', 'overrides');
  // Every field of a pack's parameters is optional, so an empty object is a valid P.
  const params = (options.params ?? {}) as P;
  return applyAlertOverrides(build(params), overrides, (alert, thresholds) => findAlertRule(build({ ...params, ...thresholds }), alert));
}
