/**
 * Carrying out an `execute` decision against the cluster, idempotently and with retries.
 */
import { BlockIpAction, RemediationAction, RemediationPolicy, ScaleAction, WorkloadTarget } from '../../remediation/policy';
import { ClusterApi, ClusterError, RetryOptions, asClusterError, withRetry } from './cluster';
import { Decision } from './engine';
import { PlannedWrite } from './journal';
import { BlockScope, EventSubject, RESTARTED_AT_ANNOTATION, EXPIRES_AT_ANNOTATION, blockNetworkPolicy, blockPolicyName, jobFromTemplate, jobName, policiesAdmitting } from './manifests';

/** How an action ended. */
export interface ActionOutcome {
  /** `success`: the cluster changed; `noop`: nothing to change; `dry_run`: simulated; `failure`: not done. */
  readonly result: 'success' | 'noop' | 'dry_run' | 'failure';
  /** What was (or would have been) done, or why it failed. */
  readonly detail: string;
  /** API tries of the main write (0 for a dry run). */
  readonly tries: number;
  /** For a failure: whether trying again later cannot help (403, 404, 422, …). */
  readonly permanent: boolean;
  /** The object the audit Event is attached to. */
  readonly subject: EventSubject;
}

/**
 * Compute the replicas a scale action asks for. A scale-out (`delta > 0`, `factor > 1`) never
 * lowers the replicas and a scale-in never raises them, whatever the bounds say; within that, the
 * result stays within the policy's `[min, max]` and the autoscaler's `[minReplicas, maxReplicas]`
 * (the autoscaler's minimum wins a conflict for scale-in, the maximum for scale-out). A workload
 * already outside the bounds in the rule's direction is left as it is.
 */
export function desiredReplicas(action: ScaleAction, current: number, hpa?: { readonly minReplicas: number; readonly maxReplicas: number }): number {
  const raw = action.delta !== undefined ? current + action.delta : Math.ceil(current * (action.factor ?? 1));
  const lo = Math.max(action.min, hpa?.minReplicas ?? 0);
  const hi = Math.min(action.max, hpa?.maxReplicas ?? Number.MAX_SAFE_INTEGER);
  const out = action.delta !== undefined ? action.delta > 0 : (action.factor ?? 1) > 1;
  if (out) return Math.max(current, Math.min(hi, Math.max(lo, raw)));
  return Math.min(current, Math.max(lo, Math.min(hi, raw)));
}

/** The object a decision's audit Event is attached to: the workload, or the Job of `run-job`. */
export function eventSubject(d: Decision): EventSubject | undefined {
  const { rule, target } = d;
  if (rule === undefined || target === undefined) return undefined;
  if (target.kind === 'workload') {
    const w = target.workload;
    return { apiVersion: 'apps/v1', kind: w.kind, namespace: w.namespace, name: w.name };
  }
  if (rule.action.type === 'block-ip') return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: target.namespace, name: blockPolicyName({ namespace: target.namespace }, d.sourceIp ?? '') };
  return { apiVersion: 'batch/v1', kind: 'Job', namespace: target.namespace, name: rule.action.type === 'run-job' ? jobName(rule.action.template, d.key) : rule.name };
}

function describeAction(a: RemediationAction): string {
  switch (a.type) {
    case 'restart':
      return 'rollout restart';
    case 'scale':
      return a.delta !== undefined ? `scale by ${a.delta > 0 ? '+' : ''}${a.delta} within [${a.min}, ${a.max}]` : `scale by x${a.factor} within [${a.min}, ${a.max}]`;
    case 'block-ip':
      return `block ip for ${a.expirySeconds}s`;
    case 'run-job':
      return `run job from template ${a.template}`;
  }
}

/** Settings of `ActionRunner`. */
export interface ActionRunnerOptions {
  /** Backoff for API calls. @default withRetry's defaults */
  readonly retry?: RetryOptions;
  /** Clock. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Called with each planned write before it is sent (the controller journals and audits it
   * there); a throw aborts the action before anything is written. @default - nothing
   */
  readonly beforeWrite?: (d: Decision, write: PlannedWrite) => void;
  /**
   * Time budget of one action in milliseconds: no retry starts that could not finish within it,
   * so an action ends (as a failure, retryable) inside the shutdown drain. @default 20_000
   */
  readonly budgetMs?: number;
}

/** The object a planned write changes or creates, for the audit Event of a reconciled intent. */
export function writeSubject(w: PlannedWrite): EventSubject {
  switch (w.op) {
    case 'restart':
    case 'scale':
      return { apiVersion: 'apps/v1', kind: w.workload.kind, namespace: w.workload.namespace, name: w.workload.name };
    case 'create-networkpolicy':
      return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: w.namespace, name: w.name };
    case 'create-job':
      return { apiVersion: 'batch/v1', kind: 'Job', namespace: w.namespace, name: w.name };
  }
}

