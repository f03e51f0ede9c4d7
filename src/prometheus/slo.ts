import { Duration } from '../core/duration';
import { EnvironmentProfile } from '../core/environment';
import { ErrorLocation, ValidationError } from '../core/errors';
import { APPLICATION_METRICS as A, HTTP_REQUEST_DURATION_HISTOGRAM } from '../core/metric-catalogue';
import { validateDnsLabel, validatePromQL } from '../core/validation';
import { AlertRule, RecordingRule, RuleGroup, Severity } from './model';
import { AlertThresholdTable } from './overrides';
import { buildPack, holdFor, num, PackBuildOptions, PackOptions, runbookUrl, withLinks } from './packs/common';
import { selectorMetricNames } from './tenant-matcher';

/**
 * One multi-window burn-rate condition (Google SRE workbook, chapter "Alerting on SLOs"): the
 * error ratio over both the long and the short window exceeds `factor` times the error budget.
 */
export interface BurnRateWindow {
  /** The long window: how much budget must burn before alerting. */
  readonly long: Duration;
  /** The short window: resets the alert soon after the burn stops. */
  readonly short: Duration;
  /** Burn-rate factor (1 = exactly the budget over the compliance period). */
  readonly factor: number;
}

/** A burn-rate alert: severity and the windows it fires on (any of them). */
export interface BurnRateAlert {
  /** `page` (critical) or `ticket` (warning). */
  readonly kind: 'page' | 'ticket';
  readonly severity: Severity;
  readonly windows: ReadonlyArray<BurnRateWindow>;
}

/** The workbook's multi-window multi-burn-rate alerts for a 30-day period. */
export const BURN_RATE_ALERTS: ReadonlyArray<BurnRateAlert> = [
  {
    kind: 'page', severity: 'critical', windows: [
      { long: Duration.hours(1), short: Duration.minutes(5), factor: 14.4 },
      { long: Duration.hours(6), short: Duration.minutes(30), factor: 6 },
    ],
  },
  {
    kind: 'ticket', severity: 'warning', windows: [
      { long: Duration.days(1), short: Duration.hours(2), factor: 3 },
      { long: Duration.days(3), short: Duration.hours(6), factor: 1 },
    ],
  },
];

/** The error ratio above which a window with burn-rate `factor` alerts: `factor × (1 − objective)`. */
export function burnRateThreshold(factor: number, objective: number): number {
  return factor * (1 - objective);
}

/**
 * How long after a constant error ratio `errorRatio` starts (from a clean history) a burn-rate
 * condition fires: each window's error ratio grows linearly to `errorRatio` over the window, so the
 * window crosses the threshold after `threshold / errorRatio × window`; both windows must cross.
 * Undefined when the ratio never reaches the threshold.
 */
export function detectionTime(errorRatio: number, window: BurnRateWindow, objective: number): Duration | undefined {
  const threshold = burnRateThreshold(window.factor, objective);
  if (!(errorRatio > threshold)) return undefined;
  const share = threshold / errorRatio;
  return Duration.millis(Math.round(Math.max(window.long.toMilliseconds(), window.short.toMilliseconds()) * share));
}

/** The earliest time any window of `alert` fires under a constant error ratio (see `detectionTime`). */
export function alertDetectionTime(errorRatio: number, alert: BurnRateAlert, objective: number): Duration | undefined {
  const times = alert.windows.map((w) => detectionTime(errorRatio, w, objective)).filter((t): t is Duration => t !== undefined);
  return times.sort((a, b) => a.compareTo(b))[0];
}

/** The windows the recording rules cover: every long and short window. */
export function sloWindows(alerts: ReadonlyArray<BurnRateAlert> = BURN_RATE_ALERTS): Duration[] {
  const all = alerts.flatMap((a) => a.windows.flatMap((w) => [w.long, w.short]));
  const unique = new Map(all.map((d) => [d.toMilliseconds(), d]));
  return [...unique.values()].sort((a, b) => a.compareTo(b));
}

