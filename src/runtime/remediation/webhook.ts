/**
 * Alertmanager webhook payload (version "4") and its validation.
 */
import { createHash } from 'node:crypto';

/** One alert of a webhook notification. */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  /** Alertmanager's fingerprint of the label set; computed from the labels when absent. */
  readonly fingerprint: string;
}

/** A webhook notification as Alertmanager sends it. */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

/** Raised for a payload that does not follow the schema; `message` names the field. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Most alerts accepted in one notification. */
export const MAX_ALERTS_PER_PAYLOAD = 1000;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, field: string, optional: boolean): Record<string, string> {
  if (v === undefined && optional) return {};
  if (!isRecord(v)) throw new PayloadError(`${field}: expected an object of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new PayloadError(`${field}.${k}: expected a string, got ${JSON.stringify(val)}`);
  }
  return v as Record<string, string>;
}

function string(v: unknown, field: string, optional: boolean): string {
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw new PayloadError(`${field}: expected a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return v;
}

function status(v: unknown, field: string): 'firing' | 'resolved' {
  if (v !== 'firing' && v !== 'resolved') throw new PayloadError(`${field}: expected "firing" or "resolved", got ${JSON.stringify(v ?? null)}`);
  return v;
}

/** Fingerprint of a label set (stable hash of the sorted pairs), used when Alertmanager sends none. */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
  return h.digest('hex').slice(0, 16);
}

/**
 * Validate a decoded JSON body against the version 4 webhook schema.
 * @throws PayloadError naming the first offending field
 */
export function validatePayload(body: unknown): WebhookPayload {
  if (!isRecord(body)) throw new PayloadError('body: expected a JSON object');
  if (body.version !== '4') throw new PayloadError(`version: expected "4", got ${JSON.stringify(body.version ?? null)}`);
  const groupKey = string(body.groupKey, 'groupKey', false);
  if (!Array.isArray(body.alerts)) throw new PayloadError('alerts: expected an array');
  if (body.alerts.length > MAX_ALERTS_PER_PAYLOAD) throw new PayloadError(`alerts: at most ${MAX_ALERTS_PER_PAYLOAD} alerts per notification, got ${body.alerts.length}`);
  const alerts = body.alerts.map((a: unknown, i: number): WebhookAlert => {
    const f = `alerts[${i}]`;
    if (!isRecord(a)) throw new PayloadError(`${f}: expected an object`);
    const labels = stringMap(a.labels, `${f}.labels`, false);
    const startsAt = string(a.startsAt, `${f}.startsAt`, false);
    if (Number.isNaN(Date.parse(startsAt))) throw new PayloadError(`${f}.startsAt: expected an RFC 3339 time, got ${JSON.stringify(startsAt)}`);
    const fp = string(a.fingerprint, `${f}.fingerprint`, true);
    return {
      status: status(a.status, `${f}.status`),
      labels,
      annotations: stringMap(a.annotations, `${f}.annotations`, true),
      startsAt,
      endsAt: string(a.endsAt, `${f}.endsAt`, true),
      generatorURL: string(a.generatorURL, `${f}.generatorURL`, true),
      fingerprint: fp === '' ? labelsFingerprint(labels) : fp,
    };
  });
  return {
    version: '4',
    groupKey,
    truncatedAlerts: typeof body.truncatedAlerts === 'number' ? body.truncatedAlerts : 0,
    status: status(body.status, 'status'),
    receiver: string(body.receiver, 'receiver', true),
    groupLabels: stringMap(body.groupLabels, 'groupLabels', true),
    commonLabels: stringMap(body.commonLabels, 'commonLabels', true),
    commonAnnotations: stringMap(body.commonAnnotations, 'commonAnnotations', true),
    externalURL: string(body.externalURL, 'externalURL', true),
    alerts,
  };
}
