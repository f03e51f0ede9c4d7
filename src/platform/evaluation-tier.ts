import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  ThanosRuler, ThanosRulerSpecAffinity, ThanosRulerSpecExcludedFromEnforcementGroup, ThanosRulerSpecExcludedFromEnforcementResource,
  ThanosRulerSpecResourcesLimits, ThanosRulerSpecResourcesRequests,
} from '../../imports/thanosruler-monitoring.coreos.com';
import { oneAtATimeBudget } from '../core/kube';
import { Duration } from '../core/duration';
import { ValidationError } from '../core/errors';
import { Images } from '../core/images';
import { COLLECT_LABELS, MONITORED_NAMESPACE_LABEL, recommendedLabels } from '../core/labels';
import { egressTo, namedPort, NetworkPeer, PLATFORM_POD_LABELS, urlEgressRule } from '../core/network';
import { MEDIUM_RESOURCES, NON_ROOT_UID, spreadAcrossNodes, WorkloadServiceAccount } from '../core/pod';
import { validateDnsLabel, validateUrl } from '../core/validation';

/** Properties of `EvaluationTier`. */
export interface EvaluationTierProps {
  /** The monitoring namespace. */
  readonly namespace: string;
  /** The Thanos Query HTTP URL the rules are evaluated against. */
  readonly queryUrl: string;
  /** Where the Thanos Query is, when `queryUrl` is not an in-cluster Service URL. @default - the namespace of the Service named by `queryUrl` */
  readonly queryNetwork?: NetworkPeer;
  /** The Alertmanager URL the alerts are sent to. */
  readonly alertmanagerUrl: string;
  /** Rule evaluation interval. */
  readonly evaluationInterval: Duration;
  /** The `environment` external label, as the Prometheus shards carry it. */
  readonly environment: string;
  /** Replicas. @default 1 */
  readonly replicas?: number;
}

/**
 * The rule-evaluation tier of the scale-out profile: a prometheus-operator `ThanosRuler` that
 * selects the same PrometheusRule objects the single Prometheus would (the platform's in its
 * namespace, the tenants' with the `namespace` label enforced) and evaluates them once, through
 * Thanos Query, over the series of every Prometheus shard. Its alerts go to the platform
 * Alertmanager. It gets its own NetworkPolicy: egress to the Query and to Alertmanager's `web`, no
 * ingress.
 */
export class EvaluationTier extends Construct {
  /** The `ThanosRuler` object's name. */
  public static readonly NAME = 'platform';
  /** The pod labels the ruler's policies select (the operator sets name and instance itself). */
  public static readonly POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'thanos-ruler', 'app.kubernetes.io/instance': EvaluationTier.NAME };
  /** The ruler's pods, as a network peer. */
  public readonly pods: NetworkPeer;

  constructor(scope: Construct, id: string, props: EvaluationTierProps) {
    super(scope, id);
    const ns = validateDnsLabel(props.namespace, this, 'namespace');
    validateUrl(props.queryUrl, this, 'queryUrl');
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new ValidationError(this, 'replicas', props.replicas, 'an integer >= 1');
    const queryEgress = urlEgressRule(props.queryUrl, this, 'queryUrl', { network: props.queryNetwork, networkField: 'queryNetwork' });
    const labels = recommendedLabels({ name: 'thanos-ruler', component: 'rule-evaluation', instance: EvaluationTier.NAME });
    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name: 'thanos-ruler', namespace: ns, labels });
    const monitored = { matchLabels: { [MONITORED_NAMESPACE_LABEL]: 'true' } };
    new ThanosRuler(this, 'Resource', {
      metadata: { name: EvaluationTier.NAME, namespace: ns, labels },
      spec: {
        replicas,
        version: Images.thanosVersion,
        serviceAccountName: sa.name,
        podMetadata: { labels },
        queryEndpoints: [props.queryUrl],
        alertmanagersUrl: [props.alertmanagerUrl],
        evaluationInterval: props.evaluationInterval.toPrometheus(),
        labels: { environment: props.environment },
        // The same isolation as the single Prometheus: tenant rules get their namespace enforced, the platform's do not.
        ruleSelector: { matchLabels: COLLECT_LABELS },
        ruleNamespaceSelector: monitored,
        enforcedNamespaceLabel: 'namespace',
        excludedFromEnforcement: [{
          group: ThanosRulerSpecExcludedFromEnforcementGroup.MONITORING_PERIOD_COREOS_PERIOD_COM, resource: ThanosRulerSpecExcludedFromEnforcementResource.PROMETHEUSRULES, namespace: ns,
        }],
        resources: {
          requests: { cpu: ThanosRulerSpecResourcesRequests.fromString(MEDIUM_RESOURCES.cpuRequest), memory: ThanosRulerSpecResourcesRequests.fromString(MEDIUM_RESOURCES.memoryRequest) },
          limits: { cpu: ThanosRulerSpecResourcesLimits.fromString(MEDIUM_RESOURCES.cpuLimit), memory: ThanosRulerSpecResourcesLimits.fromString(MEDIUM_RESOURCES.memoryLimit) },
        },
        securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT_UID, runAsGroup: NON_ROOT_UID, fsGroup: NON_ROOT_UID, seccompProfile: { type: 'RuntimeDefault' } },
        // The generated affinity type has the same shape as the core one.
        affinity: replicas > 1 ? spreadAcrossNodes({ ...EvaluationTier.POD_LABELS }) as ThanosRulerSpecAffinity : undefined,
      },
    });
    if (replicas > 1) oneAtATimeBudget(this, 'Budget', { name: 'thanos-ruler', namespace: ns, labels, selector: { ...EvaluationTier.POD_LABELS } });
    this.pods = NetworkPeer.pods(ns, EvaluationTier.POD_LABELS);
    const alertmanager = NetworkPeer.pods(ns, PLATFORM_POD_LABELS.alertmanager);
    new k8s.KubeNetworkPolicy(this, 'Policy', {
      metadata: { name: 'thanos-ruler', namespace: ns, labels: recommendedLabels({ name: 'monitoring-platform', component: 'network-policy' }) },
      spec: {
        podSelector: { matchLabels: { ...EvaluationTier.POD_LABELS } },
        policyTypes: ['Ingress', 'Egress'],
        // Nothing calls the ruler: its alerts go out to Alertmanager, its queries out to Thanos Query.
        ingress: [],
        egress: [queryEgress, egressTo([alertmanager], [namedPort('web')])],
      },
    });
  }
}