/** How the reconciliation of an unfinished intent ended. */
export interface ReconcileOutcome {
  /** `success`: the write is (now) applied; `abandoned`: the target changed since, so it was not repeated; `failure`: the API refused. */
  readonly result: 'success' | 'abandoned' | 'failure';
  readonly detail: string;
  readonly permanent: boolean;
}

/** Runs actions against a `ClusterApi`. */
export class ActionRunner {
  private readonly now: () => Date;

  constructor(
    private readonly cluster: ClusterApi,
    private readonly policy: RemediationPolicy,
    private readonly options: ActionRunnerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Carry out (or simulate) the decision's action. Never throws: failures are outcomes. */
  async run(d: Decision): Promise<ActionOutcome> {
    const rule = d.rule;
    const subject = eventSubject(d);
    if (rule === undefined || subject === undefined) throw new Error('run() needs an execute decision');
    if (d.dryRun) return { result: 'dry_run', detail: `would ${describeAction(rule.action)}`, tries: 0, permanent: false, subject };
    try {
      const { detail, tries, changed } = await this.execute(d, rule.action, this.budgeted());
      return { result: changed ? 'success' : 'noop', detail, tries, permanent: false, subject };
    } catch (e) {
      const err = asClusterError(e);
      const tries = (err as ClusterError & { tries?: number }).tries ?? 1;
      return { result: 'failure', detail: `${describeAction(rule.action)} failed after ${tries} tries: ${err.status === 0 ? 'no response' : `HTTP ${err.status}`}: ${err.message}`, tries, permanent: !err.retriable, subject };
    }
  }

  /**
   * Finish a journalled write whose outcome was never recorded (the process died after the intent).
   * Restarts and creates are sent again unchanged (a no-op when the first try was applied); a scale
   * is written only when the replicas are still those it was computed from, and is never computed
   * again: finding its target means it was applied, finding anything else means someone else has
   * changed the workload since, and the intent is abandoned rather than fought over.
   */
  async reconcile(write: PlannedWrite): Promise<ReconcileOutcome> {
    const retry = this.budgeted();
    try {
      if (write.op === 'scale') {
        const r = await withRetry(async () => {
          const state = await this.cluster.readScale(write.workload);
          if (state.replicas === write.to) return 'applied' as const;
          if (state.replicas !== write.from) return state.replicas;
          await this.cluster.writeScale(write.workload, write.to, state.resourceVersion);
          return 'written' as const;
        }, retry);
        if (typeof r.value === 'number') return { result: 'abandoned', detail: `replicas are ${r.value}, neither ${write.from} nor ${write.to}; not scaling again`, permanent: true };
        return { result: 'success', detail: `replicas ${write.from} -> ${write.to} (${r.value === 'applied' ? 'found applied' : 'written on reconcile'})`, permanent: false };
      }
      await withRetry(() => this.apply(write), retry);
      return { result: 'success', detail: `${write.op} ${writeSubject(write).name} applied (idempotent resend)`, permanent: false };
    } catch (e) {
      const err = asClusterError(e);
      return { result: 'failure', detail: `reconcile ${write.op} failed: ${err.message}`, permanent: !err.retriable };
    }
  }

  /** Send a planned write once; a create that finds its object (409) has already been applied. */
  private async apply(write: PlannedWrite): Promise<boolean> {
    switch (write.op) {
      case 'restart':
        await this.cluster.patchPodTemplateAnnotations(write.workload, write.annotations);
        return false;
      case 'scale':
        throw new Error('scale writes are guarded by resourceVersion; see scale()');
      case 'create-networkpolicy': {
        const existed = await createIdempotent(() => this.cluster.createNetworkPolicy(write.namespace, write.manifest));
        // A repeated block of the same address extends the one that exists.
        const annotations = (write.manifest.metadata as { annotations: Record<string, string> }).annotations;
        if (existed) await this.cluster.patchNetworkPolicyAnnotations(write.namespace, write.name, { [EXPIRES_AT_ANNOTATION]: annotations[EXPIRES_AT_ANNOTATION] });
        return existed;
      }
      case 'create-job':
        return createIdempotent(() => this.cluster.createJob(write.namespace, write.manifest));
    }
  }

  /** The retry settings with this action's deadline. */
  private budgeted(): RetryOptions {
    return { ...(this.options.retry ?? {}), deadline: Date.now() + (this.options.budgetMs ?? 20_000) };
  }

  private announce(d: Decision, write: PlannedWrite): void {
    this.options.beforeWrite?.(d, write);
  }

  private async execute(d: Decision, action: RemediationAction, retry: RetryOptions): Promise<{ detail: string; tries: number; changed: boolean }> {
    const target = d.target;
    if (action.type === 'run-job') {
      if (target?.kind !== 'namespace') throw new Error('run-job needs a namespace target');
      const name = jobName(action.template, d.key);
      const manifest = jobFromTemplate(target.namespace, action.template, this.policy.jobTemplates[action.template], d.key, d.alert.labels);
      const write: PlannedWrite = { op: 'create-job', namespace: target.namespace, name, manifest };
      this.announce(d, write);
      const r = await withRetry(() => this.apply(write), retry);
      return { detail: `created job ${name}${r.value ? ' (already existed)' : ''}`, tries: r.tries, changed: true };
    }
    if (action.type === 'block-ip') {
      if (target === undefined) throw new Error('block-ip needs a target');
      return this.block(d, target.kind === 'workload' ? target.workload : { namespace: target.namespace }, action, retry);
    }
    if (target?.kind !== 'workload') throw new Error(`${action.type} needs a workload target`);
    const w = target.workload;
    if (action.type === 'scale') return this.scale(d, w, action, retry);
    // A fixed value per decision makes a retried (or reconciled) patch a no-op for the rollout.
    const stamp = this.now().toISOString();
    const write: PlannedWrite = { op: 'restart', workload: w, annotations: { [RESTARTED_AT_ANNOTATION]: stamp } };
    this.announce(d, write);
    const r = await withRetry(() => this.apply(write), retry);
    return { detail: `set ${RESTARTED_AT_ANNOTATION}=${stamp}`, tries: r.tries, changed: true };
  }

  /**
   * Block the decision's address from the workload's pods (or the namespace's). Refused when one of
   * the namespace's own NetworkPolicies admits the address: policies only add allowances, so no
   * policy of the controller could take that away, and one that admitted more would widen ingress.
   */
  private async block(d: Decision, scope: BlockScope, action: BlockIpAction, retry: RetryOptions): Promise<{ detail: string; tries: number; changed: boolean }> {
    const ip = d.sourceIp ?? '';
    let selector: Readonly<Record<string, string>> = {};
    if ('kind' in scope) {
      selector = (await withRetry(() => this.cluster.readPodSelector(scope), retry)).value;
      if (Object.keys(selector).length === 0) throw new ClusterError(422, `${scope.kind} ${scope.name} has no spec.selector.matchLabels; refusing to block for the whole namespace`);
    }
    const policies = (await withRetry(() => this.cluster.listNetworkPolicies(scope.namespace, ''), retry)).value;
    const admitting = policiesAdmitting(policies, selector, ip);
    if (admitting.length > 0) {
      throw new ClusterError(422, `cannot block ${ip}: NetworkPolicy ${admitting.join(', ')} in ${scope.namespace} admits it, and NetworkPolicies only add allowances; except the address there`);
    }
    const manifest = blockNetworkPolicy(scope, selector, ip, action, this.now(), policies);
    const name = blockPolicyName(scope, ip);
    const write: PlannedWrite = { op: 'create-networkpolicy', namespace: scope.namespace, name, manifest };
    this.announce(d, write);
    const r = await withRetry(() => this.apply(write), retry);
    return { detail: `networkpolicy ${name} blocks ${ip} for ${action.expirySeconds}s${r.value ? ' (existed; expiry extended)' : ''}`, tries: r.tries, changed: true };
  }

  /**
   * Read `/scale`, compute the replicas, announce the write, send it guarded by resourceVersion; on
   * 409 read again. After a write whose fate is unknown (timeout, 5xx), finding the replicas we
   * wrote means it was applied: computing again from them would scale twice.
   */
  private async scale(d: Decision, w: WorkloadTarget, action: ScaleAction, retry: RetryOptions): Promise<{ detail: string; tries: number; changed: boolean }> {
    const hpas = (await withRetry(() => this.cluster.listAutoscalers(w.namespace), retry)).value;
    const hpa = hpas.find((h) => h.targetKind === w.kind && h.targetName === w.name);
    let written: number | undefined;
    let from: number | undefined;
    const r = await withRetry(async () => {
      const state = await this.cluster.readScale(w);
      if (written !== undefined && state.replicas === written) return written;
      from = state.replicas;
      const want = desiredReplicas(action, state.replicas, hpa);
      if (want === state.replicas) return undefined;
      this.announce(d, { op: 'scale', workload: w, from: state.replicas, to: want });
      try {
        await this.cluster.writeScale(w, want, state.resourceVersion);
      } catch (e) {
        if (asClusterError(e).ambiguous) written = want;
        throw e;
      }
      return want;
    }, retry);
    const bound = hpa !== undefined ? ` (HPA ${hpa.name} allows ${hpa.minReplicas}-${hpa.maxReplicas})` : '';
    if (r.value === undefined) return { detail: `replicas stay at ${from}${bound}`, tries: r.tries, changed: false };
    return { detail: `replicas ${from} -> ${r.value}${bound}`, tries: r.tries, changed: true };
  }
}

/** Create, treating 409 AlreadyExists as done (names are deterministic). Resolves to whether it existed. */
async function createIdempotent(create: () => Promise<void>): Promise<boolean> {
  try {
    await create();
    return false;
  } catch (e) {
    if (asClusterError(e).status === 409) return true;
    throw e;
  }
}
