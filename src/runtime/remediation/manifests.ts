/**
 * The objects the controller creates (NetworkPolicy, Job, Event), as pure functions. Names are
 * derived deterministically from what they are for, so a retried create is recognised by its 409.
 */
import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { BlockIpAction, JobTemplate, WorkloadTarget } from '../../remediation/policy';
import { Manifest, NetworkPolicyObject } from './cluster';

/** Value of `app.kubernetes.io/managed-by` on every object the controller creates. */
export const MANAGED_BY = 'tenant-monitoring-remediation';
/** Label selector matching the controller's objects. */
export const OWNED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
/** Annotation holding the RFC 3339 time after which a block NetworkPolicy is deleted. */
export const EXPIRES_AT_ANNOTATION = 'remediation.tenant-monitoring.io/expires-at';
/** Pod-template annotation written by a restart (the same one `kubectl rollout restart` writes). */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Label naming the workload (or namespace) a block NetworkPolicy applies to. */
export const TARGET_LABEL = 'remediation.tenant-monitoring.io/target';

/** Short stable hash (hex) of the parts. */
export function shortHash(parts: readonly string[], length = 10): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

function ownedLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'remediation' };
}

/** What a block applies to: a workload's pods, or every pod of a namespace. */
export type BlockScope = WorkloadTarget | { readonly namespace: string };

function scopeWorkload(scope: BlockScope): WorkloadTarget | undefined {
  return 'kind' in scope ? scope : undefined;
}

/** Name of the NetworkPolicy that blocks `ip` from the workload (or the namespace). */
export function blockPolicyName(scope: BlockScope, ip: string): string {
  const w = scopeWorkload(scope);
  return `remediation-block-${shortHash(w !== undefined ? [w.kind, w.name, ip] : ['Namespace', scope.namespace, ip])}`;
}

/**
 * A label value (at most 63 characters, alphanumeric at both ends) naming `text`: the text itself
 * when it fits, else its first characters and a hash of the whole, so distinct names stay distinct.
 */
export function labelValue(text: string): string {
  if (text.length <= 63 && /^([a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?)?$/.test(text)) return text;
  const head = text.slice(0, 52).replace(/[^-_.a-zA-Z0-9]/g, '-').replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
  return `${head}${head === '' ? '' : '-'}${shortHash([text], 10)}`;
}

function parseCidr(cidr: string): { net: string; bits: number; type: 'ipv4' | 'ipv6' } {
  const [net, bits] = cidr.split('/');
  return { net, bits: Number(bits), type: isIP(net) === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether `ip` lies in `cidr` (false across address families). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (c.type !== type) return false;
  const list = new BlockList();
  list.addSubnet(c.net, c.bits, c.type);
  return list.check(ip, type);
}

/** Whether every address of `inner` lies in `outer`. */
function cidrWithin(inner: string, outer: string): boolean {
  const i = parseCidr(inner);
  const o = parseCidr(outer);
  return i.type === o.type && o.bits <= i.bits && cidrContains(outer, i.net);
}

function isOwned(np: NetworkPolicyObject): boolean {
  return np.labels['app.kubernetes.io/managed-by'] === MANAGED_BY;
}

function governsIngress(np: NetworkPolicyObject): boolean {
  return np.policyTypes.length === 0 || np.policyTypes.includes('Ingress');
}

/** Whether the policy's pod selector selects every pod that carries `podLabels` (and maybe others). */
function selectsAll(np: NetworkPolicyObject, podLabels: Readonly<Record<string, string>>): boolean {
  if ((np.podSelector.matchExpressions ?? []).length > 0) return false;
  return Object.entries(np.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v);
}

/** Whether the policy may select some pod carrying `podLabels` (no label it requires contradicts them). */
function mayOverlap(np: NetworkPolicyObject, podLabels: Readonly<Record<string, string>>): boolean {
  return Object.entries(np.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === undefined || podLabels[k] === v);
}

/**
 * The namespace's own NetworkPolicies (not the controller's) that would still admit `ip` to some of
 * the pods: an ingress rule without `from`, or an ipBlock containing it and not excepting it.
 * NetworkPolicies only add allowances, so no policy of the controller can take these away.
 */
export function policiesAdmitting(policies: readonly NetworkPolicyObject[], podLabels: Readonly<Record<string, string>>, ip: string): string[] {
  return policies
    .filter((np) => !isOwned(np) && governsIngress(np) && mayOverlap(np, podLabels))
    .filter((np) => np.ingress.some((r) => r.from === undefined || r.from.length === 0 || r.from.some((p) => p.ipBlock !== undefined && cidrContains(p.ipBlock.cidr, ip) && !(p.ipBlock.except ?? []).some((e) => cidrContains(e, ip)))))
    .map((np) => np.name);
}

/**
 * The ingress rules of a block: the ipBlock peers that the namespace's own policies selecting all
 * of the pods already admit (with their ports), within `allowFrom`, with the blocked address
 * added to `except`. Copying only what is already admitted, the block never widens ingress.
 */
export function derivedBlockIngress(
  policies: readonly NetworkPolicyObject[],
  podLabels: Readonly<Record<string, string>>,
  ip: string,
  allowFrom: readonly string[],
): Array<Record<string, unknown>> {
  const blocked = `${ip}/${isIP(ip) === 4 ? 32 : 128}`;
  const rules: Array<Record<string, unknown>> = [];
  for (const np of policies.filter((p) => !isOwned(p) && governsIngress(p) && selectsAll(p, podLabels))) {
    for (const rule of np.ingress) {
      const from = rule.from === undefined || rule.from.length === 0 ? [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] : rule.from;
      const peers: Array<Record<string, unknown>> = [];
      for (const b of from.flatMap((p) => (p.ipBlock !== undefined ? [p.ipBlock] : []))) {
        for (const a of allowFrom) {
          // The narrower of the two ranges, when one holds the other.
          const cidr = cidrWithin(b.cidr, a) ? b.cidr : cidrWithin(a, b.cidr) ? a : undefined;
          if (cidr === undefined) continue;
          const except = (b.except ?? []).filter((e) => cidrWithin(e, cidr));
          if (cidrContains(cidr, ip) && !except.some((e) => cidrContains(e, ip))) except.push(blocked);
          peers.push({ ipBlock: { cidr, ...(except.length > 0 ? { except } : {}) } });
        }
      }
      if (peers.length > 0) rules.push({ from: peers, ...(rule.ports !== undefined ? { ports: rule.ports } : {}) });
    }
  }
  return rules;
}

/**
 * A NetworkPolicy selecting the workload's pods (or the namespace's) whose ingress rules are
 * derived from the namespace's own policies (`derivedBlockIngress`), so it admits nothing they did
 * not already admit; its annotations carry the blocked address and the expiry the sweeper honours.
 */
export function blockNetworkPolicy(
  scope: BlockScope,
  podSelector: Readonly<Record<string, string>>,
  ip: string,
  action: BlockIpAction,
  now: Date,
  existing: readonly NetworkPolicyObject[] = [],
): Manifest {
  const w = scopeWorkload(scope);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: blockPolicyName(scope, ip),
      namespace: scope.namespace,
      labels: ownedLabels({ [TARGET_LABEL]: labelValue(w !== undefined ? w.name : scope.namespace) }),
      annotations: {
        [EXPIRES_AT_ANNOTATION]: blockExpiry(action, now),
        'remediation.tenant-monitoring.io/blocked-ip': ip,
      },
    },
    spec: { podSelector: { matchLabels: { ...podSelector } }, policyTypes: ['Ingress'], ingress: derivedBlockIngress(existing, podSelector, ip, action.allowFrom) },
  };
}

