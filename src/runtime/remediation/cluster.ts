import { exponentialDelay, retry, RetryFailure } from '../retry';
/**
 * The cluster operations the controller needs, behind an interface so the decision engine and the
 * actions are testable without @kubernetes/client-node (which is ESM-only and loaded at run time by
 * `kube-cluster.ts`).
 */
import { WorkloadTarget } from '../../remediation/policy';

/** A Kubernetes object as plain JSON. */
export type Manifest = Readonly<Record<string, unknown>>;

/** What the controller reads of a Deployment or StatefulSet. */
export interface WorkloadState {
  /** `spec.replicas`. */
  readonly replicas: number;
  /** `metadata.resourceVersion`, the precondition of the next write. */
  readonly resourceVersion: string;
  /** `metadata.annotations`, where the controller's dedup and cooldown records live. */
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.selector.matchLabels`. */
  readonly podSelector: Readonly<Record<string, string>>;
}

/** One merge patch of a workload: an action and its record, applied together or not at all. */
export interface WorkloadPatch {
  /** `metadata.annotations` to set. */
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.template.metadata.annotations` to set (a restart). @default - pod template unchanged */
  readonly podTemplateAnnotations?: Readonly<Record<string, string>>;
  /** `spec.replicas` to set (a scale). @default - replicas unchanged */
  readonly replicas?: number;
}

/** Bounds of an HorizontalPodAutoscaler and the workload it targets. */
export interface AutoscalerBounds {
  readonly name: string;
  readonly targetKind: string;
  readonly targetName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** A controller-owned object found by a list call. */
export interface OwnedObject {
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A label selector as the API writes it. */
export interface LabelSelectorView {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly unknown[];
}

/** One peer of a NetworkPolicy ingress rule, in wire form. */
export interface NetworkPolicyPeerView {
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
  readonly podSelector?: LabelSelectorView;
  readonly namespaceSelector?: LabelSelectorView;
}

/** One ingress rule, in wire form: no `from` admits every source. */
export interface NetworkPolicyIngressView {
  readonly from?: readonly NetworkPolicyPeerView[];
  readonly ports?: readonly unknown[];
}

/** A NetworkPolicy found by a list call, with what a block needs to know about it. */
export interface NetworkPolicyObject extends OwnedObject {
  readonly labels: Readonly<Record<string, string>>;
  readonly podSelector: LabelSelectorView;
  readonly policyTypes: readonly string[];
  readonly ingress: readonly NetworkPolicyIngressView[];
}

/** What the controller calls on the Kubernetes API. Every method throws `ClusterError` on failure. */
export interface ClusterApi {
  /** Read a Deployment or StatefulSet. */
  readWorkload(target: WorkloadTarget): Promise<WorkloadState>;
  /**
   * Merge-patch a Deployment or StatefulSet (`application/merge-patch+json`), guarded by
   * `resourceVersion` (a stale one yields 409), so a write computed from a read cannot land on a
   * workload that changed since.
   */
  patchWorkload(target: WorkloadTarget, patch: WorkloadPatch, resourceVersion: string): Promise<void>;
  /** List the HorizontalPodAutoscalers (autoscaling/v2) of a namespace. */
  listAutoscalers(namespace: string): Promise<readonly AutoscalerBounds[]>;
  /** Create a NetworkPolicy (networking.k8s.io/v1). */
  createNetworkPolicy(namespace: string, manifest: Manifest): Promise<void>;
  /** List NetworkPolicies carrying a label selector (empty: all of the namespace). */
  listNetworkPolicies(namespace: string, labelSelector: string): Promise<readonly NetworkPolicyObject[]>;
  /** Merge-patch annotations onto a NetworkPolicy (`metadata.annotations`). */
  patchNetworkPolicyAnnotations(namespace: string, name: string, annotations: Readonly<Record<string, string>>): Promise<void>;
  /** Delete a NetworkPolicy. */
  deleteNetworkPolicy(namespace: string, name: string): Promise<void>;
  /** Create a Job (batch/v1). */
  createJob(namespace: string, manifest: Manifest): Promise<void>;
  /** List Jobs (batch/v1) carrying a label selector. */
  listJobs(namespace: string, labelSelector: string): Promise<readonly OwnedObject[]>;
  /** Create an Event (core/v1). */
  createEvent(namespace: string, manifest: Manifest): Promise<void>;
  /** Close kept-alive connections (at shutdown). @default - nothing to close */
  close?(): void;
}

/** A failed API call; `status` is the HTTP status, or 0 for a timeout or a connection error. */
export class ClusterError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's `Retry-After` (429, 503) in milliseconds. @default - none sent */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }

  /** Whether trying again may succeed: conflicts, throttling, server errors and timeouts. */
  get retriable(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }

  /** Whether the request may have been applied although it failed (timeout, 5xx). */
  get ambiguous(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** Turn anything thrown by an API call into a `ClusterError`. */
export function asClusterError(e: unknown): ClusterError {
  if (e instanceof ClusterError) return e;
  return new ClusterError(0, e instanceof Error ? e.message : String(e));
}

/** Backoff settings for `withRetry`. */
export interface RetryOptions {
  /** Total tries including the first. @default 5 */
  readonly attempts?: number;
  /** First delay in milliseconds, doubled each time, with ±20% jitter. @default 100 */
  readonly baseDelayMs?: number;
  /** Largest delay in milliseconds. @default 2000 */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds (a longer one fails the call instead). @default 10_000 */
  readonly maxRetryAfterMs?: number;
  /** Epoch milliseconds after which no retry is started (the action's time budget). @default - no deadline */
  readonly deadline?: number;
  /** Sleep function (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with the error and the delay. @default - nothing */
  readonly onRetry?: (error: ClusterError, attempt: number, delayMs: number) => void;
}

/** Result of `withRetry`: the value and how many tries it took. */
export interface Retried<T> {
  readonly value: T;
  readonly tries: number;
}

/** Milliseconds from a `Retry-After` header (delay-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Run `op` until it succeeds, retrying retriable `ClusterError`s (409, 429, 5xx, timeouts) with
 * exponential backoff, waiting at least the server's `Retry-After`; other errors (403, 404, 422, …) are thrown at once. `op` receives the try
 * number (1-based) and must be idempotent: the controller's operations are (fixed annotation
 * values, deterministic object names, resourceVersion-guarded scale writes).
 */
export async function withRetry<T>(op: (tryNumber: number) => Promise<T>, options: RetryOptions = {}): Promise<Retried<T>> {
  const backoff = exponentialDelay(options.baseDelayMs ?? 100, options.maxDelayMs ?? 2000);
  try {
    const r = await retry(op, {
      attempts: options.attempts ?? 5,
      // ±20 % jitter, so controllers retrying together do not stay in step; a server that says
      // when to come back (429 or 503 with Retry-After) is waited for at least that long.
      delayMs: (n, e) => Math.max(backoff(n) * (0.8 + Math.random() * 0.4), asClusterError(e).retryAfterMs ?? 0),
      retriable: (e) => {
        const err = asClusterError(e);
        const wait = err.retryAfterMs ?? 0;
        // A retry that would start after the deadline is not worth starting.
        return err.retriable && wait <= (options.maxRetryAfterMs ?? 10_000) && (options.deadline === undefined || Date.now() + wait < options.deadline);
      },
      sleep: options.sleep,
      onRetry: (e, n, delay) => options.onRetry?.(asClusterError(e), n, Math.round(delay)),
    });
    return { value: r.value, tries: r.attempts };
  } catch (e) {
    const failure = e as RetryFailure;
    throw Object.assign(asClusterError(failure.error), { tries: failure.attempts });
  }
}
