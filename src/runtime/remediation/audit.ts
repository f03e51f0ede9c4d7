/**
 * Audit of every decision: one structured JSON log line, Prometheus metrics and, when there is a
 * target, a Kubernetes Event on it.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ClusterApi, RetryOptions, withRetry } from './cluster';
import { EventSubject, auditEvent } from './manifests';

/** The metrics of one controller (its own registry, so several can live in one process). */
export class RemediationMetrics {
  readonly registry = new Registry();
  /** `remediation_actions_total{action,result}`. */
  readonly actions = new Counter({
    name: 'remediation_actions_total',
    help: 'Remediation actions by action and result (success, noop, failure, dry_run, refused, duplicate, cooling_down).',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });
  /** `remediation_decisions_total{decision}`. */
  readonly decisions = new Counter({
    name: 'remediation_decisions_total',
    help: 'Decisions taken for alerts, including refusals, duplicates and dry runs.',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });
  /** `remediation_webhook_duration_seconds`. */
  readonly webhookDuration = new Histogram({
    name: 'remediation_webhook_duration_seconds',
    help: 'Time to handle one webhook request, from the first byte to the response.',
    labelNames: ['code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  /** `remediation_audit_events_total{result}`: Kubernetes Events written or lost. */
  readonly events = new Counter({
    name: 'remediation_audit_events_total',
    help: 'Kubernetes Events the controller wrote (created), could not write (failed) or left out under load (skipped).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  /** `remediation_expired_blocks_deleted_total`. */
  readonly sweeps = new Counter({
    name: 'remediation_expired_blocks_deleted_total',
    help: 'Expired block NetworkPolicies deleted by the sweeper.',
    registers: [this.registry],
  });

  constructor(processMetrics = false) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** A line sink (stdout by default). */
export type LineWriter = (line: string) => void;

/** Fields of one audit record. */
export interface AuditRecord {
  readonly decision: string;
  readonly reason: string;
  readonly [field: string]: unknown;
}

/** Writes JSON log lines. */
export class AuditLog {
  constructor(private readonly write: LineWriter = (line) => process.stdout.write(`${line}\n`)) {}

  /** One decision (`msg: "decision"`). */
  decision(record: AuditRecord): void {
    this.write(JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg: 'decision', ...record }));
  }

  /** Anything else worth a line. */
  log(level: 'info' | 'warn' | 'error', msg: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }));
  }
}

/** Writes audit Events through the cluster with retries; failures are logged and counted, never thrown. */
export class EventRecorder {
  constructor(
    private readonly cluster: ClusterApi,
    private readonly metrics: RemediationMetrics,
    private readonly log: AuditLog,
    private readonly instance: string,
    private readonly retry?: RetryOptions,
  ) {}

  /** Record an Event on the subject; `id` identifies the decision (a retried create is a 409). */
  async record(subject: EventSubject, id: string, reason: string, message: string, warning: boolean): Promise<void> {
    const manifest = auditEvent(subject, id, reason, message, warning, this.instance, new Date());
    try {
      await withRetry(async () => {
        try {
          await this.cluster.createEvent(subject.namespace, manifest);
        } catch (e) {
          if ((e as { status?: number }).status !== 409) throw e;
        }
      }, this.retry);
      this.metrics.events.inc({ result: 'created' });
    } catch (e) {
      this.metrics.events.inc({ result: 'failed' });
      this.log.log('warn', 'event not recorded', { subject, reason, error: (e as Error).message });
    }
  }
}
