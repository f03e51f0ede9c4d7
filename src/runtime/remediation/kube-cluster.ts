/**
 * `ClusterApi` over @kubernetes/client-node. The package is ESM-only, so it is loaded with a real
 * dynamic `import()` when the controller starts (never by unit tests, which use the interface).
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import * as http from 'node:http';
import * as https from 'node:https';
import { WorkloadTarget } from '../../remediation/policy';
import { AutoscalerBounds, ClusterApi, ClusterError, Manifest, NetworkPolicyObject, OwnedObject, WorkloadPatch, WorkloadState, parseRetryAfter } from './cluster';

/** Where the client configuration comes from. */
export interface KubeClusterOptions {
  /** A kubeconfig file. @default - $KUBECONFIG, else the in-cluster service account, else ~/.kube/config */
  readonly kubeconfig?: string;
  /** Timeout of one API request in milliseconds. @default 5000 */
  readonly requestTimeoutMs?: number;
}

/** The per-call options parameter of the generated API methods. */
type CallOptions = Parameters<K8s.CoreV1Api['createNamespacedEvent']>[1];

function toClusterError(e: unknown, what: string): ClusterError {
  const err = e as { code?: unknown; body?: unknown; name?: string; message?: string; headers?: Record<string, string | undefined> };
  if (typeof err.code === 'number') {
    let detail = '';
    try {
      const body = typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : (err.body as { message?: string } | undefined);
      detail = body?.message ?? '';
    } catch {
      detail = String(err.body).slice(0, 200);
    }
    const headers = err.headers ?? {};
    const retryAfter = headers['retry-after'] ?? headers['Retry-After'];
    return new ClusterError(err.code, `${what}: ${detail || `HTTP ${err.code}`}`, parseRetryAfter(retryAfter));
  }
  const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError' || /abort|timeout/i.test(err.message ?? '');
  return new ClusterError(0, `${what}: ${timedOut ? 'request timed out' : (err.message ?? String(e))}`);
}

/** Load the client and build a `ClusterApi`. */
export async function createKubeCluster(options: KubeClusterOptions = {}): Promise<ClusterApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  return new KubeCluster(k8s, kc, options.requestTimeoutMs ?? 5000);
}

/** Most connections kept open to the API server. */
const MAX_SOCKETS = 16;

class KubeCluster implements ClusterApi {
  private agent?: http.Agent;
  private readonly apps: K8s.AppsV1Api;
  private readonly autoscaling: K8s.AutoscalingV2Api;
  private readonly networking: K8s.NetworkingV1Api;
  private readonly batch: K8s.BatchV1Api;
  private readonly core: K8s.CoreV1Api;

