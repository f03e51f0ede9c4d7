/**
 * A NetworkPolicy evaluator over synthesized manifests, with the semantics of the Kubernetes
 * NetworkPolicy API (networking.k8s.io/v1):
 *
 * - A pod is isolated for ingress (egress) when any policy of its namespace whose `policyTypes`
 *   include Ingress (Egress) selects it; `policyTypes` defaults to Ingress, plus Egress when the
 *   policy has egress rules. Policies are additive: traffic is allowed when any rule of any policy
 *   selecting the pod allows it.
 * - Traffic A → B on port P is allowed iff (A is not egress-isolated, or an egress rule of a policy
 *   selecting A allows B:P) and (B is not ingress-isolated, or an ingress rule of a policy
 *   selecting B allows A:P).
 * - A rule without `to`/`from` matches every peer; without `ports` every port. A peer with only a
 *   `podSelector` selects pods of the policy's namespace; with only a `namespaceSelector` every pod
 *   of the selected namespaces; with both, the pods matching both. Selectors support matchLabels and
 *   matchExpressions In / NotIn / Exists / DoesNotExist; an empty selector matches everything.
 * - A port may be a number (with `endPort` a range) or a name, resolved against the destination
 *   pod's container ports (name and protocol); a port entry without `port` matches every port of
 *   its protocol (TCP by default).
 * - Pod addresses are not modelled. An `ipBlock` of every address (`0.0.0.0/0`, `::/0`) is taken to
 *   match pods too, whatever its `except` list: implementations differ on whether ipBlocks apply to
 *   pod traffic, and the conservative reading is that they may. Any narrower `ipBlock` (the API
 *   server's address) is taken to match no pod.
 *
 * Pods come from the synthesized workloads: Deployments, StatefulSets, DaemonSets, Jobs and
 * CronJobs (their pod templates), and the pods operators create for Prometheus (with the Thanos
 * sidecar's ports when `spec.thanos` is set), Alertmanager, ThanosRuler (prometheus-operator's labels and ports) and Elasticsearch (ECK's). Namespace labels come from
 * the Namespace objects plus `kubernetes.io/metadata.name`. Stand-in pods represent what the
 * manifests do not create: a tenant application in each tenant namespace (ports `http` 8080 and
 * `metrics` 9102), kube-dns, the ECK operator, a pod of an unrelated namespace (listening on 443,
 * 8080, 9090, 9200), and in each namespace a policy names but the manifests do not create a pod
 * listening on the ports egress rules name there (the long-term store, an external
 * Elasticsearch) and a pod with the labels each ingress peer selects there (the KEDA operator).
 */
import { Manifest } from './schema';

/** A label selector. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: ReadonlyArray<string> }>;
}

/** A port a container listens on. */
export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** A pod (one per workload: replicas share labels and ports). */
export interface PodModel {
  /** `namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: ReadonlyArray<ContainerPort>;
  /** What the pod is, independent of the tenant: `monitoring/jaeger`, `tenant/app`. */
  readonly role: string;
  /** The tenant the pod belongs to (its namespace's or its own tenant label). @default - shared */
  readonly tenant?: string;
}

interface PolicyPort { readonly protocol?: string; readonly port?: number | string; readonly endPort?: number }
interface Peer { readonly podSelector?: LabelSelector; readonly namespaceSelector?: LabelSelector; readonly ipBlock?: { readonly cidr: string; readonly except?: ReadonlyArray<string> } }
interface Rule { readonly from?: ReadonlyArray<Peer>; readonly to?: ReadonlyArray<Peer>; readonly ports?: ReadonlyArray<PolicyPort> }

/** A NetworkPolicy as the evaluator reads it. */
export interface NetworkPolicyModel {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly policyTypes: ReadonlyArray<string>;
  readonly ingress: ReadonlyArray<Rule>;
  readonly egress: ReadonlyArray<Rule>;
}

/** One allowed connection: `from` may open a connection to `to` on `port`. */
export interface Connection {
  readonly from: PodModel;
  readonly to: PodModel;
  readonly port: number;
  readonly protocol: string;
}

/** The namespace label Kubernetes sets on every namespace. */
const NAME_LABEL = 'kubernetes.io/metadata.name';
const TENANT_OBJECT_LABEL = 'monitoring.cdk8s.io/tenant';
const TENANT_NAMESPACE_LABEL = 'monitoring.cdk8s.io/tenant-namespace';
const ANY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);

