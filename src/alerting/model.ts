import { stringify } from 'yaml';
import { Duration } from '../core/duration';
import { ErrorLocation, ValidationErrors } from '../core/errors';
import { Matcher } from '../core/matcher';
import { LABEL_NAME_ALLOWED } from '../core/validation';
import { Receiver, ReceiverRenderContext } from './receivers';
import { ALERTMANAGER_SECRETS_DIRECTORY } from './secret-ref';
import { TEMPLATE_FILE_NAME } from './templates';
import { definedOnly } from './util';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A node of the routing tree. */
export interface Route {
  /** Receiver name. @default - the parent's receiver */
  readonly receiver?: string;
  /** Which alerts this route takes. @default - all alerts reaching it */
  readonly matchers?: ReadonlyArray<Matcher>;
  /** Labels that group alerts into one notification. @default - the parent's */
  readonly groupBy?: ReadonlyArray<string>;
  /** Wait before the first notification of a group. @default - the parent's */
  readonly groupWait?: Duration;
  /** Wait before notifying about alerts added to a group. @default - the parent's */
  readonly groupInterval?: Duration;
  /** Wait before repeating a notification. @default - the parent's */
  readonly repeatInterval?: Duration;
  /** Whether matching continues with the next sibling. @default false */
  readonly continue?: boolean;
  /** Child routes, tried in order. @default - none */
  readonly routes?: ReadonlyArray<Route>;
  /** Time intervals during which notifications are muted. @default - none */
  readonly muteTimeIntervals?: ReadonlyArray<string>;
  /** Time intervals outside which notifications are muted. @default - always active */
  readonly activeTimeIntervals?: ReadonlyArray<string>;
}

/** Mutes the alerts matching `targetMatchers` while an alert matching `sourceMatchers` fires with equal `equal` labels. */
export interface InhibitRule {
  /** What the muting alert matches. */
  readonly sourceMatchers: ReadonlyArray<Matcher>;
  /** What the muted alerts match. */
  readonly targetMatchers: ReadonlyArray<Matcher>;
  /** Labels that must be equal in source and target. @default - none */
  readonly equal?: ReadonlyArray<string>;
}

/** A clock range within a day, `HH:MM` (24h). */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/** One period of a time interval; all given fields must match. */
export interface TimePeriod {
  /** Clock ranges. @default - the whole day */
  readonly times?: ReadonlyArray<TimeRange>;
  /** Weekdays or ranges (`monday:friday`). @default - every day */
  readonly weekdays?: ReadonlyArray<string>;
  /** IANA time zone. @default 'UTC' */
  readonly location?: string;
}

/** A named time interval, referenced by routes. */
export interface TimeInterval {
  readonly name: string;
  readonly periods: ReadonlyArray<TimePeriod>;
}

/** Monday to Friday, 08:00-18:00 in `location`. */
export function businessHours(name: string = 'business-hours', location: string = 'UTC'): TimeInterval {
  return { name, periods: [{ weekdays: ['monday:friday'], times: [{ start: '08:00', end: '18:00' }], location }] };
}

/** The whole Alertmanager configuration as a typed model. */
export interface AlertmanagerConfigModel {
  /** The root route; its receiver is the catch-all. */
  readonly route: Route;
  /** Every receiver any route names. */
  readonly receivers: ReadonlyArray<Receiver>;
  /** Inhibit rules. */
  readonly inhibitRules: ReadonlyArray<InhibitRule>;
  /** Named time intervals. */
  readonly timeIntervals: ReadonlyArray<TimeInterval>;
}

/** Where the rendered configuration expects mounted files. */
export interface AlertmanagerRenderOptions extends ReceiverRenderContext {
  /** Directory the template file is mounted in (prometheus-operator mounts the config Secret's keys there). @default '/etc/alertmanager/config' */
  readonly templateDirectory?: string;
}

/** The directory prometheus-operator mounts the configuration Secret's keys in. */
export const ALERTMANAGER_CONFIG_DIRECTORY = '/etc/alertmanager/config';

/** Declared Secrets: name to keys. */
export type DeclaredSecrets = ReadonlyMap<string, ReadonlySet<string>>;

const WEEKDAY = '(sunday|monday|tuesday|wednesday|thursday|friday|saturday)';
const WEEKDAY_RANGE = new RegExp(`^${WEEKDAY}(:${WEEKDAY})?$`);
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/**
 * Check the whole configuration: unique receiver names, every route names a known receiver,
 * every `SecretKeyRef` names a declared Secret and key, time intervals exist and are well formed,
 * group-by labels are label names. Returns every problem (empty when valid).
 */