  constructor(
    private readonly k8s: typeof K8s,
    kc: K8s.KubeConfig,
    private readonly timeoutMs: number,
  ) {
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    this.networking = kc.makeApiClient(k8s.NetworkingV1Api);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  /** Per-call options: a request timeout, and the merge-patch content type for patches. */
  private opts(patch = false): CallOptions {
    // Call-time middleware is of the observable kind; the package's own header middleware is
    // one, and the timeout signal is set on the request before it runs.
    const header = patch ? this.k8s.setHeaderMiddleware('Content-Type', this.k8s.PatchStrategy.MergePatch) : this.k8s.setHeaderMiddleware('Accept', 'application/json');
    const timeoutMs = this.timeoutMs;
    const mw: K8s.ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        const agent = ctx.getAgent();
        if (agent !== undefined) ctx.setAgent(this.pooled(agent));
        return header.pre(ctx);
      },
      post: (r) => header.post(r),
    };
    return { middleware: [mw], middlewareMergeStrategy: 'append' };
  }

  /**
   * One keep-alive agent for every call. The client builds a fresh agent (so a fresh TCP and TLS
   * connection) per request from the kubeconfig; the first one's options (CA, client certificate,
   * server name) make the shared agent. Proxy agents are left as they are.
   */
  private pooled(agent: http.Agent | https.Agent): http.Agent | https.Agent {
    if (this.agent !== undefined) return this.agent;
    if (agent.constructor !== http.Agent && agent.constructor !== https.Agent) return agent;
    this.agent = agent instanceof https.Agent
      ? new https.Agent({ ...agent.options, keepAlive: true, maxSockets: MAX_SOCKETS })
      : new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    return this.agent;
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.agent?.destroy();
  }

  /**
   * Plain JSON (wire names such as `from`) to the client's model (`_from`), which the typed API
   * serializes back; JSON is YAML, and `loadYaml` picks the model from apiVersion and kind.
   */
  private model<T>(manifest: Manifest): T {
    return this.k8s.loadYaml<T>(JSON.stringify(manifest));
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toClusterError(e, what);
    }
  }

  async readWorkload(t: WorkloadTarget): Promise<WorkloadState> {
    const p = { name: t.name, namespace: t.namespace };
    const obj = await this.call(`get ${t.kind} ${t.namespace}/${t.name}`, () =>
      t.kind === 'Deployment' ? this.apps.readNamespacedDeployment(p, this.opts()) : this.apps.readNamespacedStatefulSet(p, this.opts()),
    );
    return {
      replicas: obj.spec?.replicas ?? 0,
      resourceVersion: obj.metadata?.resourceVersion ?? '',
      annotations: obj.metadata?.annotations ?? {},
      podSelector: obj.spec?.selector.matchLabels ?? {},
    };
  }

  async patchWorkload(t: WorkloadTarget, patch: WorkloadPatch, resourceVersion: string): Promise<void> {
    const spec = {
      ...(patch.replicas !== undefined ? { replicas: patch.replicas } : {}),
      ...(patch.podTemplateAnnotations !== undefined ? { template: { metadata: { annotations: patch.podTemplateAnnotations } } } : {}),
    };
    const body = { metadata: { resourceVersion, annotations: patch.annotations }, ...(Object.keys(spec).length > 0 ? { spec } : {}) };
    const p = { name: t.name, namespace: t.namespace, body };
    await this.call(`patch ${t.kind} ${t.namespace}/${t.name}`, () =>
      t.kind === 'Deployment' ? this.apps.patchNamespacedDeployment(p, this.opts(true)) : this.apps.patchNamespacedStatefulSet(p, this.opts(true)),
    );
  }

  async listAutoscalers(namespace: string): Promise<readonly AutoscalerBounds[]> {
    const list = await this.call(`list horizontalpodautoscalers in ${namespace}`, () => this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, this.opts()));
    return list.items.map((h) => ({
      name: h.metadata?.name ?? '',
      targetKind: h.spec?.scaleTargetRef.kind ?? '',
      targetName: h.spec?.scaleTargetRef.name ?? '',
      minReplicas: h.spec?.minReplicas ?? 1,
      maxReplicas: h.spec?.maxReplicas ?? Number.MAX_SAFE_INTEGER,
    }));
  }

  async createNetworkPolicy(namespace: string, manifest: Manifest): Promise<void> {
    await this.call(`create networkpolicy in ${namespace}`, () => this.networking.createNamespacedNetworkPolicy({ namespace, body: this.model<K8s.V1NetworkPolicy>(manifest) }, this.opts()));
  }

  async listNetworkPolicies(namespace: string, labelSelector: string): Promise<readonly NetworkPolicyObject[]> {
    const list = await this.call(`list networkpolicies in ${namespace}`, () =>
      this.networking.listNamespacedNetworkPolicy({ namespace, ...(labelSelector !== '' ? { labelSelector } : {}) }, this.opts()),
    );
    return list.items.map((n) => ({
      namespace,
      name: n.metadata?.name ?? '',
      annotations: n.metadata?.annotations ?? {},
      labels: n.metadata?.labels ?? {},
      podSelector: n.spec?.podSelector ?? {},
      policyTypes: n.spec?.policyTypes ?? [],
      // The client's model calls `from` `_from`; the rest has the wire names.
      ingress: (n.spec?.ingress ?? []).map((r) => ({ ...(r._from !== undefined ? { from: r._from } : {}), ...(r.ports !== undefined ? { ports: r.ports } : {}) })),
    }));
  }

  async patchNetworkPolicyAnnotations(namespace: string, name: string, annotations: Readonly<Record<string, string>>): Promise<void> {
    await this.call(`patch networkpolicy ${namespace}/${name}`, () => this.networking.patchNamespacedNetworkPolicy({ namespace, name, body: { metadata: { annotations } } }, this.opts(true)));
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    await this.call(`delete networkpolicy ${namespace}/${name}`, () => this.networking.deleteNamespacedNetworkPolicy({ namespace, name }, this.opts()));
  }

  async createJob(namespace: string, manifest: Manifest): Promise<void> {
    await this.call(`create job in ${namespace}`, () => this.batch.createNamespacedJob({ namespace, body: this.model<K8s.V1Job>(manifest) }, this.opts()));
  }

  async listJobs(namespace: string, labelSelector: string): Promise<readonly OwnedObject[]> {
    const list = await this.call(`list jobs in ${namespace}`, () => this.batch.listNamespacedJob({ namespace, labelSelector }, this.opts()));
    return list.items.map((j) => ({ namespace, name: j.metadata?.name ?? '', annotations: j.metadata?.annotations ?? {} }));
  }

  async createEvent(namespace: string, manifest: Manifest): Promise<void> {
    await this.call(`create event in ${namespace}`, () => this.core.createNamespacedEvent({ namespace, body: manifest as unknown as K8s.CoreV1Event }, this.opts()));
  }
}