/** Does `selector` select `labels`? An empty selector selects everything. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key]!)) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

/** Pods, namespaces and policies, and the reachability between the pods. */
export class NetworkModel {
  /** The model of a set of synthesized objects, with the stand-in pods described in the module comment. */
  public static fromManifests(objects: ReadonlyArray<Manifest>, options: { readonly extraPods?: ReadonlyArray<PodModel> } = {}): NetworkModel {
    const namespaces = new Map<string, Record<string, string>>();
    for (const o of objects) if (o.kind === 'Namespace') namespaces.set(o.metadata.name, { ...o.metadata.labels, [NAME_LABEL]: o.metadata.name });
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy').map(policyOf);
    const pods = [...workloadPods(objects, namespaces), ...standInPods(namespaces, policies), ...(options.extraPods ?? [])];
    for (const p of pods) if (!namespaces.has(p.namespace)) namespaces.set(p.namespace, { [NAME_LABEL]: p.namespace });
    return new NetworkModel(pods, namespaces, policies);
  }

  constructor(
    public readonly pods: ReadonlyArray<PodModel>,
    public readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>,
    public readonly policies: ReadonlyArray<NetworkPolicyModel>,
  ) {}

  /** May `from` connect to `to` on `port`/`protocol`? */
  public allows(from: PodModel, to: PodModel, port: number, protocol: string = 'TCP'): boolean {
    return this.side('Egress', from, to, to, port, protocol) && this.side('Ingress', to, from, to, port, protocol);
  }

  /**
   * Every allowed connection between the pods, on every port the destination listens on. `checked`
   * counts the (source, destination) pairs and the (source, destination, port) checks.
   */
  public connections(): { readonly allowed: Connection[]; readonly pairs: number; readonly checks: number } {
    const allowed: Connection[] = [];
    let checks = 0;
    for (const from of this.pods) {
      for (const to of this.pods) {
        for (const p of to.ports) {
          checks++;
          if (this.allows(from, to, p.port, p.protocol)) allowed.push({ from, to, port: p.port, protocol: p.protocol });
        }
      }
    }
    return { allowed, pairs: this.pods.length * this.pods.length, checks };
  }

  /** The pod with this id. */
  public pod(id: string): PodModel {
    const p = this.pods.find((x) => x.id === id);
    if (!p) throw new Error(`no pod ${id}; pods: ${this.pods.map((x) => x.id).join(', ')}`);
    return p;
  }

  /** A copy with more policies (or with `filter` applied to the current ones first). */
  public withPolicies(extra: ReadonlyArray<Manifest>, filter: (p: NetworkPolicyModel) => boolean = () => true): NetworkModel {
    return new NetworkModel(this.pods, this.namespaces, [...this.policies.filter(filter), ...extra.map(policyOf)]);
  }

  /**
   * One side of the check: is `self` isolated for `type`, and if so does a rule of a policy that
   * selects it admit `peer` on the port of `destination`?
   */
  private side(type: 'Ingress' | 'Egress', self: PodModel, peer: PodModel, destination: PodModel, port: number, protocol: string): boolean {
    const selecting = this.policies.filter((p) => p.namespace === self.namespace && p.policyTypes.includes(type) && matchesSelector(p.podSelector, self.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) => (type === 'Ingress' ? p.ingress : p.egress).some((r) => {
      const peers = type === 'Ingress' ? r.from : r.to;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((x) => this.peerMatches(x, p.namespace, peer));
      return peerOk && portMatches(r.ports, destination, port, protocol);
    }));
  }

  private peerMatches(peer: Peer, policyNamespace: string, pod: PodModel): boolean {
    if (peer.ipBlock) return ANY_ADDRESS.has(peer.ipBlock.cidr);
    if (!peer.podSelector && !peer.namespaceSelector) throw new Error(`a NetworkPolicy peer in ${policyNamespace} has no selector`);
    const nsLabels = this.namespaces.get(pod.namespace) ?? { [NAME_LABEL]: pod.namespace };
    const nsOk = peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, nsLabels) : pod.namespace === policyNamespace;
    return nsOk && (peer.podSelector ? matchesSelector(peer.podSelector, pod.labels) : true);
  }
}

function portMatches(ports: ReadonlyArray<PolicyPort> | undefined, destination: PodModel, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
    return destination.ports.some((c) => c.name === p.port && c.protocol === protocol && c.port === port);
  });
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? v as Json : {});

