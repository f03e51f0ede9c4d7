/**
 * The objects the controller creates (NetworkPolicy, Job, Event), as pure functions. Names are
 * derived deterministically from what they are for, so a retried create is recognised by its 409.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { BlockIpAction, JobTemplate, WorkloadTarget } from '../../remediation/policy';
import { Manifest } from './cluster';

/** Value of `app.kubernetes.io/managed-by` on every object the controller creates. */
export const MANAGED_BY = 'tenant-monitoring-remediation';
/** Label selector matching the controller's objects. */
export const OWNED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
/** Annotation holding the RFC 3339 time after which a block NetworkPolicy is deleted. */
export const EXPIRES_AT_ANNOTATION = 'remediation.tenant-monitoring.io/expires-at';
/** Pod-template annotation written by a restart (the same one `kubectl rollout restart` writes). */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Short stable hash (hex) of the parts. */
export function shortHash(parts: readonly string[], length = 10): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

function ownedLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'remediation' };
}

/** Name of the NetworkPolicy that blocks `ip` from the workload. */
export function blockPolicyName(target: WorkloadTarget, ip: string): string {
  return `remediation-block-${shortHash([target.kind, target.name, ip])}`;
}

/**
 * A NetworkPolicy selecting the workload's pods that allows ingress from `action.allowFrom` except
 * the blocked address. NetworkPolicies only add allowances, so the block holds where the pods'
 * other policies do not allow that address themselves (see docs/guide/remediation.md).
 */
export function blockNetworkPolicy(
  target: WorkloadTarget,
  podSelector: Readonly<Record<string, string>>,
  ip: string,
  action: BlockIpAction,
  now: Date,
): Manifest {
  const family = isIP(ip);
  const blocked = `${ip}/${family === 4 ? 32 : 128}`;
  const from = action.allowFrom.map((cidr) => {
    const sameFamily = isIP(cidr.split('/')[0]) === family;
    return { ipBlock: sameFamily ? { cidr, except: [blocked] } : { cidr } };
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: blockPolicyName(target, ip),
      namespace: target.namespace,
      labels: ownedLabels({ 'remediation.tenant-monitoring.io/target': target.name }),
      annotations: {
        [EXPIRES_AT_ANNOTATION]: new Date(now.getTime() + action.expirySeconds * 1000).toISOString(),
        'remediation.tenant-monitoring.io/blocked-ip': ip,
      },
    },
    spec: { podSelector: { matchLabels: { ...podSelector } }, policyTypes: ['Ingress'], ingress: [{ from }] },
  };
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
  const labels = ownedLabels({ 'remediation.tenant-monitoring.io/template': templateName });
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
