import { k8s } from 'cdk8s-plus-28';
import { ErrorLocation, ValidationError } from './errors';
import { selectorLabels } from './labels';
import { DNS_LABEL_PATTERN, isCidr } from './validation';

/** The label Kubernetes puts on every namespace with the namespace's own name (immutable, set by the API server). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The pod labels of the platform's shared components, as their NetworkPolicies select them. The
 * Prometheus and Alertmanager pods are created by prometheus-operator, which sets
 * `app.kubernetes.io/name` and `app.kubernetes.io/instance` itself (to the kind and the object name,
 * `platform`), so these two labels are the ones that hold on the running pods.
 */
export const PLATFORM_POD_LABELS = {
  /** The platform Prometheus (`Prometheus/platform`). */
  prometheus: selectorLabels({ name: 'prometheus', instance: 'platform' }),
  /** The platform Alertmanager (`Alertmanager/platform`). */
  alertmanager: selectorLabels({ name: 'alertmanager', instance: 'platform' }),
  /** Grafana. */
  grafana: selectorLabels({ name: 'grafana' }),
  /** The Pushgateway. */
  pushgateway: selectorLabels({ name: 'pushgateway' }),
  /** The remediation controller. */
  remediation: selectorLabels({ name: 'remediation-controller' }),
} as const;

/**
 * Pod labels that mark a client of a shared component: the component's ingress policy admits pods
 * of its namespace that carry the label (value `"true"`), and the client's own egress policy
 * names the component. The library sets them on the pods that really call the component.
 */
export const CLIENT_LABELS = {
  /** Queries the platform Prometheus HTTP API (Grafana, the drift and anomaly jobs). */
  prometheus: 'monitoring.cdk8s.io/queries-prometheus',
  /** Pushes results to the Pushgateway (the drift and anomaly jobs). */
  pushgateway: 'monitoring.cdk8s.io/pushes-metrics',
  /** Reads or writes the Elasticsearch the platform deploys (Jaeger, Grafana, the index setup). */
  elasticsearch: 'monitoring.cdk8s.io/elasticsearch-client',
} as const;

/** The pod labels of a client of the given components (`clientLabels('prometheus', 'pushgateway')`). */
export function clientLabels(...of: ReadonlyArray<keyof typeof CLIENT_LABELS>): Record<string, string> {
  return Object.fromEntries(of.map((k) => [CLIENT_LABELS[k], 'true']));
}

/**
 * Where traffic may go to or come from in a NetworkPolicy rule: pods of one namespace chosen by
 * labels (namespace and pod selector in the same peer, so both must match), every pod of a
 * namespace, or an address range for what is not a pod (the API server, a store outside the cluster).
 *
 * @example
 * NetworkPeer.pods('mimir', { 'app.kubernetes.io/component': 'distributor' })
 * NetworkPeer.cidr('10.0.0.1/32')
 */
export class NetworkPeer {
  /** Pods with all of `podLabels` in `namespace`. */
  public static pods(namespace: string, podLabels: Readonly<Record<string, string>>): NetworkPeer {
    return new NetworkPeer({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
      podSelector: { matchLabels: { ...podLabels } },
    });
  }

  /** Every pod of `namespace`. */
  public static namespace(namespace: string): NetworkPeer {
    return new NetworkPeer({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } });
  }

  /**
   * Addresses in `cidr` (for destinations that are not pods). Throws a `ValidationError` at
   * `location`/`field` unless `cidr` is an IPv4 or IPv6 CIDR.
   */
  public static cidr(cidr: string, location: ErrorLocation = 'NetworkPeer', field: string = 'cidr'): NetworkPeer {
    if (typeof cidr !== 'string' || !isCidr(cidr)) throw new ValidationError(location, field, cidr, 'a CIDR such as 10.0.0.0/8 or fd00::/8');
    return new NetworkPeer({ ipBlock: { cidr } });
  }

  /**
   * Every address, IPv4 and IPv6: for destinations outside the cluster whose addresses are not
   * known (receivers' webhooks). Implementations may match pod addresses too, so use it only with
   * ports that no pod should be reached on through it.
   */
  public static anyAddress(): NetworkPeer[] {
    return [new NetworkPeer({ ipBlock: { cidr: '0.0.0.0/0' } }), new NetworkPeer({ ipBlock: { cidr: '::/0' } })];
  }

  private constructor(
    /** The NetworkPolicy peer. */
    public readonly peer: k8s.NetworkPolicyPeer,
  ) {}
}

/** A NetworkPolicy port by number. */
export function networkPort(port: number, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { protocol, port: k8s.IntOrString.fromNumber(port) };
}

/** A NetworkPolicy port by the name of the destination container's port (`metrics`, `web`). */
export function namedPort(name: string, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { protocol, port: k8s.IntOrString.fromString(name) };
}

/** An egress rule to `peers` on `ports`. */
export function egressTo(peers: ReadonlyArray<NetworkPeer>, ports: ReadonlyArray<k8s.NetworkPolicyPort>): k8s.NetworkPolicyEgressRule {
  return { to: peers.map((p) => p.peer), ports: [...ports] };
}

