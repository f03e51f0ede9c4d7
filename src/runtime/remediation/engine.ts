/**
 * The decision engine: for each alert of a notification, decide (synchronously, so concurrent
 * notifications cannot race) whether to act, applying the policy and the safety settings.
 */
import { RemediationPolicy, RemediationRule, ResolvedTarget, findRule, resolveTarget, targetKey } from '../../remediation/policy';
import { DedupStore, alertKey } from './dedup';
import { JournalEntry } from './journal';
import { WebhookAlert } from './webhook';

/** Every decision the engine makes, as used in the `decision` metric label and the audit log. */
export const DECISIONS = [
  'acted',
  'noop',
  'failed',
  'dry_run',
  'duplicate',
  'resolved',
  'no_match',
  'refused_target',
  'refused_namespace',
  'refused_cooldown',
  'refused_rate_namespace',
  'refused_rate_global',
  'refused_max_attempts',
  'abandoned',
] as const;
/** A decision name. */
export type DecisionName = (typeof DECISIONS)[number];

/** What `decide` returns. `execute` means: run the rule's action on the target. */
export interface Decision {
  /** `execute` (live or dry run) or a final decision that needs no cluster call. */
  readonly decision: 'execute' | Exclude<DecisionName, 'acted' | 'noop' | 'failed' | 'dry_run' | 'abandoned'>;
  /** Human-readable reason. */
  readonly reason: string;
  readonly alert: WebhookAlert;
  /** Dedup identity of the alert (`fingerprint@startsAt`). */
  readonly key: string;
  readonly groupKey: string;
  readonly rule?: RemediationRule;
  readonly target?: ResolvedTarget;
  /** Cooldown / attempts key of the target. */
  readonly targetKey?: string;
  readonly sourceIp?: string;
  /** Whether the action must only be simulated. */
  readonly dryRun: boolean;
}

/** Settings of the engine beyond the policy. */
export interface EngineOptions {
  /** Overrides the policy's `safety.dryRun` (the command line's `--dry-run`/`--no-dry-run`). @default - the policy's */
  readonly dryRun?: boolean;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The dedup store. @default a store with its default TTL and size */
  readonly dedup?: DedupStore;
}

class SlidingWindow {
  private readonly times: number[] = [];
  count(now: number, windowMs: number): number {
    while (this.times.length > 0 && this.times[0] <= now - windowMs) this.times.shift();
    return this.times.length;
  }
  add(now: number): void {
    this.times.push(now);
  }
}

function windowFor(map: Map<string, SlidingWindow>, key: string): SlidingWindow {
  let w = map.get(key);
  if (w === undefined) {
    w = new SlidingWindow();
    map.set(key, w);
  }
  return w;
}

/**
 * Applies the policy and the safety settings. Dry runs go through the same bookkeeping (cooldowns,
 * caps, attempts) so that a dry-run log shows exactly what a live run would have done.
 */
export class DecisionEngine {
  /** Whether actions are only simulated. */
  readonly dryRun: boolean;
  private readonly now: () => number;
  private readonly dedup: DedupStore;
  private readonly cooldownUntil = new Map<string, number>();
  private readonly perNamespace = new Map<string, SlidingWindow>();
  private readonly global = new SlidingWindow();
  private readonly attempts = new Map<string, SlidingWindow>();
  private readonly allowed: ReadonlySet<string>;

  constructor(
    readonly policy: RemediationPolicy,
    options: EngineOptions = {},
  ) {
    this.dryRun = options.dryRun ?? policy.safety.dryRun;
    this.now = options.now ?? Date.now;
    this.dedup = options.dedup ?? new DedupStore();
    this.allowed = new Set(policy.safety.allowedNamespaces);
  }