/**
 * A service-level indicator, as the ratio of bad events to all events over a window. Selectors
 * are plain vector selectors (`http_requests_total{code=~"5.."}`); the ratio is aggregated
 * `by (tenant)`, so the same rules serve one tenant (scoped when rendered for it) or all tenants at
 * once (`ruleLayout: 'aggregated'`).
 */
export class Sli {
  /** Errors over total, e.g. `http_requests_total{code=~"5.."}` over `http_requests_total`. */
  public static errorRatio(opts: { readonly errors: string; readonly total: string }): Sli {
    const errors = selector(opts.errors, 'sli.errors');
    const total = selector(opts.total, 'sli.total');
    return new Sli('errorRatio', (w) => `sum by (tenant) (rate(${errors}[${w}])) / sum by (tenant) (rate(${total}[${w}]))`);
  }

  /** One minus good over total, e.g. `http_requests_total{code!~"5.."}` over `http_requests_total`. */
  public static goodRatio(opts: { readonly good: string; readonly total: string }): Sli {
    const good = selector(opts.good, 'sli.good');
    const total = selector(opts.total, 'sli.total');
    return new Sli('goodRatio', (w) => `1 - (sum by (tenant) (rate(${good}[${w}])) / sum by (tenant) (rate(${total}[${w}])))`);
  }

  /**
   * Latency: the share of requests slower than `thresholdSeconds`, from a histogram whose buckets
   * include `le="<thresholdSeconds>"` exactly.
   */
  public static latency(opts: { readonly histogram: string; readonly thresholdSeconds: number; readonly matchers?: string }): Sli {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(opts.histogram)) throw new ValidationError('<slo>', 'sli.histogram', opts.histogram, 'a histogram metric name without the _bucket suffix');
    if (!(opts.thresholdSeconds > 0) || !Number.isFinite(opts.thresholdSeconds)) {
      throw new ValidationError('<slo>', 'sli.thresholdSeconds', opts.thresholdSeconds, 'a positive number of seconds that is a bucket boundary of the histogram');
    }
    const inner = opts.matchers ? `${opts.matchers}, ` : '';
    const bucket = selector(`${opts.histogram}_bucket{${inner}le="${num(opts.thresholdSeconds)}"}`, 'sli.matchers');
    const count = selector(`${opts.histogram}_count${opts.matchers ? `{${opts.matchers}}` : ''}`, 'sli.matchers');
    return new Sli('latency', (w) => `1 - (sum by (tenant) (rate(${bucket}[${w}])) / sum by (tenant) (rate(${count}[${w}])))`);
  }

  /** Uptime: the share of scrapes in which the targets were down (`up == 0`). */
  public static uptime(opts: { readonly selector?: string } = {}): Sli {
    const up = selector(opts.selector ?? 'up', 'sli.selector');
    return new Sli('uptime', (w) => `1 - avg by (tenant) (avg_over_time(${up}[${w}]))`);
  }

  private constructor(
    /** The kind of indicator. */
    public readonly kind: 'errorRatio' | 'goodRatio' | 'latency' | 'uptime',
    private readonly build: (window: string) => string,
  ) {}

  /** The PromQL error ratio over `window`. */
  public errorRatio(window: Duration): string {
    return this.build(windowName(window));
  }
}

function selector(text: string, field: string): string {
  validatePromQL(text, '<slo>', field);
  if (selectorMetricNames(text).length !== 1 || !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/s.test(text.trim())) {
    throw new ValidationError('<slo>', field, text, 'one vector selector such as http_requests_total{code=~"5.."}');
  }
  return text.trim();
}