/** `rules` without repeats (several datasources or URLs often name the same destination). */
export function uniqueRules<T>(rules: ReadonlyArray<T>): T[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An ingress rule from `peers` on `ports`. */
export function ingressFrom(peers: ReadonlyArray<NetworkPeer>, ports: ReadonlyArray<k8s.NetworkPolicyPort>): k8s.NetworkPolicyIngressRule {
  return { from: peers.map((p) => p.peer), ports: [...ports] };
}

/** The in-cluster Service a URL names. */
export interface ServiceAddress {
  /** The Service name. */
  readonly service: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The port the URL connects to (explicit, or 80/443 from the scheme). */
  readonly port: number;
}

/**
 * The in-cluster Service of a URL whose host is `<service>.<namespace>.svc` (optionally followed
 * by `.cluster.local`), or a bare `<service>` in `clientNamespace`; `undefined` for any other host.
 */
export function parseServiceUrl(url: string, clientNamespace?: string): ServiceAddress | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const labels = u.hostname.split('.');
  if (!labels.every((l) => DNS_LABEL_PATTERN.test(l))) return undefined;
  if (labels.length === 1 && clientNamespace) return { service: labels[0]!, namespace: clientNamespace, port };
  const tail = labels.slice(2).join('.');
  if (labels.length >= 3 && (tail === 'svc' || tail === 'svc.cluster.local')) return { service: labels[0]!, namespace: labels[1]!, port };
  return undefined;
}

/** Pods known to back a Service: when a URL names this Service, egress goes to these pods only. */
export interface KnownService {
  /** The Service name. */
  readonly service: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The labels of the pods behind it. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** Options of `urlEgressRule`. */
export interface UrlEgressOptions {
  /** Where the URL's host lives, when it is not an in-cluster Service URL. @default - derived from the URL */
  readonly network?: NetworkPeer;
  /** The namespace of the pod that calls the URL (a bare `<service>` host is in it). @default - bare hosts are not in-cluster */
  readonly clientNamespace?: string;
  /** Services whose pods are known, so egress to them is narrowed to those pods. @default - none */
  readonly known?: ReadonlyArray<KnownService>;
  /** The field that takes `network`, named in the error for a URL outside the cluster. @default - the URL must be in-cluster */
  readonly networkField?: string;
}

/**
 * The egress rule that lets a pod call `url` and nothing else: the URL's port, to the pods behind
 * a known Service, to the Service's namespace for other in-cluster Services, or to `network`.
 * A URL outside the cluster without `network` fails with a `ValidationError` at `location`/`field`
 * (a NetworkPolicy cannot name a host, only pods and address ranges), naming `networkField`.
 */
export function urlEgressRule(url: string, location: ErrorLocation, field: string, options: UrlEgressOptions = {}): k8s.NetworkPolicyEgressRule {
  const address = parseServiceUrl(url, options.clientNamespace);
  let port: number;
  try {
    const u = new URL(url);
    port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  } catch {
    throw new ValidationError(location, field, url, 'an absolute http:// or https:// URL');
  }
  if (options.network) return egressTo([options.network], [networkPort(port)]);
  if (!address) {
    const inCluster = 'an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name';
    throw new ValidationError(location, field, url, options.networkField
      ? `${inCluster}, or any URL with ${options.networkField} set to where it is (NetworkPeer.cidr(...) or NetworkPeer.pods(...))`
      : inCluster);
  }
  const known = (options.known ?? []).find((k) => k.service === address.service && k.namespace === address.namespace);
  return egressTo([known ? NetworkPeer.pods(known.namespace, known.podLabels) : NetworkPeer.namespace(address.namespace)], [networkPort(address.port)]);
}

/**
 * Where the Kubernetes API server is, for the NetworkPolicies of the pods that call it. The API
 * server is not a pod (its endpoints are the control plane's or the nodes' addresses, and on
 * managed services an address the provider picks), so a policy can name it only by address.
 */
export interface ApiServerAccess {
  /** The API server's addresses (the `kubernetes` Service's endpoints), e.g. `['10.0.0.1/32']`. */
  readonly cidrs: ReadonlyArray<string>;
  /** The ports it serves on. @default [443, 6443] */
  readonly ports?: ReadonlyArray<number>;
}

/** The ports of the Kubernetes API: 443 (the `kubernetes` Service) and 6443 (the usual endpoint port). */
export const API_SERVER_PORTS: ReadonlyArray<number> = [443, 6443];

/**
 * The egress rule of a pod that calls the Kubernetes API: the given addresses, or (without them)
 * any address on the API ports only. A rule with any address may also match pod addresses on
 * those ports, so give the CIDRs where they are known.
 */
export function apiServerEgressRule(access: ApiServerAccess | undefined, location: ErrorLocation, field: string): k8s.NetworkPolicyEgressRule {
  const ports = (access?.ports ?? API_SERVER_PORTS).map((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new ValidationError(location, `${field}.ports[${i}]`, p, 'a port number 1..65535');
    return networkPort(p);
  });
  if (!access) return egressTo(NetworkPeer.anyAddress(), ports);
  if (!Array.isArray(access.cidrs) || access.cidrs.length === 0) throw new ValidationError(location, `${field}.cidrs`, access.cidrs, 'at least one CIDR of the API server, e.g. 10.0.0.1/32');
  return egressTo(access.cidrs.map((c, i) => NetworkPeer.cidr(c, location, `${field}.cidrs[${i}]`)), ports);
}