function policyOf(o: Manifest): NetworkPolicyModel {
  const spec = obj(o.spec);
  const egress = spec.egress as Rule[] | undefined;
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? 'default',
    podSelector: obj(spec.podSelector) as LabelSelector,
    policyTypes: (spec.policyTypes as string[] | undefined) ?? ['Ingress', ...(egress ? ['Egress'] : [])],
    ingress: (spec.ingress as Rule[] | undefined) ?? [],
    egress: egress ?? [],
  };
}

function containerPorts(podSpec: Json): ContainerPort[] {
  const containers = [...((podSpec.containers as Json[] | undefined) ?? []), ...((podSpec.initContainers as Json[] | undefined) ?? [])];
  return containers.flatMap((c) => ((c.ports as Json[] | undefined) ?? []).map((p) => ({
    name: p.name as string | undefined, port: p.containerPort as number, protocol: (p.protocol as string | undefined) ?? 'TCP',
  })));
}

function pod(namespace: string, name: string, labels: Record<string, string>, ports: ContainerPort[], namespaces: ReadonlyMap<string, Record<string, string>>, app?: string): PodModel {
  const nsLabels = namespaces.get(namespace) ?? {};
  const tenantNamespace = nsLabels[TENANT_NAMESPACE_LABEL] === 'true';
  const tenant = tenantNamespace ? nsLabels.tenant ?? namespace : labels[TENANT_OBJECT_LABEL];
  return {
    id: `${namespace}/${name}`, namespace, labels, ports,
    role: `${tenantNamespace ? 'tenant' : namespace}/${app ?? labels['app.kubernetes.io/name'] ?? name}`,
    ...(tenant ? { tenant } : {}),
  };
}

/** Pods of the workloads and of the operator-managed custom resources. */
function workloadPods(objects: ReadonlyArray<Manifest>, namespaces: ReadonlyMap<string, Record<string, string>>): PodModel[] {
  const out: PodModel[] = [];
  for (const o of objects) {
    const spec = obj(o.spec);
    const ns = o.metadata.namespace ?? 'default';
    const fromTemplate = (t: Json) => out.push(pod(ns, o.metadata.name, { ...obj(obj(t.metadata).labels) as Record<string, string> }, containerPorts(obj(t.spec)), namespaces));
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind) && spec.template) fromTemplate(obj(spec.template));
    else if (o.kind === 'CronJob') fromTemplate(obj(obj(obj(spec.jobTemplate).spec).template));
    else if (o.kind === 'Prometheus' || o.kind === 'Alertmanager') {
      // prometheus-operator merges podMetadata.labels and then sets its own over them.
      const kind = o.kind.toLowerCase();
      const labels: Record<string, string> = {
        ...obj(obj(spec.podMetadata).labels) as Record<string, string>,
        'app.kubernetes.io/name': kind, 'app.kubernetes.io/instance': o.metadata.name, 'app.kubernetes.io/managed-by': 'prometheus-operator',
        [kind]: o.metadata.name,
        ...(o.kind === 'Prometheus' ? { 'operator.prometheus.io/name': o.metadata.name, 'operator.prometheus.io/shard': '0' } : {}),
      };
      const ports: ContainerPort[] = o.kind === 'Prometheus'
        ? [{ name: 'web', port: 9090, protocol: 'TCP' }, { name: 'reloader-web', port: 8080, protocol: 'TCP' },
          // With spec.thanos, the Thanos sidecar's StoreAPI and HTTP ports.
          ...(spec.thanos ? [{ name: 'grpc', port: 10901, protocol: 'TCP' }, { name: 'http', port: 10902, protocol: 'TCP' }] : [])]
        : [{ name: 'web', port: 9093, protocol: 'TCP' }, { name: 'mesh-tcp', port: 9094, protocol: 'TCP' }, { name: 'mesh-udp', port: 9094, protocol: 'UDP' }, { name: 'reloader-web', port: 8080, protocol: 'TCP' }];
      out.push(pod(ns, `${kind}-${o.metadata.name}`, labels, ports, namespaces));
    } else if (o.kind === 'ThanosRuler') {
      const labels: Record<string, string> = {
        ...obj(obj(spec.podMetadata).labels) as Record<string, string>,
        'app.kubernetes.io/name': 'thanos-ruler', 'app.kubernetes.io/instance': o.metadata.name, 'app.kubernetes.io/managed-by': 'prometheus-operator',
        'thanos-ruler': o.metadata.name,
      };
      out.push(pod(ns, `thanos-ruler-${o.metadata.name}`, labels, [{ name: 'web', port: 10902, protocol: 'TCP' }, { name: 'grpc', port: 10901, protocol: 'TCP' }, { name: 'reloader-web', port: 8080, protocol: 'TCP' }], namespaces));
    } else if (o.kind === 'Elasticsearch') {
      for (const set of (spec.nodeSets as Json[] | undefined) ?? []) {
        const statefulSet = `${o.metadata.name}-es-${set.name as string}`;
        const labels: Record<string, string> = {
          ...obj(obj(obj(set.podTemplate).metadata).labels) as Record<string, string>,
          'common.k8s.elastic.co/type': 'elasticsearch',
          'elasticsearch.k8s.elastic.co/cluster-name': o.metadata.name,
          'elasticsearch.k8s.elastic.co/statefulset-name': statefulSet,
        };
        out.push(pod(ns, statefulSet, labels, [{ name: 'https', port: 9200, protocol: 'TCP' }, { name: 'transport', port: 9300, protocol: 'TCP' }], namespaces, 'elasticsearch'));
      }
    }
  }
  return out;
}