  /** Decide about one alert. An `execute` decision claims the alert and the target's safety budget. */
  decide(alert: WebhookAlert, groupKey: string): Decision {
    const now = this.now();
    const key = alertKey(alert);
    const base = { alert, key, groupKey, dryRun: this.dryRun };
    if (alert.status !== 'firing') return { ...base, decision: 'resolved', reason: 'alert is resolved; only firing alerts are acted on' };
    const seen = this.dedup.lookup(key, now);
    if (seen === 'in-flight' || seen === 'done') return { ...base, decision: 'duplicate', reason: `alert already ${seen === 'done' ? 'handled' : 'being handled'}` };
    const rule = findRule(this.policy, alert.labels);
    const settle = (d: Decision, state: 'done' | 'retryable'): Decision => {
      this.dedup.set(key, state, groupKey, now);
      return d;
    };
    if (rule === undefined) return settle({ ...base, decision: 'no_match', reason: 'no rule matches the alert' }, 'done');
    const resolved = resolveTarget(this.policy, rule, alert.labels);
    const withRule = { ...base, rule, dryRun: this.dryRun || rule.dryRun };
    if (!resolved.ok) return settle({ ...withRule, decision: 'refused_target', reason: resolved.reason }, 'done');
    const target = resolved.target;
    const namespace = target.kind === 'workload' ? target.workload.namespace : target.namespace;
    const tKey = targetKey(target, rule);
    const withTarget = { ...withRule, target, targetKey: tKey, ...(resolved.sourceIp !== undefined ? { sourceIp: resolved.sourceIp } : {}) };
    if (!this.allowed.has(namespace)) {
      return settle({ ...withTarget, decision: 'refused_namespace', reason: `namespace '${namespace}' is not in safety.allowedNamespaces` }, 'done');
    }
    const s = this.policy.safety;
    const windowMs = s.rateWindowSeconds * 1000;
    const until = this.cooldownUntil.get(tKey) ?? 0;
    if (until > now) {
      return settle({ ...withTarget, decision: 'refused_cooldown', reason: `target ${tKey} is cooling down for ${Math.ceil((until - now) / 1000)}s more` }, 'retryable');
    }
    const attempts = windowFor(this.attempts, tKey);
    if (attempts.count(now, windowMs) >= s.maxAttempts) {
      return settle({ ...withTarget, decision: 'refused_max_attempts', reason: `target ${tKey} had ${s.maxAttempts} attempts within ${s.rateWindowSeconds}s` }, 'retryable');
    }
    const nsWindow = windowFor(this.perNamespace, namespace);
    if (nsWindow.count(now, windowMs) >= s.perNamespaceCap) {
      return settle({ ...withTarget, decision: 'refused_rate_namespace', reason: `namespace '${namespace}' reached ${s.perNamespaceCap} actions within ${s.rateWindowSeconds}s` }, 'retryable');
    }
    if (this.global.count(now, windowMs) >= s.globalCap) {
      return settle({ ...withTarget, decision: 'refused_rate_global', reason: `reached the global cap of ${s.globalCap} actions within ${s.rateWindowSeconds}s` }, 'retryable');
    }
    attempts.add(now);
    nsWindow.add(now);
    this.global.add(now);
    this.cooldownUntil.set(tKey, now + s.cooldownSeconds * 1000);
    this.dedup.set(key, 'in-flight', groupKey, now);
    return { ...withTarget, decision: 'execute', reason: `rule ${rule.name} matched` };
  }

  /**
   * Record how an executed decision ended. A failure lifts the cooldown (so `maxAttempts` bounds
   * the retries) and lets a redelivery of the alert try again unless the failure is permanent.
   * `cooling_down` (the target's record in the cluster shows a recent action this process did not
   * know of) lifts the cooldown set here too, so the next alert asks the cluster again, and lets a
   * redelivery try again.
   */
  complete(d: Decision, outcome: 'success' | 'failure' | 'cooling_down', permanent: boolean): void {
    const now = this.now();
    if (outcome === 'cooling_down') {
      if (d.targetKey !== undefined) this.cooldownUntil.delete(d.targetKey);
      this.dedup.set(d.key, 'retryable', d.groupKey, now);
    } else if (outcome === 'failure') {
      if (d.targetKey !== undefined) this.cooldownUntil.delete(d.targetKey);
      this.dedup.set(d.key, permanent ? 'done' : 'retryable', d.groupKey, now);
    } else {
      this.dedup.set(d.key, 'done', d.groupKey, now);
    }
  }

  /**
   * Rebuild the bookkeeping from journalled intents (after a restart): their alerts are known
   * (in flight until their outcome is recorded), their targets cool down and they count against
   * the attempt and rate windows from the time they were decided.
   */
  restore(entries: readonly JournalEntry[]): void {
    const now = this.now();
    const s = this.policy.safety;
    const windowMs = s.rateWindowSeconds * 1000;
    for (const { intent, outcome } of [...entries].sort((a, b) => a.intent.decidedAt - b.intent.decidedAt)) {
      const failed = outcome?.result === 'failure';
      this.dedup.set(intent.key, outcome === undefined ? 'in-flight' : failed && !outcome.permanent ? 'retryable' : 'done', intent.groupKey, now);
      if (!failed) {
        const until = intent.decidedAt + s.cooldownSeconds * 1000;
        if (until > (this.cooldownUntil.get(intent.targetKey) ?? 0)) this.cooldownUntil.set(intent.targetKey, until);
      }
      if (intent.decidedAt > now - windowMs) {
        windowFor(this.attempts, intent.targetKey).add(intent.decidedAt);
        windowFor(this.perNamespace, intent.namespace).add(intent.decidedAt);
        this.global.add(intent.decidedAt);
      }
    }
  }

  /** Set the dedup state of an alert key directly (a reconciled intent). */
  settle(key: string, groupKey: string, state: 'done' | 'retryable'): void {
    this.dedup.set(key, state, groupKey, this.now());
  }

  /** Drop expired bookkeeping. */
  prune(): void {
    const now = this.now();
    this.dedup.prune(now);
    for (const [k, until] of this.cooldownUntil) if (until <= now) this.cooldownUntil.delete(k);
  }
}
