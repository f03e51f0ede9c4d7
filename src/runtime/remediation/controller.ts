/**
 * The controller: decisions for each alert of a notification, actions in the background, and an
 * audit record for every decision.
 */
import { RemediationPolicy } from '../../remediation/policy';
import { ActionOutcome, ActionRunner, eventSubject, writeSubject } from './actions';
import { AuditLog, EventRecorder, RemediationMetrics } from './audit';
import { ClusterApi, RetryOptions, withRetry } from './cluster';
import { DedupStore } from './dedup';
import { Decision, DecisionEngine, DecisionName } from './engine';
import { IntentRecord, Journal, PlannedWrite } from './journal';
import { EXPIRES_AT_ANNOTATION, OWNED_SELECTOR } from './manifests';
import { WebhookPayload } from './webhook';

/** Settings of `RemediationController`. */
export interface ControllerOptions {
  readonly policy: RemediationPolicy;
  readonly cluster: ClusterApi;
  /** Overrides the policy's `safety.dryRun`. @default - the policy's */
  readonly dryRun?: boolean;
  /** Backoff for API calls. @default 5 tries from 100 ms, doubling, at most 2 s apart */
  readonly retry?: RetryOptions;
  /** Audit log. @default JSON lines on stdout */
  readonly log?: AuditLog;
  /** Metrics. @default a fresh registry with process metrics */
  readonly metrics?: RemediationMetrics;
  /** Dedup store. @default 24 h TTL, 100,000 entries */
  readonly dedup?: DedupStore;
  /** Name reported in Events (`reportingInstance`). @default 'remediation-controller' */
  readonly instance?: string;
  /**
   * Write-ahead journal: every write is journalled (flushed) and audited before it is sent, and
   * `recover()` rebuilds the bookkeeping from it after a restart.
   * @default - bookkeeping in memory only; a restart may act again on alerts it already handled
   */
  readonly journal?: Journal;
  /**
   * Most actions and Events running at once. At this many the controller is `saturated` and the
   * server turns notifications away (503, Alertmanager retries them); from half of it, refusal
   * Events are skipped (counted as `skipped`), so memory stays bounded under a burst. @default 512
   */
  readonly maxPending?: number;
  /** Time budget of one action (its API calls and retries), in milliseconds; keep it below the drain timeout. @default 20_000 */
  readonly actionBudgetMs?: number;
}

/** A short, log-friendly description of a planned write (the journal holds the whole write). */
export function describeWrite(w: PlannedWrite): Readonly<Record<string, unknown>> {
  switch (w.op) {
    case 'restart':
      return { op: w.op, target: `${w.workload.kind}/${w.workload.namespace}/${w.workload.name}`, annotations: w.annotations };
    case 'scale':
      return { op: w.op, target: `${w.workload.kind}/${w.workload.namespace}/${w.workload.name}`, from: w.from, to: w.to };
    case 'create-networkpolicy':
      return { op: w.op, target: `NetworkPolicy/${w.namespace}/${w.name}` };
    case 'create-job':
      return { op: w.op, target: `Job/${w.namespace}/${w.name}` };
  }
}

/** The short summary returned to Alertmanager for each alert. */
export interface AlertReceipt {
  readonly fingerprint: string;
  readonly decision: Decision['decision'];
}

const EVENT_REASON: Readonly<Record<ActionOutcome['result'], string>> = {
  success: 'RemediationSucceeded',
  noop: 'RemediationNoChange',
  dry_run: 'RemediationDryRun',
  failure: 'RemediationFailed',
  duplicate: 'RemediationDuplicate',
  cooling_down: 'RemediationRefused',
};

const DECISION_OF: Readonly<Record<ActionOutcome['result'], DecisionName>> = {
  success: 'acted',
  noop: 'noop',
  dry_run: 'dry_run',
  failure: 'failed',
  duplicate: 'duplicate',
  cooling_down: 'refused_cooldown',
};

/** Ties the engine, the actions and the audit together. */
export class RemediationController {
  readonly metrics: RemediationMetrics;
  readonly engine: DecisionEngine;
  private readonly log: AuditLog;
  private readonly runner: ActionRunner;
  private readonly events: EventRecorder;
  private readonly inFlight = new Map<Promise<void>, Decision | undefined>();
  private readonly journalled = new Set<string>();
  /** When each target last got a refusal Event (one a minute is enough for a person reading them). */
  private readonly refusalEventAt = new Map<string, number>();

