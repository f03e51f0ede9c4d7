/**
 * An in-memory `ClusterApi` for in-process tests: records every call; a hook can fail calls.
 */
import { WorkloadTarget } from '../../../../src/remediation/policy';
import { AutoscalerBounds, ClusterApi, ClusterError, Manifest, NetworkPolicyObject, OwnedObject, WorkloadPatch, WorkloadState } from '../../../../src/runtime/remediation/cluster';

/** One recorded call. */
export interface Call {
  readonly method: keyof ClusterApi;
  readonly args: readonly unknown[];
}

/** The fake. */
export class FakeCluster implements ClusterApi {
  readonly calls: Call[] = [];
  replicas = 3;
  rv = 1;
  /** `metadata.annotations` of each workload (`Kind/namespace/name`), as patched. */
  readonly annotations = new Map<string, Readonly<Record<string, string>>>();
  autoscalers: AutoscalerBounds[] = [];
  networkPolicies: NetworkPolicyObject[] = [];
  /** What `listJobs` returns (filtered by namespace only). */
  jobs: OwnedObject[] = [];
  /** Throw this from the next calls of a method. */
  failures: Array<{ method: keyof ClusterApi; error: ClusterError }> = [];
  /** Delay of every call in milliseconds. */
  delayMs = 0;

  private async record(method: keyof ClusterApi, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const i = this.failures.findIndex((f) => f.method === method);
    if (i >= 0) throw this.failures.splice(i, 1)[0].error;
  }

  /** Calls of one method. */
  of(method: keyof ClusterApi): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  async readWorkload(t: WorkloadTarget): Promise<WorkloadState> {
    await this.record('readWorkload', t);
    return { replicas: this.replicas, resourceVersion: String(this.rv), annotations: { ...(this.annotations.get(`${t.kind}/${t.namespace}/${t.name}`) ?? {}) }, podSelector: { app: t.name } };
  }
  async patchWorkload(t: WorkloadTarget, patch: WorkloadPatch, rv: string): Promise<void> {
    await this.record('patchWorkload', t, patch, rv);
    if (rv !== String(this.rv)) throw new ClusterError(409, 'the object has been modified');
    const key = `${t.kind}/${t.namespace}/${t.name}`;
    this.annotations.set(key, { ...(this.annotations.get(key) ?? {}), ...patch.annotations });
    if (patch.replicas !== undefined) this.replicas = patch.replicas;
    this.rv++;
  }
  async listAutoscalers(ns: string): Promise<readonly AutoscalerBounds[]> {
    await this.record('listAutoscalers', ns);
    return this.autoscalers;
  }
  async createNetworkPolicy(ns: string, m: Manifest): Promise<void> {
    await this.record('createNetworkPolicy', ns, m);
  }
  async listNetworkPolicies(ns: string, sel: string): Promise<readonly NetworkPolicyObject[]> {
    await this.record('listNetworkPolicies', ns, sel);
    const [k, v] = sel.split('=');
    return this.networkPolicies.filter((n) => n.namespace === ns && (sel === '' || n.labels[k] === v));
  }
  async patchNetworkPolicyAnnotations(ns: string, name: string, a: Readonly<Record<string, string>>): Promise<void> {
    await this.record('patchNetworkPolicyAnnotations', ns, name, a);
  }
  async deleteNetworkPolicy(ns: string, name: string): Promise<void> {
    await this.record('deleteNetworkPolicy', ns, name);
  }
  async createJob(ns: string, m: Manifest): Promise<void> {
    await this.record('createJob', ns, m);
  }
  async listJobs(ns: string, sel: string): Promise<readonly OwnedObject[]> {
    await this.record('listJobs', ns, sel);
    return this.jobs.filter((j) => j.namespace === ns);
  }
  async createEvent(ns: string, m: Manifest): Promise<void> {
    await this.record('createEvent', ns, m);
  }
}
