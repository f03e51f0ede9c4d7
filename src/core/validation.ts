import { parser } from '@prometheus-io/lezer-promql';
import { isIP } from 'node:net';
import { ErrorLocation, ValidationError } from './errors';

/** Allowed text for a DNS-1123 label. */
export const DNS_LABEL_ALLOWED = 'a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit';
/** A DNS-1123 label's characters (its length, 1-63, is checked apart): the one copy of this pattern. */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain's characters: dot-separated DNS labels (its length, at most 253, is checked apart). */
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = DNS_LABEL_PATTERN;

/** True when `value` is a DNS-1123 label: 1-63 characters of a-z, 0-9 and -, starting and ending alphanumeric. */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 63 && DNS_LABEL.test(value);
}

/** Throw unless `value` is a DNS-1123 label (namespace names, tenant ids, most object names). */
export function validateDnsLabel(value: string, location: ErrorLocation, field: string): string {
  if (!isDnsLabel(value)) {
    throw new ValidationError(location, field, value, DNS_LABEL_ALLOWED);
  }
  return value;
}

/** Allowed text for a DNS-1123 subdomain. */
export const DNS_SUBDOMAIN_ALLOWED = 'a DNS-1123 subdomain: at most 253 characters, dot-separated DNS labels';

/** Throw unless `value` is a DNS-1123 subdomain (ConfigMap, Secret and most object names). */
export function validateDnsSubdomain(value: string, location: ErrorLocation, field: string): string {
  const ok = typeof value === 'string' && value.length > 0 && value.length <= 253
    && value.split('.').every((part) => DNS_LABEL.test(part));
  if (!ok) throw new ValidationError(location, field, value, DNS_SUBDOMAIN_ALLOWED);
  return value;
}

const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Allowed text for a Prometheus label name. */
export const LABEL_NAME_ALLOWED = 'a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __ (reserved)';

/** Throw unless `name` is a Prometheus label name that users may set (not `__reserved`). */
export function validateLabelName(name: string, location: ErrorLocation, field: string): string {
  if (typeof name !== 'string' || !PROM_LABEL_NAME.test(name) || name.startsWith('__')) {
    throw new ValidationError(location, field, name, LABEL_NAME_ALLOWED);
  }
  return name;
}

/** Allowed text for a Prometheus label value. */
export const LABEL_VALUE_ALLOWED = 'a non-empty UTF-8 string without control characters, at most 1024 characters';

/** Throw unless `value` is a sensible Prometheus label value. */
export function validateLabelValue(value: string, location: ErrorLocation, field: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ValidationError(location, field, value, LABEL_VALUE_ALLOWED);
  }
  return value;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Allowed text for a metric or recording-rule name. */
export const METRIC_NAME_ALLOWED = 'a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*';

/** Throw unless `name` is a valid metric name (recording rules). */
export function validateMetricName(name: string, location: ErrorLocation, field: string): string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) throw new ValidationError(location, field, name, METRIC_NAME_ALLOWED);
  return name;
}

const K8S_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Allowed text for a Kubernetes label value. */
export const K8S_LABEL_VALUE_ALLOWED = 'a Kubernetes label value: at most 63 characters of A-Z a-z 0-9 - _ ., starting and ending alphanumeric';

/** Throw unless `value` is a valid Kubernetes label value. */
export function validateKubernetesLabelValue(value: string, location: ErrorLocation, field: string): string {
  if (typeof value !== 'string' || value.length > 63 || !K8S_LABEL_VALUE.test(value)) {
    throw new ValidationError(location, field, value, K8S_LABEL_VALUE_ALLOWED);
  }
  return value;
}

/** Allowed text for PromQL. */
export const PROMQL_ALLOWED = 'a PromQL expression';

/**
 * Parse results by expression. Rule packs render the same expressions for every tenant, so an
 * environment with many tenants parses each distinct expression once. Bounded: cleared when full.
 */
const PROMQL_ERRORS = new Map<string, { offset: number; message: string } | null>();
const PROMQL_CACHE_LIMIT = 20_000;

/** The first syntax error of a PromQL expression, or undefined when it parses. */
export function findPromQLError(expr: string): { offset: number; message: string } | undefined {
  if (typeof expr !== 'string' || expr.trim() === '') return { offset: 0, message: 'empty expression' };
  const cached = PROMQL_ERRORS.get(expr);
  if (cached !== undefined) return cached ?? undefined;
  const found = parsePromQLError(expr);
  if (PROMQL_ERRORS.size >= PROMQL_CACHE_LIMIT) PROMQL_ERRORS.clear();
  PROMQL_ERRORS.set(expr, found ?? null);
  return found;
}

function parsePromQLError(expr: string): { offset: number; message: string } | undefined {
  const tree = parser.parse(expr);
  let found: { offset: number; message: string } | undefined;
  tree.iterate({
    enter(node) {
      if (found) return false;
      if (node.type.isError) {
        const near = expr.slice(Math.max(0, node.from - 10), node.from + 10);
        found = {
          offset: node.from,
          message: node.from >= expr.length
            ? 'unexpected end of expression'
            : `syntax error at offset ${node.from} near ${JSON.stringify(near)}`,
        };
        return false;
      }
      return undefined;
    },
  });
  return found;
}

/** Throw unless `expr` parses as PromQL. */
export function validatePromQL(expr: string, location: ErrorLocation, field: string): string {
  const err = findPromQLError(expr);
  if (err) throw new ValidationError(location, field, expr, PROMQL_ALLOWED, err.message);
  return expr;
}