export function validateAlertmanagerConfig(model: AlertmanagerConfigModel, secrets: DeclaredSecrets, location: ErrorLocation): string[] {
  const errors = new ValidationErrors();
  const names = new Set<string>();
  model.receivers.forEach((r, i) => {
    if (names.has(r.name)) errors.add(location, `receivers[${i}].name`, r.name, 'a receiver name used once', 'duplicate receiver');
    names.add(r.name);
    r.secretRefs.forEach((ref) => {
      const keys = secrets.get(ref.name);
      if (!keys) {
        errors.add(location, `receivers[${i}](${r.name}).secretRef`, ref.toString(),
          `a Secret declared with addSecret() (declared: ${[...secrets.keys()].sort().join(', ') || 'none'})`, 'missing Secret');
      } else if (!keys.has(ref.key)) {
        errors.add(location, `receivers[${i}](${r.name}).secretRef`, ref.toString(),
          `a key of Secret ${ref.name} (declared keys: ${[...keys].sort().join(', ')})`, 'missing Secret key');
      }
    });
  });
  const intervals = new Set<string>();
  model.timeIntervals.forEach((ti, i) => {
    if (intervals.has(ti.name)) errors.add(location, `timeIntervals[${i}].name`, ti.name, 'a time interval name used once', 'duplicate time interval');
    intervals.add(ti.name);
    ti.periods.forEach((p, pi) => {
      (p.weekdays ?? []).forEach((w) => {
        if (!WEEKDAY_RANGE.test(w)) errors.add(location, `timeIntervals[${i}](${ti.name}).periods[${pi}].weekdays`, w, 'a weekday or range such as monday:friday');
      });
      (p.times ?? []).forEach((t) => {
        if (!CLOCK.test(t.start) || !CLOCK.test(t.end) || t.start >= t.end) {
          errors.add(location, `timeIntervals[${i}](${ti.name}).periods[${pi}].times`, t, 'HH:MM start and end, start before end');
        }
      });
    });
  });
  const visit = (route: Route, field: string, isRoot: boolean): void => {
    if (isRoot && route.receiver === undefined) errors.add(location, `${field}.receiver`, undefined, 'a receiver on the root route (the catch-all)');
    if (route.receiver !== undefined && !names.has(route.receiver)) {
      errors.add(location, `${field}.receiver`, route.receiver, `one of the receivers: ${[...names].sort().join(', ') || 'none declared'}`, 'unknown receiver');
    }
    (route.groupBy ?? []).forEach((l) => {
      if (l !== '...' && !LABEL_NAME.test(l)) errors.add(location, `${field}.groupBy`, l, `${LABEL_NAME_ALLOWED}, or ...`);
    });
    (route.matchers ?? []).forEach((m, i) => {
      if (!(m instanceof Matcher)) errors.add(location, `${field}.matchers[${i}]`, m, 'a Matcher (Matcher.eq, Matcher.regex, Matcher.parse, …)');
    });
    [...(route.muteTimeIntervals ?? []), ...(route.activeTimeIntervals ?? [])].forEach((n) => {
      if (!intervals.has(n)) errors.add(location, `${field}.timeIntervals`, n, `a declared time interval: ${[...intervals].join(', ') || 'none declared'}`, 'unknown time interval');
    });
    (route.routes ?? []).forEach((child, i) => visit(child, `${field}.routes[${i}]`, false));
  };
  visit(model.route, 'route', true);
  model.inhibitRules.forEach((rule, i) => {
    if (rule.sourceMatchers.length === 0 || rule.targetMatchers.length === 0) {
      errors.add(location, `inhibitRules[${i}]`, rule.sourceMatchers.length === 0 ? 'sourceMatchers' : 'targetMatchers', 'at least one source and one target matcher');
    }
    [...rule.sourceMatchers, ...rule.targetMatchers].forEach((m) => {
      if (!(m instanceof Matcher)) errors.add(location, `inhibitRules[${i}].matchers`, m, 'a Matcher');
    });
    (rule.equal ?? []).forEach((l) => {
      if (!LABEL_NAME.test(l)) errors.add(location, `inhibitRules[${i}].equal`, l, LABEL_NAME_ALLOWED);
    });
  });
  return errors.all;
}

/** Render the model to `alertmanager.yaml` text (validate it first with `validateAlertmanagerConfig`). */
export function renderAlertmanagerConfig(model: AlertmanagerConfigModel, opts: AlertmanagerRenderOptions = {}): string {
  const ctx: ReceiverRenderContext = { secretsDirectory: opts.secretsDirectory ?? ALERTMANAGER_SECRETS_DIRECTORY };
  const doc = definedOnly({
    route: renderRoute(model.route),
    receivers: model.receivers.map((r) => r.render(ctx)),
    inhibit_rules: model.inhibitRules.length > 0 ? model.inhibitRules.map((r) => definedOnly({
      source_matchers: r.sourceMatchers.map(String),
      target_matchers: r.targetMatchers.map(String),
      equal: r.equal && r.equal.length > 0 ? [...r.equal] : undefined,
    })) : undefined,
    time_intervals: model.timeIntervals.length > 0 ? model.timeIntervals.map((ti) => ({
      name: ti.name,
      time_intervals: ti.periods.map((p) => definedOnly({
        times: p.times?.map((t) => ({ start_time: t.start, end_time: t.end })),
        weekdays: p.weekdays ? [...p.weekdays] : undefined,
        location: p.location,
      })),
    })) : undefined,
    templates: [`${opts.templateDirectory ?? ALERTMANAGER_CONFIG_DIRECTORY}/${TEMPLATE_FILE_NAME}`],
  });
  return stringify(doc, { lineWidth: 0 });
}

function renderRoute(route: Route): Record<string, unknown> {
  return definedOnly({
    receiver: route.receiver,
    matchers: route.matchers && route.matchers.length > 0 ? route.matchers.map(String) : undefined,
    group_by: route.groupBy ? [...route.groupBy] : undefined,
    group_wait: route.groupWait?.toPrometheus(),
    group_interval: route.groupInterval?.toPrometheus(),
    repeat_interval: route.repeatInterval?.toPrometheus(),
    continue: route.continue ? true : undefined,
    mute_time_intervals: route.muteTimeIntervals && route.muteTimeIntervals.length > 0 ? [...route.muteTimeIntervals] : undefined,
    active_time_intervals: route.activeTimeIntervals && route.activeTimeIntervals.length > 0 ? [...route.activeTimeIntervals] : undefined,
    routes: route.routes && route.routes.length > 0 ? route.routes.map(renderRoute) : undefined,
  });
}
