/**
 * Carrying out an `execute` decision against the cluster, idempotently and with retries.
 */
import { BlockIpAction, RemediationAction, RemediationPolicy, RemediationRule, RestartAction, ScaleAction, WorkloadTarget } from '../../remediation/policy';
import { ClusterApi, ClusterError, RetryOptions, WorkloadPatch, asClusterError, withRetry } from './cluster';
import { Decision } from './engine';
import { PlannedWrite } from './journal';
import { BlockScope, EventSubject, RESTARTED_AT_ANNOTATION, EXPIRES_AT_ANNOTATION, MANAGED_BY, TARGET_LABEL, blockNetworkPolicy, blockPolicyName, jobFromTemplate, jobName, jobSelector, labelValue, policiesAdmitting } from './manifests';
import { LAST_ACTIONS_ANNOTATION, LastAction, clusterVerdict, parseLastActions, withLastAction } from './target-state';

/** How an action ended. */
export interface ActionOutcome {
  /**
   * `success`: the cluster changed; `noop`: nothing to change; `dry_run`: simulated; `failure`: not
   * done; `duplicate`: the target's record in the cluster shows this alert was acted on already
   * (by this pod or an earlier one); `cooling_down`: the record shows the rule acted on the target
   * for another alert within the cooldown.
   */
  readonly result: 'success' | 'noop' | 'dry_run' | 'failure' | 'duplicate' | 'cooling_down';
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
      const { detail, tries, result } = await this.execute(d, rule, this.budgeted());
      return { result, detail, tries, permanent: false, subject };
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
      if (write.op === 'restart' || write.op === 'scale') {
        const r = await withRetry(async () => {
          const state = await this.cluster.readWorkload(write.workload);
          const last = parseLastActions(state.annotations)[write.rule];
          if (last !== undefined && last.alert === write.record.alert) return last.at === write.record.at ? ('applied' as const) : ('elsewhere' as const);
          if (write.op === 'scale' && state.replicas !== write.from) return state.replicas;
          await this.cluster.patchWorkload(write.workload, workloadPatch(write, state.annotations), state.resourceVersion);
          return 'written' as const;
        }, retry);
        if (typeof r.value === 'number' && write.op === 'scale') return { result: 'abandoned', detail: `replicas are ${r.value}, not ${write.from}; not scaling again`, permanent: true };
        if (r.value === 'elsewhere') return { result: 'abandoned', detail: `the alert was acted on by another run (record on ${writeSubject(write).name}); not acting again`, permanent: true };
        return { result: 'success', detail: `${write.op} ${writeSubject(write).name} ${r.value === 'applied' ? 'found applied' : 'written on reconcile'}`, permanent: false };
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
      case 'scale':
        throw new Error('workload writes are guarded by resourceVersion; see workloadAction()');
      case 'create-networkpolicy': {
        const existed = await createIdempotent(() => this.cluster.createNetworkPolicy(write.namespace, write.manifest));
        // A repeated block of the same address extends the one that exists, and records the alert.
        const annotations = (write.manifest.metadata as { annotations: Record<string, string> }).annotations;
        if (existed) await this.cluster.patchNetworkPolicyAnnotations(write.namespace, write.name, { [EXPIRES_AT_ANNOTATION]: annotations[EXPIRES_AT_ANNOTATION], [LAST_ACTIONS_ANNOTATION]: annotations[LAST_ACTIONS_ANNOTATION] });
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

  private async execute(d: Decision, rule: RemediationRule, retry: RetryOptions): Promise<Executed> {
    const target = d.target;
    const action = rule.action;
    if (action.type === 'run-job') {
      if (target?.kind !== 'namespace') throw new Error('run-job needs a namespace target');
      const name = jobName(action.template, d.key);
      // The records on this template's Jobs judge the cooldown (a Job of the same alert has this name).
      const now = this.now();
      const jobs = (await withRetry(() => this.cluster.listJobs(target.namespace, jobSelector(action.template)), retry)).value;
      const cooling = jobs.flatMap((j) => {
        const v = clusterVerdict(j.annotations, rule.name, d.key, this.policy.safety.cooldownSeconds, now.getTime());
        return v.verdict === 'cooldown' ? [v.untilMs] : [];
      });
      if (jobs.some((j) => j.name === name)) return { detail: `job ${name} exists: the alert was acted on already`, tries: 1, result: 'duplicate' };
      if (cooling.length > 0) {
        return { detail: `a Job of template ${action.template} records that rule ${rule.name} ran it within the cooldown; waiting until ${new Date(Math.max(...cooling)).toISOString()}`, tries: 1, result: 'cooling_down' };
      }
      const base = jobFromTemplate(target.namespace, action.template, this.policy.jobTemplates[action.template], d.key, d.alert.labels);
      const manifest = { ...base, metadata: { ...(base.metadata as Record<string, unknown>), annotations: { [LAST_ACTIONS_ANNOTATION]: withLastAction(undefined, rule.name, { alert: d.key, at: now.toISOString() }) } } };
      const write: PlannedWrite = { op: 'create-job', namespace: target.namespace, name, manifest };
      // The Job's name derives from the alert: finding it means the alert was acted on, unless
      // it is this run's own create, sent before a failure whose outcome was unknown.
      let sent = false;
      const r = await withRetry(async (n) => {
        if (n === 1) this.announce(d, write);
        try {
          return await this.apply(write);
        } catch (e) {
          if (asClusterError(e).ambiguous) sent = true;
          throw e;
        }
      }, retry);
      if (r.value && !sent) return { detail: `job ${name} exists: the alert was acted on already`, tries: r.tries, result: 'duplicate' };
      return { detail: `created job ${name}`, tries: r.tries, result: 'success' };
    }
    if (action.type === 'block-ip') {
      if (target === undefined) throw new Error('block-ip needs a target');
      return this.block(d, rule.name, target.kind === 'workload' ? target.workload : { namespace: target.namespace }, action, retry);
    }
    if (target?.kind !== 'workload') throw new Error(`${action.type} needs a workload target`);
    return this.workloadAction(d, rule.name, target.workload, action, retry);
  }

  /**
   * Restart or scale. Read the workload; its record of this rule's last action (see
   * `target-state.ts`) says whether the alert was acted on already or the target is cooling down;
   * else send the action together with its new record in one merge patch, guarded by the
   * resourceVersion read, so that either both are applied or neither is. On 409 it reads again.
   * Finding its own record after a write whose fate was unknown (timeout, 5xx) means that write
   * was applied: computing a scale again from it would scale twice.
   */
  private async workloadAction(d: Decision, rule: string, w: WorkloadTarget, action: RestartAction | ScaleAction, retry: RetryOptions): Promise<Executed> {
    const hpa = action.type === 'scale' ? (await withRetry(() => this.cluster.listAutoscalers(w.namespace), retry)).value.find((h) => h.targetKind === w.kind && h.targetName === w.name) : undefined;
    // A fixed value per decision makes a retried (or reconciled) restart a no-op for the rollout.
    const record: LastAction = { alert: d.key, at: this.now().toISOString() };
    let planned: PlannedWrite | undefined;
    let from: number | undefined;
    const r = await withRetry(async () => {
      const state = await this.cluster.readWorkload(w);
      const last = parseLastActions(state.annotations)[rule];
      if (last !== undefined && last.alert === record.alert && last.at === record.at) return { kind: 'written' as const };
      const verdict = clusterVerdict(state.annotations, rule, d.key, this.policy.safety.cooldownSeconds, this.now().getTime());
      if (verdict.verdict !== 'act') return verdict;
      from = state.replicas;
      if (action.type === 'scale') {
        const want = desiredReplicas(action, state.replicas, hpa);
        if (want === state.replicas) return { kind: 'unchanged' as const };
        planned = { op: 'scale', workload: w, from: state.replicas, to: want, rule, record };
      } else {
        planned = { op: 'restart', workload: w, annotations: { [RESTARTED_AT_ANNOTATION]: record.at }, rule, record };
      }
      this.announce(d, planned);
      await this.cluster.patchWorkload(w, workloadPatch(planned, state.annotations), state.resourceVersion);
      return { kind: 'written' as const };
    }, retry);
    const v = r.value;
    const bound = hpa !== undefined ? ` (HPA ${hpa.name} allows ${hpa.minReplicas}-${hpa.maxReplicas})` : '';
    if ('verdict' in v) {
      if (v.verdict === 'duplicate') return { detail: `${w.kind} ${w.name} records that rule ${rule} acted on this alert at ${v.at}`, tries: r.tries, result: 'duplicate' };
      return { detail: `${w.kind} ${w.name} records that rule ${rule} acted on it within the cooldown; waiting until ${new Date(v.untilMs).toISOString()}`, tries: r.tries, result: 'cooling_down' };
    }
    if (v.kind === 'unchanged') return { detail: `replicas stay at ${from}${bound}`, tries: r.tries, result: 'noop' };
    if (planned?.op === 'scale') return { detail: `replicas ${planned.from} -> ${planned.to}${bound}`, tries: r.tries, result: 'success' };
    return { detail: `set ${RESTARTED_AT_ANNOTATION}=${record.at}`, tries: r.tries, result: 'success' };
  }

  /**
   * Block the decision's address from the workload's pods (or the namespace's). Refused when one of
   * the namespace's own NetworkPolicies admits the address: policies only add allowances, so no
   * policy of the controller could take that away, and one that admitted more would widen ingress.
   */
  private async block(d: Decision, rule: string, scope: BlockScope, action: BlockIpAction, retry: RetryOptions): Promise<Executed> {
    const ip = d.sourceIp ?? '';
    let selector: Readonly<Record<string, string>> = {};
    if ('kind' in scope) {
      selector = (await withRetry(() => this.cluster.readWorkload(scope), retry)).value.podSelector;
      if (Object.keys(selector).length === 0) throw new ClusterError(422, `${scope.kind} ${scope.name} has no spec.selector.matchLabels; refusing to block for the whole namespace`);
    }
    const policies = (await withRetry(() => this.cluster.listNetworkPolicies(scope.namespace, ''), retry)).value;
    const admitting = policiesAdmitting(policies, selector, ip);
    if (admitting.length > 0) {
      throw new ClusterError(422, `cannot block ${ip}: NetworkPolicy ${admitting.join(', ')} in ${scope.namespace} admits it, and NetworkPolicies only add allowances; except the address there`);
    }
    // The records of this rule's blocks on the same scope (any address) judge a repeat and the cooldown.
    const now = this.now();
    const scopeLabel = labelValue('kind' in scope ? scope.name : scope.namespace);
    const own = policies.filter((np) => np.labels['app.kubernetes.io/managed-by'] === MANAGED_BY && np.labels[TARGET_LABEL] === scopeLabel);
    const verdicts = own.map((np) => clusterVerdict(np.annotations, rule, d.key, this.policy.safety.cooldownSeconds, now.getTime()));
    const dup = verdicts.find((v) => v.verdict === 'duplicate');
    if (dup !== undefined && dup.verdict === 'duplicate') return { detail: `a block NetworkPolicy records that rule ${rule} acted on this alert at ${dup.at}`, tries: 1, result: 'duplicate' };
    const cooling = verdicts.flatMap((v) => (v.verdict === 'cooldown' ? [v.untilMs] : []));
    if (cooling.length > 0) return { detail: `a block NetworkPolicy records that rule ${rule} acted on this target within the cooldown; waiting until ${new Date(Math.max(...cooling)).toISOString()}`, tries: 1, result: 'cooling_down' };
    const name = blockPolicyName(scope, ip);
    const base = blockNetworkPolicy(scope, selector, ip, action, now, policies);
    const meta = base.metadata as { annotations: Record<string, string> };
    const existing = policies.find((np) => np.name === name);
    const manifest = { ...base, metadata: { ...meta, annotations: { ...meta.annotations, [LAST_ACTIONS_ANNOTATION]: withLastAction(existing?.annotations, rule, { alert: d.key, at: now.toISOString() }) } } };
    const write: PlannedWrite = { op: 'create-networkpolicy', namespace: scope.namespace, name, manifest };
    this.announce(d, write);
    const r = await withRetry(() => this.apply(write), retry);
    return { detail: `networkpolicy ${name} blocks ${ip} for ${action.expirySeconds}s${r.value ? ' (existed; expiry extended)' : ''}`, tries: r.tries, result: 'success' };
  }
}

/** What `execute` reports. */
interface Executed {
  readonly detail: string;
  readonly tries: number;
  readonly result: 'success' | 'noop' | 'duplicate' | 'cooling_down';
}

/** The merge patch of a planned restart or scale: the action and the rule's new record, together. */
function workloadPatch(write: Extract<PlannedWrite, { op: 'restart' | 'scale' }>, current: Readonly<Record<string, string>>): WorkloadPatch {
  const annotations = { [LAST_ACTIONS_ANNOTATION]: withLastAction(current, write.rule, write.record) };
  return write.op === 'restart' ? { annotations, podTemplateAnnotations: write.annotations } : { annotations, replicas: write.to };
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