/** Allowed text for a cron schedule. */
export const CRON_ALLOWED = 'a 5-field cron schedule "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"; day-of-week 0-6 or SUN-SAT), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>, without TZ= or CRON_TZ= (use the CronJob\'s timeZone)';

const CRON_DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The fields of robfig/cron's standard parser, which the Kubernetes CronJob controller uses: day-of-week is 0-6. */
const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];
/** Go's `time.ParseDuration` syntax (units ns, us, µs, ms, s, m, h), as `@every` reads it. */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/u;

/** A whole number as Go's `strconv.Atoi` reads it (an optional sign), and not negative. */
function cronInt(text: string, spec: (typeof CRON_FIELDS)[number]): number | string {
  if (!/^[+-]?\d+$/.test(text)) return `${spec.name} "${text}" is not a number${spec.names ? ' or a name' : ''}`;
  const n = Number(text);
  return n < 0 ? `${spec.name} "${text}" is negative` : n;
}

function cronValue(text: string, spec: (typeof CRON_FIELDS)[number]): number | string {
  const idx = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (idx >= 0) return spec.names === MONTHS ? idx + 1 : idx;
  return cronInt(text, spec);
}

/** The problem robfig/cron finds with one field (a comma-separated list of ranges with optional steps), if any. */
function cronFieldProblem(text: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  for (const part of text.split(',')) {
    const rangeAndStep = part.split('/');
    if (rangeAndStep.length > 2) return `${spec.name} "${part}" has too many slashes`;
    const lowAndHigh = rangeAndStep[0]!.split('-');
    let start: number;
    let end: number;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
      start = spec.min;
      end = spec.max;
    } else {
      if (lowAndHigh.length > 2) return `${spec.name} "${part}" has too many hyphens`;
      const low = cronValue(lowAndHigh[0]!, spec);
      if (typeof low === 'string') return low;
      const high = lowAndHigh.length === 2 ? cronValue(lowAndHigh[1]!, spec) : low;
      if (typeof high === 'string') return high;
      start = low;
      // "N/step" means "N-max/step".
      end = lowAndHigh.length === 1 && rangeAndStep.length === 2 ? spec.max : high;
    }
    if (rangeAndStep.length === 2) {
      const step = cronInt(rangeAndStep[1]!, { ...spec, names: undefined });
      if (typeof step === 'string' || step === 0) return `${spec.name} step "${rangeAndStep[1]}" must be a positive whole number`;
    }
    if (start < spec.min || end > spec.max) return `${spec.name} value "${part}" is outside ${spec.min}-${spec.max}`;
    if (start > end) return `${spec.name} range "${part}" runs backwards`;
  }
  return undefined;
}

/**
 * Throw unless `schedule` is a schedule the Kubernetes CronJob controller accepts: what robfig/cron's
 * `ParseStandard` parses (5 fields with numbers, names, ranges, steps and `?`; day-of-week 0-6; the `@` descriptors
 * including `@every <Go duration>`), without the `TZ=` / `CRON_TZ=` prefix that the API server refuses since
 * Kubernetes 1.29 (the CronJob's `timeZone` field sets the zone).
 */
export function validateCron(schedule: string, location: ErrorLocation, field: string): string {
  if (typeof schedule !== 'string') throw new ValidationError(location, field, schedule, CRON_ALLOWED);
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) throw new ValidationError(location, field, schedule, CRON_ALLOWED, 'a time zone prefix');
  if (trimmed.startsWith('@')) {
    if (CRON_DESCRIPTORS.has(trimmed)) return schedule;
    if (trimmed.startsWith('@every ')) {
      const duration = trimmed.slice('@every '.length);
      if (GO_DURATION.test(duration)) return schedule;
      throw new ValidationError(location, field, schedule, CRON_ALLOWED, `"${duration}" is not a Go duration such as 90s, 5m or 1h30m`);
    }
    throw new ValidationError(location, field, schedule, CRON_ALLOWED, 'unknown descriptor');
  }
  const parts = trimmed === '' ? [] : trimmed.split(/\s+/);
  if (parts.length !== 5) throw new ValidationError(location, field, schedule, CRON_ALLOWED, `${parts.length} fields`);
  parts.forEach((p, i) => {
    const problem = cronFieldProblem(p, CRON_FIELDS[i]!);
    if (problem) throw new ValidationError(location, field, schedule, CRON_ALLOWED, problem);
  });
  return schedule;
}

/** Throw unless `value` is a finite number within [min, max]. */
export function validateRange(value: number, min: number, max: number, location: ErrorLocation, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(location, field, value, `a number from ${min} to ${max}`);
  }
  return value;
}

/** Throw unless `value` is a whole number within [min, max]. */
export function validateInteger(value: number, min: number, max: number, location: ErrorLocation, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(location, field, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Throw unless `value` is an absolute http(s) URL. */
export function validateUrl(value: string, location: ErrorLocation, field: string): string {
  let ok = false;
  try {
    const u = new URL(value);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw new ValidationError(location, field, value, 'an absolute http:// or https:// URL');
  return value;
}

/** Is `text` a CIDR (`10.0.0.0/8`, `fd00::/8`)? */
export function isCidr(text: string): boolean {
  const [addr, bits, extra] = text.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || bits === undefined || extra !== undefined || !/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