/** When a block decided at `now` expires (RFC 3339). */
export function blockExpiry(action: BlockIpAction, now: Date): string {
  return new Date(now.getTime() + action.expirySeconds * 1000).toISOString();
}

/** Label naming the policy template a Job was made from. */
export const TEMPLATE_LABEL = 'remediation.tenant-monitoring.io/template';

/** Label selector of the controller's Jobs made from `template`. */
export function jobSelector(template: string): string {
  return `${OWNED_SELECTOR},${TEMPLATE_LABEL}=${template}`;
}

/** Name of the Job run for one alert from one template. */
export function jobName(template: string, alertKey: string): string {
  return `${template}-${shortHash([alertKey], 8)}`;
}

/** A Job from a policy template, with restricted-profile security settings. */
export function jobFromTemplate(
  namespace: string,
  templateName: string,
  template: JobTemplate,
  alertKey: string,
  alertLabels: Readonly<Record<string, string>>,
): Manifest {
  const labels = ownedLabels({ [TEMPLATE_LABEL]: templateName });
  const env = [
    ...Object.entries(template.env).map(([name, value]) => ({ name, value })),
    { name: 'REMEDIATION_ALERTNAME', value: alertLabels.alertname ?? '' },
    { name: 'REMEDIATION_NAMESPACE', value: namespace },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(templateName, alertKey), namespace, labels },
    spec: {
      backoffLimit: template.backoffLimit,
      activeDeadlineSeconds: template.activeDeadlineSeconds,
      ttlSecondsAfterFinished: template.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: template.serviceAccountName !== undefined,
          ...(template.serviceAccountName !== undefined ? { serviceAccountName: template.serviceAccountName } : {}),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'job',
              image: template.image,
              ...(template.command !== undefined ? { command: [...template.command] } : {}),
              ...(template.args !== undefined ? { args: [...template.args] } : {}),
              env,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** What an Event is about. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A core/v1 Event on the subject; `id` makes the name unique and stable across retries. */
export function auditEvent(subject: EventSubject, id: string, reason: string, message: string, warning: boolean, instance: string, now: Date): Manifest {
  const ts = now.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${subject.name.slice(0, 200)}.remediation-${shortHash([id], 16)}`, namespace: subject.namespace, labels: ownedLabels() },
    involvedObject: { apiVersion: subject.apiVersion, kind: subject.kind, namespace: subject.namespace, name: subject.name },
    reason,
    message: message.slice(0, 1024),
    type: warning ? 'Warning' : 'Normal',
    source: { component: MANAGED_BY },
    reportingComponent: MANAGED_BY,
    reportingInstance: instance,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
}