/** A service-level objective. */
export interface Slo {
  /** The SLO's name (a DNS label); the `slo` label of its series and alerts. */
  readonly name: string;
  /** What it promises, for annotations, e.g. `99.9 % of API requests succeed`. */
  readonly description: string;
  /** The objective: the share of good events, e.g. 0.999. */
  readonly objective: number;
  /** The indicator. */
  readonly sli: Sli;
  /** The compliance period of the error budget. @default Duration.days(30) */
  readonly period?: Duration;
  /** Extra labels on the alerts. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A window as SLO tooling writes it: whole days as `30d` (not `4w2d`), otherwise Prometheus' form. */
export function windowName(window: Duration): string {
  const day = 86_400_000;
  const ms = window.toMilliseconds();
  return ms > 0 && ms % day === 0 ? `${ms / day}d` : window.toPrometheus();
}

/** The name of the recording rule of the error ratio over `window`. */
export function sloErrorRatioRecord(window: Duration): string {
  return `slo:sli_error:ratio_rate${windowName(window)}`;
}

/** The recording rule of the remaining error budget (1 = untouched, 0 = spent, below 0 = overspent). */
export const SLO_BUDGET_REMAINING_RECORD = 'slo:error_budget:remaining';

/** The recording rule of the objective itself (for dashboards). */
export const SLO_OBJECTIVE_RECORD = 'slo:objective:ratio';

/** The alert names of an SLO: `<PascalName>BurnRatePage` and `<PascalName>BurnRateTicket`. */
export function sloAlertName(slo: Pick<Slo, 'name'>, kind: BurnRateAlert['kind']): string {
  const pascal = slo.name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return `${pascal}BurnRate${kind === 'page' ? 'Page' : 'Ticket'}`;
}

/** The runbook all SLO burn-rate alerts share. */
export const SLO_RUNBOOK = 'SloErrorBudgetBurn';

/** Validate an SLO; throws `ValidationError`. */
export function validateSlo(slo: Slo, location: ErrorLocation = '<slo>'): void {
  validateDnsLabel(slo.name, location, 'slo.name');
  if (typeof slo.objective !== 'number' || !(slo.objective > 0 && slo.objective < 1)) {
    throw new ValidationError(location, `slo(${slo.name}).objective`, slo.objective, 'a ratio strictly between 0 and 1, e.g. 0.999');
  }
  if (!(slo.sli instanceof Sli)) throw new ValidationError(location, `slo(${slo.name}).sli`, slo.sli, 'an Sli built by Sli.errorRatio, Sli.goodRatio, Sli.latency or Sli.uptime');
  if (typeof slo.description !== 'string' || slo.description.trim() === '') {
    throw new ValidationError(location, `slo(${slo.name}).description`, slo.description, 'a non-empty text');
  }
}

/**
 * The rule group of one SLO: an error-ratio recording rule per window, the error ratio and budget
 * remaining over the compliance period, and the page and ticket burn-rate alerts.
 */
export function sloRuleGroup(slo: Slo, options: PackOptions = {}): RuleGroup {
  validateSlo(slo);
  const period = slo.period ?? Duration.days(30);
  const labels = { slo: slo.name };
  const sel = (window: Duration): string => `${sloErrorRatioRecord(window)}{slo="${slo.name}"}`;
  const recordings: RecordingRule[] = sloWindows().map((w) => ({ record: sloErrorRatioRecord(w), expr: slo.sli.errorRatio(w), labels }));
  const shortest = sloWindows()[0];
  recordings.push(
    { record: sloErrorRatioRecord(period), expr: `avg_over_time(${sel(shortest)}[${windowName(period)}])`, labels },
    { record: SLO_OBJECTIVE_RECORD, expr: `vector(${num(slo.objective)})`, labels },
    { record: SLO_BUDGET_REMAINING_RECORD, expr: `1 - (${sel(period)} / ${num(1 - slo.objective)})`, labels },
  );
  const alerts: AlertRule[] = BURN_RATE_ALERTS.map((a) => withLinks({
    alert: sloAlertName(slo, a.kind),
    expr: a.windows.map((w) => {
      const t = num(burnRateThreshold(w.factor, slo.objective));
      return `(${sel(w.long)} > ${t} and ${sel(w.short)} > ${t})`;
    }).join(' or '),
    severity: a.severity,
    labels: { ...(slo.labels ?? {}), ...labels },
    summary: `SLO {{ $labels.slo }} of tenant {{ $labels.tenant }} burns its error budget ${a.kind === 'page' ? 'fast' : 'steadily'}`,
    description: `${slo.description} (objective ${num(slo.objective * 100)} % over ${windowName(period)}). `
      + `The error ratio exceeds ${a.windows.map((w) => `${w.factor}x the budget over ${windowName(w.long)} and ${windowName(w.short)}`).join(', or ')}.`,
    runbookUrl: runbookUrl(SLO_RUNBOOK, options),
  }, options));
  return { name: `slo-${slo.name}`, rules: [...recordings, ...alerts] };
}

/** The SLOs every tenant gets, from the profile's thresholds. */
export function defaultTenantSlos(profile: EnvironmentProfile): Slo[] {
  const t = profile.thresholds;
  return [
    {
      name: 'api-errors',
      description: `At most ${num(t.errorRatio * 100)} % of API requests fail with a 5xx`,
      objective: 1 - t.errorRatio,
      sli: Sli.errorRatio({ errors: `${A.httpRequests}{code=~"5.."}`, total: A.httpRequests }),
    },
    {
      name: 'api-latency',
      description: `95 % of API requests complete within ${num(t.latencyP95Seconds * 1000)} ms (p95)`,
      objective: 0.95,
      sli: Sli.latency({ histogram: HTTP_REQUEST_DURATION_HISTOGRAM, thresholdSeconds: t.latencyP95Seconds }),
    },
    {
      name: 'uptime',
      description: `The tenant's targets are up ${num(t.availability * 100)} % of the time`,
      objective: t.availability,
      sli: Sli.uptime(),
    },
  ];
}

/** Parameters of the capacity alert. */
export interface CapacityParams {
  /** Fire when throughput exceeds this share of the target. @default 0.8 */
  readonly warningRatio?: number;
  /** How long the throughput must stay high. @default Duration.minutes(10) */
  readonly for?: Duration;
}

/** The capacity alert `TenantThroughputNearCapacity`: throughput against `profile.thresholds.throughputTargetRps`. */
export function capacityRuleGroup(profile: EnvironmentProfile, options: PackOptions & { readonly capacity?: CapacityParams; readonly overrides?: DefaultSloOptions['overrides'] } = {}): RuleGroup {
  const ratio = options.capacity?.warningRatio ?? 0.8;
  const target = profile.thresholds.throughputTargetRps;
  return {
    name: 'capacity',
    rules: [withLinks({
      alert: 'TenantThroughputNearCapacity',
      expr: `sum by (tenant) (rate(${A.httpRequests}[5m])) > ${num(ratio * target)}`,
      for: holdFor(options, 'TenantThroughputNearCapacity', options.capacity?.for ?? Duration.minutes(10)),
      severity: 'warning',
      summary: 'Tenant {{ $labels.tenant }} runs near its throughput capacity',
      description: `Requests per second exceed ${num(ratio * 100)} % of the ${num(target)} RPS target this environment is sized for.`,
    }, options)],
  };
}

/**
 * The alerts of the default SLOs and the capacity alert, with their named thresholds. The
 * burn-rate alerts have none: their thresholds follow from the objective (set it through the
 * profile's `thresholds`, or write your own `Slo`).
 */
export const DEFAULT_SLO_ALERT_THRESHOLDS = {
  ApiErrorsBurnRatePage: {},
  ApiErrorsBurnRateTicket: {},
  ApiLatencyBurnRatePage: {},
  ApiLatencyBurnRateTicket: {},
  UptimeBurnRatePage: {},
  UptimeBurnRateTicket: {},
  TenantThroughputNearCapacity: { warningRatio: 'ratio' },
} as const satisfies AlertThresholdTable;

/** Options of the default SLO groups: pack options, the capacity parameters, and per-alert overrides. */
export type DefaultSloOptions = PackBuildOptions<CapacityParams, typeof DEFAULT_SLO_ALERT_THRESHOLDS>;

/** The rule groups of the default SLOs plus the capacity alert. */
export function defaultSloRuleGroups(profile: EnvironmentProfile, options: DefaultSloOptions = {}): RuleGroup[] {
  return buildPack(DEFAULT_SLO_ALERT_THRESHOLDS, options, (capacity) => [
    ...defaultTenantSlos(profile).map((s) => sloRuleGroup(s, options)),
    capacityRuleGroup(profile, { ...options, capacity }),
  ]);
}
