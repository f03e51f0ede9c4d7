import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { networkPort } from './network';

/** What a namespace-scoped grant needs. */
export interface NamespacedGrantProps {
  /** Name of the Role and its RoleBinding. */
  readonly name: string;
  /** Namespace the Role grants in. */
  readonly namespace: string;
  /** Labels of both objects. */
  readonly labels: Record<string, string>;
  /** The Role's rules. */
  readonly rules: ReadonlyArray<k8s.PolicyRule>;
  /** The ServiceAccount granted the Role (it may live in another namespace). */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

/**
 * A Role and the RoleBinding that grants it to one ServiceAccount: the only way this library
 * grants Kubernetes permissions (namespace-scoped, never a ClusterRole).
 */
export class NamespacedGrant extends Construct {
  constructor(scope: Construct, id: string, props: NamespacedGrantProps) {
    super(scope, id);
    const metadata = { name: props.name, namespace: props.namespace, labels: props.labels };
    new k8s.KubeRole(this, 'Role', { metadata, rules: [...props.rules] });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccount.name, namespace: props.serviceAccount.namespace }],
    });
  }
}

/** Read-only service discovery (what Prometheus needs in every namespace it scrapes). */
export const SERVICE_DISCOVERY_RULES: ReadonlyArray<k8s.PolicyRule> = [
  { apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

/** The egress rule that lets pods resolve names through the cluster DNS (kube-dns in kube-system). */
export const DNS_EGRESS_RULE: k8s.NetworkPolicyEgressRule = {
  to: [{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  }],
  ports: [networkPort(53, 'UDP'), networkPort(53)],
};

/** Properties of a one-at-a-time disruption budget. */
export interface OneAtATimeBudgetProps {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels. */
  readonly labels: Record<string, string>;
  /** The pods it protects. */
  readonly selector: Record<string, string>;
}

/** A PodDisruptionBudget that lets voluntary disruptions (drains) take one replica at a time. */
export function oneAtATimeBudget(scope: Construct, id: string, props: OneAtATimeBudgetProps): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    // AlwaysAllow: a pod that is not Ready (crash-looping, stuck) never blocks a node drain.
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: props.selector } },
  });
}
