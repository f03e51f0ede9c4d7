import { Manifest } from './schema';

/** A pod spec found in a manifest, with where it was found. */
export interface PodTemplate {
  readonly object: string;
  readonly spec: PodSpecLike;
}

interface SecurityContextLike {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly add?: string[]; readonly drop?: string[] };
  readonly seccompProfile?: { readonly type?: string };
}

interface ContainerLike {
  readonly name: string;
  readonly image?: string;
  readonly securityContext?: SecurityContextLike;
  readonly ports?: Array<{ readonly hostPort?: number }>;
  readonly resources?: { readonly requests?: Record<string, unknown>; readonly limits?: Record<string, unknown> };
}

/** The fields of a pod spec the checks read. */
export interface PodSpecLike {
  readonly securityContext?: SecurityContextLike;
  readonly containers?: ContainerLike[];
  readonly initContainers?: ContainerLike[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly volumes?: Array<Record<string, unknown>>;
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
}

/** Every pod template in a list of manifests: Pods, workload templates, CronJob job templates. */
export function podTemplates(objects: ReadonlyArray<Manifest>): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const name = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!spec) continue;
    if (o.kind === 'Pod') out.push({ object: name, spec: spec as PodSpecLike });
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind) && spec.template?.spec) out.push({ object: name, spec: spec.template.spec });
    else if (o.kind === 'CronJob' && spec.jobTemplate?.spec?.template?.spec) out.push({ object: name, spec: spec.jobTemplate.spec.template.spec });
  }
  return out;
}

const ALLOWED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/**
 * The violations of the Pod Security Standards "restricted" profile (Kubernetes docs,
 * "Pod Security Standards", restricted policy, v1.28) in one pod template, plus this project's
 * own rules: read-only root filesystem and requests/limits on every container.
 */
export function restrictedViolations(t: PodTemplate): string[] {
  const v: string[] = [];
  const s = t.spec;
  const at = (msg: string) => v.push(`${t.object}: ${msg}`);
  if (s.hostNetwork || s.hostPID || s.hostIPC) at('host namespaces must not be shared');
  for (const vol of s.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUME_TYPES.includes(type)) at(`volume ${String(vol.name)} has disallowed type ${type}`);
  }
  const podNonRoot = s.securityContext?.runAsNonRoot === true;
  const podSeccomp = s.securityContext?.seccompProfile?.type;
  if (s.securityContext?.runAsUser === 0) at('pod runAsUser must not be 0');
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged) at(`${where} must not be privileged`);
    if (sc.allowPrivilegeEscalation !== false) at(`${where} must set allowPrivilegeEscalation: false`);
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false))) at(`${where} must run as non-root (runAsNonRoot: true)`);
    if (sc.runAsUser === 0) at(`${where} runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') at(`${where} must use seccomp RuntimeDefault or Localhost`);
    const drop = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) at(`${where} must drop ALL capabilities`);
    const add = sc.capabilities?.add ?? [];
    if (add.some((cap) => cap !== 'NET_BIND_SERVICE')) at(`${where} may add only NET_BIND_SERVICE`);
    if ((c.ports ?? []).some((p) => p.hostPort)) at(`${where} must not use host ports`);
    if (sc.readOnlyRootFilesystem !== true) at(`${where} must have a read-only root filesystem`);
    for (const r of ['cpu', 'memory']) {
      if (!c.resources?.requests?.[r]) at(`${where} must request ${r}`);
      if (!c.resources?.limits?.[r]) at(`${where} must limit ${r}`);
    }
  }
  if (!s.serviceAccountName || s.serviceAccountName === 'default') at('must use a dedicated ServiceAccount');
  return v;
}