  constructor(private readonly options: ControllerOptions) {
    this.metrics = options.metrics ?? new RemediationMetrics(true);
    this.log = options.log ?? new AuditLog();
    this.engine = new DecisionEngine(options.policy, { ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}), ...(options.dedup ? { dedup: options.dedup } : {}) });
    this.runner = new ActionRunner(options.cluster, options.policy, { ...(options.retry ? { retry: options.retry } : {}), beforeWrite: (d, w) => this.recordIntent(d, w), ...(options.actionBudgetMs !== undefined ? { budgetMs: options.actionBudgetMs } : {}) });
    this.events = new EventRecorder(options.cluster, this.metrics, this.log, options.instance ?? 'remediation-controller', options.retry);
  }

  /** Actions and Events still running. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Whether as many actions and Events are running as `maxPending` allows: new notifications must wait. */
  get saturated(): boolean {
    return this.inFlight.size >= (this.options.maxPending ?? 512);
  }

  /** Decide about every alert of the notification; actions continue in the background. */
  handle(payload: WebhookPayload): AlertReceipt[] {
    return payload.alerts.map((alert) => {
      const d = this.engine.decide(alert, payload.groupKey);
      if (d.decision === 'execute') this.track(this.execute(d), d);
      else this.audit(d, d.decision);
      return { fingerprint: alert.fingerprint, decision: d.decision };
    });
  }

  /**
   * Open the journal, rebuild the dedup store, cooldowns and rate windows from it, and finish the
   * writes whose outcome was never recorded (see `ActionRunner.reconcile`). Call once, before the
   * server accepts webhooks. Resolves to the number of intents reconciled.
   */
  async recover(): Promise<number> {
    const journal = this.options.journal;
    if (journal === undefined) return 0;
    const entries = journal.open();
    this.engine.restore(entries);
    const open = entries.filter((e) => e.outcome === undefined);
    this.log.log('info', 'journal read', { file: journal.file, entries: entries.length, unfinished: open.length });
    for (const { intent } of open) {
      const started = Date.now();
      // A kill between the journal's flush and the first run's audit line leaves the intent only in
      // the journal; the write reconcile may send is audited here first, so none goes out unaudited.
      this.log.log('info', 'intent', { fingerprint: intent.fingerprint, key: intent.key, rule: intent.rule, reconciled: true, ...describeWrite(intent.write) });
      const r = await this.runner.reconcile(intent.write);
      journal.append({ type: 'outcome', key: intent.key, result: r.result, permanent: r.permanent, at: Date.now() });
      this.engine.settle(intent.key, intent.groupKey, r.result === 'failure' && !r.permanent ? 'retryable' : 'done');
      const decision: DecisionName = r.result === 'success' ? 'acted' : r.result === 'abandoned' ? 'noop' : 'failed';
      this.metrics.decisions.inc({ decision });
      this.log.decision({ decision, reason: 'journalled intent without outcome, reconciled after restart', fingerprint: intent.fingerprint, groupKey: intent.groupKey, rule: intent.rule, target: writeSubject(intent.write), reconciled: true, result: r.result, detail: r.detail, durationMs: Date.now() - started, dryRun: false });
    }
    return open.length;
  }

  /** Wait for running actions and Events, at most `timeoutMs`. Resolves to whether all finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight.keys()]), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Delete the controller's block NetworkPolicies whose expiry has passed, in every allowed namespace. */
  async sweepExpiredBlocks(now: Date = new Date()): Promise<number> {
    let deleted = 0;
    // Without a block-ip rule there is nothing to sweep (and no RBAC to list NetworkPolicies).
    const blocks = this.options.policy.rules.some((r) => r.action.type === 'block-ip');
    for (const ns of blocks ? this.options.policy.safety.allowedNamespaces : []) {
      try {
        const owned = (await withRetry(() => this.options.cluster.listNetworkPolicies(ns, OWNED_SELECTOR), this.options.retry)).value;
        for (const np of owned) {
          const expires = Date.parse(np.annotations[EXPIRES_AT_ANNOTATION] ?? '');
          if (Number.isNaN(expires) || expires > now.getTime()) continue;
          await withRetry(async () => {
            try {
              await this.options.cluster.deleteNetworkPolicy(ns, np.name);
            } catch (e) {
              if ((e as { status?: number }).status !== 404) throw e;
            }
          }, this.options.retry);
          deleted++;
          this.metrics.sweeps.inc();
          this.log.log('info', 'expired block removed', { namespace: ns, networkPolicy: np.name, expiredAt: new Date(expires).toISOString() });
        }
      } catch (e) {
        this.log.log('warn', 'sweep failed', { namespace: ns, error: (e as Error).message });
      }
    }
    this.engine.prune();
    return deleted;
  }

  /**
   * Audit every action still running as `abandoned` (at the end of a drain that ran out of time).
   * A journalled intent among them is reconciled by the next start. Resolves to how many there were.
   */
  abandonPending(): number {
    let n = 0;
    for (const d of this.inFlight.values()) {
      if (d === undefined) continue;
      n++;
      this.audit(d, 'abandoned', { result: 'abandoned', detail: `still running when the drain timed out${this.journalled.has(d.key) ? '; its journalled intent is reconciled at the next start' : ''}` });
    }
    return n;
  }

  private track(p: Promise<void>, d?: Decision): void {
    this.inFlight.set(p, d);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async execute(d: Decision): Promise<void> {
    const started = Date.now();
    const outcome = await this.runner.run(d);
    if (this.journalled.delete(d.key)) {
      this.options.journal?.append({ type: 'outcome', key: d.key, result: outcome.result === 'failure' ? 'failure' : outcome.result === 'success' ? 'success' : 'noop', permanent: outcome.permanent, at: Date.now() });
    }
    this.engine.complete(d, outcome.result === 'failure' || outcome.result === 'cooling_down' ? outcome.result : 'success', outcome.permanent);
    const decision = DECISION_OF[outcome.result];
    this.audit(d, decision, { result: outcome.result, detail: outcome.detail, tries: outcome.tries, durationMs: Date.now() - started });
    // The first action on the alert has its Event already; a cooldown found in the cluster got its
    // refusal Event from audit(), like one found in memory.
    if (outcome.result === 'duplicate' || outcome.result === 'cooling_down') return;
    await this.events.record(outcome.subject, `${d.key}/${d.rule?.name}`, EVENT_REASON[outcome.result], `${d.rule?.name} for alert ${d.alert.labels.alertname ?? d.key}: ${outcome.detail}`, outcome.result === 'failure');
  }

  /** Journal (flushed) and audit a write before it is sent: no write reaches the API unrecorded. */
  private recordIntent(d: Decision, write: PlannedWrite): void {
    const target = d.target;
    if (d.rule === undefined || target === undefined || d.targetKey === undefined) throw new Error('an intent needs an execute decision');
    const intent: IntentRecord = {
      type: 'intent',
      key: d.key,
      fingerprint: d.alert.fingerprint,
      groupKey: d.groupKey,
      rule: d.rule.name,
      targetKey: d.targetKey,
      namespace: target.kind === 'workload' ? target.workload.namespace : target.namespace,
      decidedAt: Date.now(),
      write,
    };
    this.options.journal?.append(intent);
    this.journalled.add(d.key);
    this.log.log('info', 'intent', { fingerprint: d.alert.fingerprint, key: d.key, rule: d.rule.name, action: d.rule.action.type, ...describeWrite(write) });
  }

  private audit(d: Decision, decision: DecisionName, extra: Readonly<Record<string, unknown>> = {}): void {
    this.metrics.decisions.inc({ decision });
    const action = d.rule?.action.type;
    if (action !== undefined) {
      const result = typeof extra.result === 'string' ? extra.result : decision.startsWith('refused_') ? 'refused' : undefined;
      if (result !== undefined) this.metrics.actions.inc({ action, result });
    }
    const subject = eventSubject(d);
    this.log.decision({
      decision,
      reason: d.reason,
      alertname: d.alert.labels.alertname ?? '',
      fingerprint: d.alert.fingerprint,
      startsAt: d.alert.startsAt,
      groupKey: d.groupKey,
      ...(d.rule !== undefined ? { rule: d.rule.name, action } : {}),
      ...(subject !== undefined ? { target: subject } : {}),
      ...(d.sourceIp !== undefined ? { sourceIp: d.sourceIp } : {}),
      dryRun: d.dryRun,
      ...extra,
    });
    // Refusals for a known target in an allowed namespace are worth an Event on that target.
    const eventWorthy = decision === 'refused_cooldown' || decision === 'refused_max_attempts' || decision === 'refused_rate_namespace' || decision === 'refused_rate_global';
    if (!eventWorthy || subject === undefined) return;
    const now = Date.now();
    const eventKey = `${d.targetKey ?? ''}/${decision}`;
    if (this.inFlight.size >= (this.options.maxPending ?? 512) / 2 || now - (this.refusalEventAt.get(eventKey) ?? -Infinity) < 60_000) {
      this.metrics.events.inc({ result: 'skipped' });
    } else {
      this.refusalEventAt.set(eventKey, now);
      if (this.refusalEventAt.size > 10_000) this.refusalEventAt.delete(this.refusalEventAt.keys().next().value as string);
      this.track(this.events.record(subject, `${d.key}/${decision}`, 'RemediationRefused', `${d.rule?.name}: ${d.reason}`, true));
    }
  }
}
