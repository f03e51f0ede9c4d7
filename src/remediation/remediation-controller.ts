import { NamespacedGrant } from '../core/kube';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { k8s } from 'cdk8s-plus-28';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { ContainerImage, Images } from '../core/images';
import { COLLECT_LABELS, TENANT_LABEL, recommendedLabels, selectorLabels } from '../core/labels';
import { apiServerEgressRule, egressTo, ingressFrom, NetworkPeer, namedPort, PLATFORM_POD_LABELS } from '../core/network';
import { httpProbe, SMALL_RESOURCES, secureContainer, securePodSpec, WorkloadServiceAccount } from '../core/pod';
import { validateDnsLabel } from '../core/validation';
import { AlertRouting } from '../alerting/alert-routing';
import { Receiver } from '../alerting/receivers';
import { SecretKeyRef } from '../core/secret-ref';
import { DEFAULT_LABELS, JobTemplate, PolicyError, RemediationPolicy, RemediationRule, renderPolicy, SafetySettings, validatePolicy } from './policy';

/** Where the controller reads its policy. */
export const REMEDIATION_POLICY_PATH = '/etc/remediation/policy.yaml';
/**
 * Where the controller keeps its write-ahead journal (an emptyDir: it outlives a crashed or
 * OOM-killed container, which restarts in the same pod). The journal is a cache of the rate
 * windows and recent decisions; what keeps an action from repeating after a pod replacement is
 * the record each action writes onto its target in the cluster, in the same patch as the action.
 */
export const REMEDIATION_STATE_DIRECTORY = '/var/lib/remediation';
/** Where the controller reads the bearer token Alertmanager must send. */
export const REMEDIATION_TOKEN_DIRECTORY = '/var/run/secrets/remediation';

/**
 * The Kubernetes permissions the controller needs in each tenant namespace for the policy's
 * actions, and nothing more: Events always; `get` and `patch` on Deployments and StatefulSets for
 * `restart` and `scale` (each action is one merge patch of the workload, carrying its dedup and
 * cooldown record as an annotation, guarded by the resourceVersion read; a scale writes
 * `spec.replicas` there rather than through `/scale`, so needs no `/scale` permission) and `list`
 * on HorizontalPodAutoscalers for `scale`; NetworkPolicies (`create`, `list`,
 * `patch` to extend a block, `delete` for the sweeper) and `get` on workloads (their pod selector)
 * for `block-ip`; `create` on Jobs for `run-job`, and `list` to read the cooldown record on the
 * template's earlier Jobs. No wildcards, no escalate, bind or impersonate,
 * no pods/exec, no Secrets.
 */