/** The stand-in pods (see the module comment). */
function standInPods(namespaces: ReadonlyMap<string, Record<string, string>>, policies: ReadonlyArray<NetworkPolicyModel>): PodModel[] {
  const none = new Map<string, Record<string, string>>();
  const out: PodModel[] = [];
  for (const [name, labels] of namespaces) {
    if (labels[TENANT_NAMESPACE_LABEL] !== 'true') continue;
    out.push(pod(name, 'app', { 'app.kubernetes.io/name': 'app' }, [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9102, protocol: 'TCP' }], namespaces));
  }
  out.push(pod('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], none, 'kube-dns'));
  out.push(pod('elastic-system', 'elastic-operator', { 'control-plane': 'elastic-operator' }, [{ name: 'webhook', port: 9443, protocol: 'TCP' }], none, 'elastic-operator'));
  out.push(pod('unrelated', 'any', { app: 'any' }, [443, 8080, 9090, 9200].map((port) => ({ port, protocol: 'TCP' })), none, 'any'));
  // Namespaces a policy names that the manifests do not create: a pod listening on the ports
  // egress rules name towards them, and a pod with the labels each ingress peer selects there.
  const external = (peer: Peer) => {
    const ns = peer.namespaceSelector?.matchLabels?.[NAME_LABEL];
    return ns && !namespaces.has(ns) && !['kube-system', 'elastic-system'].includes(ns) ? ns : undefined;
  };
  const listening = new Map<string, Set<number>>();
  const clients = new Map<string, Record<string, string>>();
  for (const p of policies) {
    for (const r of p.egress) {
      for (const ns of (r.to ?? []).map(external)) {
        if (!ns) continue;
        const set = listening.get(ns) ?? new Set<number>();
        for (const port of r.ports ?? []) if (typeof port.port === 'number') set.add(port.port);
        listening.set(ns, set);
      }
    }
    for (const r of p.ingress) {
      for (const peer of r.from ?? []) {
        const ns = external(peer);
        const labels = { ...peer.podSelector?.matchLabels };
        if (ns) clients.set(`${ns}/${labels['app.kubernetes.io/name'] ?? labels.app ?? 'client'}`, labels);
      }
    }
  }
  for (const [ns, ports] of listening) out.push(pod(ns, 'service', { app: 'service' }, [...ports].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP' })), none, 'service'));
  for (const [id, labels] of clients) {
    const [ns, name] = id.split('/') as [string, string];
    out.push(pod(ns, name, labels, [], none, name));
  }
  return out;
}

/** A connection as text: `acme-ai/app → monitoring/jaeger-acme-ai:4317` (`/udp` for UDP). */
export function describeConnection(c: Connection): string {
  return `${c.from.id} → ${c.to.id}:${c.port}${c.protocol === 'TCP' ? '' : `/${c.protocol.toLowerCase()}`}`;
}

/** A connection by roles: `tenant/app → monitoring/jaeger:4317`. */
export function describeRoles(c: Connection): string {
  return `${c.from.role} → ${c.to.role}:${c.port}${c.protocol === 'TCP' ? '' : `/${c.protocol.toLowerCase()}`}`;
}

/** The connections from a pod of one tenant to a pod of another. */
export function crossTenantConnections(connections: ReadonlyArray<Connection>): string[] {
  return connections.filter((c) => c.from.tenant && c.to.tenant && c.from.tenant !== c.to.tenant).map(describeConnection);
}
