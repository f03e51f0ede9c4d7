import { parser } from '@prometheus-io/lezer-promql';
import { isIP } from 'node:net';
import { ErrorLocation, ValidationError } from './errors';

/** Allowed text for a DNS-1123 label. */
export const DNS_LABEL_ALLOWED = 'a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throw unless `value` is a DNS-1123 label (namespace names, tenant ids, most object names). */
export function validateDnsLabel(value: string, location: ErrorLocation, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
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
export const CRON_ALLOWED = 'a 5-field cron schedule "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *") or @hourly, @daily, @weekly, @monthly, @yearly';

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: string[]; question?: boolean }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, question: true },
];

function cronValue(text: string, spec: (typeof CRON_FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (spec.names) {
    const idx = spec.names.indexOf(text.toUpperCase());
    if (idx >= 0) return spec.names === MONTHS ? idx + 1 : idx;
  }
  return undefined;
}

function cronFieldProblem(text: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  if (spec.question && text === '?') return undefined;
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === '') return `${spec.name} "${part}" is malformed`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) return `${spec.name} step "${step}" must be a positive whole number`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${spec.name} range "${range}" is malformed`;
    const values = bounds.map((b) => cronValue(b, spec));
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === undefined || v < spec.min || v > spec.max) return `${spec.name} value "${bounds[i]}" is outside ${spec.min}-${spec.max}`;
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `${spec.name} range "${range}" runs backwards`;
  }
  return undefined;
}

/** Throw unless `schedule` is a cron schedule a Kubernetes CronJob accepts. */
export function validateCron(schedule: string, location: ErrorLocation, field: string): string {
  if (typeof schedule !== 'string') throw new ValidationError(location, field, schedule, CRON_ALLOWED);
  const trimmed = schedule.trim();
  if (CRON_MACROS.has(trimmed)) return schedule;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) throw new ValidationError(location, field, schedule, CRON_ALLOWED, `${parts.length} fields`);
  parts.forEach((p, i) => {
    const problem = cronFieldProblem(p, CRON_FIELDS[i]);
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