export function remediationRbacRules(policy: RemediationPolicy): k8s.PolicyRule[] {
  const actions = new Set(policy.rules.map((r) => r.action.type));
  const workloadBlock = policy.rules.some((r) => r.action.type === 'block-ip' && r.action.scope === 'workload');
  const rules: k8s.PolicyRule[] = [];
  const writesWorkloads = actions.has('restart') || actions.has('scale');
  const workloadVerbs = [...(workloadBlock || writesWorkloads ? ['get'] : []), ...(writesWorkloads ? ['patch'] : [])];
  if (workloadVerbs.length > 0) rules.push({ apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: workloadVerbs });
  if (actions.has('scale')) rules.push({ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list'] });
  if (actions.has('block-ip')) rules.push({ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'list', 'patch', 'delete'] });
  if (actions.has('run-job')) rules.push({ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list'] });
  rules.push({ apiGroups: [''], resources: ['events'], verbs: ['create'] });
  return rules;
}

/** Properties of `RemediationController`. */
export interface RemediationControllerProps {
  /** Namespace the controller runs in (the monitoring namespace, next to Alertmanager). */
  readonly namespace: string;
  /** The environment: automation is dry-run where `automationDryRun` is set (dev). */
  readonly environment: EnvironmentProfile;
  /** The tenant namespaces it may act in; it gets a Role in each and refuses every other namespace. */
  readonly tenantNamespaces: ReadonlyArray<string>;
  /** The rules mapping alert labels to actions. */
  readonly rules: ReadonlyArray<RemediationRule>;
  /** Job templates for `run-job` actions. @default - none */
  readonly jobTemplates?: Readonly<Record<string, JobTemplate>>;
  /**
   * Safety limits (cooldown, caps, attempts, protected CIDRs). Dry run, allowed namespaces and their
   * owners (each tenant namespace belongs to the tenant it is named after) come from the
   * environment and tenants.
   * @default - 10m cooldown, 5 per namespace and 20 in total per 10m, 3 attempts, tenant label `tenant`, no protected CIDRs
   */
  readonly safety?: Partial<Omit<SafetySettings, 'dryRun' | 'allowedNamespaces' | 'namespaceTenants'>>;
  /** The Secret key holding the bearer token Alertmanager sends (never created here). */
  readonly token: SecretKeyRef;
  /** Image. @default Images.runtime() */
  readonly image?: ContainerImage;
  /**
   * The alert routing to connect: the controller's webhook is added as a receiver serving L1
   * (shared by every tenant route), reading the bearer token from the same Secret, which is
   * declared and mounted into Alertmanager.
   * @default - not connected; add `Receiver.webhook({ url: controller.webhookUrl, ... })` yourself
   */
  readonly alerting?: AlertRouting;
}

/**
 * The remediation controller: a single-replica Deployment of the runtime image that receives
 * Alertmanager webhooks and acts on tenant workloads within a policy (restart, scale, block an IP,
 * run a maintenance Job), with namespace-scoped Roles in each tenant namespace, a ClusterIP
 * Service, the policy ConfigMap, and a ServiceMonitor.
 *
 * NetworkPolicies: the controller admits only the platform Alertmanager (webhooks) and Prometheus
 * (metrics) on `http`, and reaches only the Kubernetes API server (the environment's
 * `apiServer` addresses, or any address on 443 and 6443). A second policy lets the Alertmanager
 * pods reach the controller on `http`.
 */
export class RemediationController extends Construct {
  /** The validated policy. */
  public readonly policy: RemediationPolicy;
  /** The webhook URL Alertmanager posts to. */
  public readonly webhookUrl: string;
  /** The token Secret reference (Alertmanager mounts the same Secret). */
  public readonly token: SecretKeyRef;

  constructor(scope: Construct, id: string, props: RemediationControllerProps) {
    super(scope, id);
    const ns = validateDnsLabel(props.namespace, this, 'namespace');
    props.tenantNamespaces.forEach((t, i) => validateDnsLabel(t, this, `tenantNamespaces[${i}]`));
    if (props.tenantNamespaces.includes(ns)) {
      throw new ValidationError(this, 'tenantNamespaces', ns, 'tenant namespaces only (not the namespace the controller runs in)');
    }
    this.token = props.token;
    const name = 'remediation-controller';
    const labels = recommendedLabels({ name, component: 'remediation' });
    const selector = selectorLabels({ name });
    this.webhookUrl = `http://${name}.${ns}.svc:8080/webhook`;

    const draft: RemediationPolicy = {
      safety: {
        cooldownSeconds: 600, rateWindowSeconds: 600, perNamespaceCap: 5, globalCap: 20, maxAttempts: 3, tenantLabel: TENANT_LABEL, protectedCidrs: [],
        ...(props.safety ?? {}),
        dryRun: props.environment.automationDryRun,
        allowedNamespaces: [...props.tenantNamespaces],
        namespaceTenants: Object.fromEntries(props.tenantNamespaces.map((t) => [t, t])),
      },
      targetLabels: { namespace: DEFAULT_LABELS.namespace, deployment: DEFAULT_LABELS.deployment, statefulset: DEFAULT_LABELS.statefulset },
      jobTemplates: { ...(props.jobTemplates ?? {}) },
      rules: [...props.rules],
    };
    try {
      // The controller parses exactly this YAML at start; validating it here fails synth instead.
      this.policy = validatePolicy(parseYaml(renderPolicy(draft)));
    } catch (e) {
      if (e instanceof PolicyError) {
        throw ValidationError.fromDetail(this, `policy.${e.field}`, e.message.replace(`policy.${e.field}: `, ''), 'a valid remediation policy (docs/guide/remediation.md)');
      }
      throw e;
    }
    const policyYaml = renderPolicy(this.policy);

    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name, namespace: ns, labels });
    for (const tenantNs of props.tenantNamespaces) {
      new NamespacedGrant(this, `Tenant-${tenantNs}`, { name, namespace: tenantNs, labels, rules: remediationRbacRules(this.policy), serviceAccount: { name: sa.name, namespace: ns } });
    }
    if (props.alerting) {
      props.alerting.addSecret(props.token.name, [props.token.key]);
      props.alerting.addReceiver(Receiver.webhook({
        name: 'remediation', url: this.webhookUrl, bearerToken: SecretKeyRef.of(props.token.name, props.token.key, this), levels: ['L1'], shared: true,
      }));
    }
    new k8s.KubeConfigMap(this, 'Policy', { metadata: { name: `${name}-policy`, namespace: ns, labels }, data: { 'policy.yaml': policyYaml } });

    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, namespace: ns, labels },
      spec: {
        // One replica: deduplication and cooldowns belong to one journal (docs/guide/remediation.md).
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          // The policy is read at start; a changed policy rolls the pod.
          metadata: { labels: { ...labels, ...selector }, annotations: { 'monitoring.cdk8s.io/policy-sha256': createHash('sha256').update(policyYaml).digest('hex') } },
          spec: securePodSpec({
            serviceAccountName: sa.name,
            automountServiceAccountToken: true,
            terminationGracePeriodSeconds: 30,
            containers: [secureContainer({
              name: 'controller',
              image: props.image ?? Images.runtime(),
              args: ['remediation', '--policy', REMEDIATION_POLICY_PATH, '--token-file', `${REMEDIATION_TOKEN_DIRECTORY}/${props.token.key}`, '--port', '8080', '--state-dir', REMEDIATION_STATE_DIRECTORY],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ name: 'http', port: 8080 }],
              resources: SMALL_RESOURCES,
              readinessProbe: httpProbe('/readyz', 'http'),
              livenessProbe: httpProbe('/healthz', 'http', 20),
              volumeMounts: [
                { name: 'policy', mountPath: '/etc/remediation', readOnly: true },
                { name: 'token', mountPath: REMEDIATION_TOKEN_DIRECTORY, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'state', mountPath: REMEDIATION_STATE_DIRECTORY },
              ],
              location: this,
            })],
            volumes: [
              { name: 'policy', configMap: { name: `${name}-policy` } },
              { name: 'token', secret: { secretName: props.token.name, items: [{ key: props.token.key, path: props.token.key }] } },
              { name: 'tmp', emptyDir: {} },
              { name: 'state', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          }),
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name, namespace: ns, labels },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 8080, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new ServiceMonitor(this, 'Monitor', {
      metadata: { name, namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'http', path: '/metrics' }] },
    });
    // Only Alertmanager may deliver webhooks; Prometheus scrapes /metrics. The controller calls the API server only.
    const controller = NetworkPeer.pods(ns, selector);
    new k8s.KubeNetworkPolicy(this, 'Ingress', {
      metadata: { name: `${name}-ingress`, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.alertmanager), NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus)], [namedPort('http')])],
        egress: [apiServerEgressRule(props.environment.apiServer, this, 'environment.apiServer')],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'WebhookEgress', {
      metadata: { name: `${name}-webhook`, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { ...PLATFORM_POD_LABELS.alertmanager } },
        policyTypes: ['Egress'],
        egress: [egressTo([controller], [namedPort('http')])],
      },
    });
  }
}

