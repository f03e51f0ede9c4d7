import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ContainerImage } from './images';
import { ErrorLocation, ValidationError } from './errors';
import { parseQuantity } from './quantity';

/** CPU and memory for one container. Requests and limits are always both set. */
export interface ContainerResources {
  /** CPU request, e.g. '100m'. */
  readonly cpuRequest: string;
  /** Memory request, e.g. '128Mi'. */
  readonly memoryRequest: string;
  /** CPU limit, e.g. '500m'. */
  readonly cpuLimit: string;
  /** Memory limit, e.g. '512Mi'. */
  readonly memoryLimit: string;
}

/** Small resources for sidecars and light programs. */
export const SMALL_RESOURCES: ContainerResources = { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '200m', memoryLimit: '256Mi' };
/** Medium resources for most services. */
export const MEDIUM_RESOURCES: ContainerResources = { cpuRequest: '200m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' };
/** Large resources for data-heavy jobs. */
export const LARGE_RESOURCES: ContainerResources = { cpuRequest: '500m', memoryRequest: '1Gi', cpuLimit: '2', memoryLimit: '4Gi' };

/** The UID/GID every container runs as unless told otherwise (the `nobody`-like 65532). */
export const NON_ROOT_UID = 65532;

/** A container port. */
export interface ContainerPortSpec {
  /** Port name (at most 15 characters, used by Services and ServiceMonitors). */
  readonly name: string;
  /** The port number. */
  readonly port: number;
}

/** What a secure container needs. */
export interface SecureContainerOptions {
  /** Container name. */
  readonly name: string;
  /** Pinned image. */
  readonly image: ContainerImage;
  /** Command (entrypoint) override. @default - the image's entrypoint */
  readonly command?: string[];
  /** Arguments. @default - none */
  readonly args?: string[];
  /** Environment variables (never secret values: use `valueFrom.secretKeyRef`). @default - none */
  readonly env?: k8s.EnvVar[];
  /** Ports. @default - none */
  readonly ports?: ContainerPortSpec[];
  /** Resources; both requests and limits are set. */
  readonly resources: ContainerResources;
  /** Readiness probe. @default - none (required when a Service targets the pod) */
  readonly readinessProbe?: k8s.Probe;
  /** Liveness probe. @default - none */
  readonly livenessProbe?: k8s.Probe;
  /** Volume mounts. @default - none */
  readonly volumeMounts?: k8s.VolumeMount[];
  /** Run as this UID. @default NON_ROOT_UID */
  readonly runAsUser?: number;
  /** Where errors are reported (the owning construct). @default - the container name */
  readonly location?: ErrorLocation;
}

/**
 * A container that meets the Pod Security Standards "restricted" profile: non-root, no privilege
 * escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root filesystem, with
 * requests and limits.
 */
export function secureContainer(opts: SecureContainerOptions): k8s.Container {
  const r = opts.resources;
  const at = opts.location ?? opts.name;
  // Limits below requests are rejected by the API server; catch it at synth instead.
  if (parseQuantity(r.cpuRequest, at, 'resources.cpuRequest') > parseQuantity(r.cpuLimit, at, 'resources.cpuLimit')) {
    throw new ValidationError(at, 'resources.cpuRequest', r.cpuRequest, `at most resources.cpuLimit (${r.cpuLimit})`);
  }
  if (parseQuantity(r.memoryRequest, at, 'resources.memoryRequest') > parseQuantity(r.memoryLimit, at, 'resources.memoryLimit')) {
    throw new ValidationError(at, 'resources.memoryRequest', r.memoryRequest, `at most resources.memoryLimit (${r.memoryLimit})`);
  }
  return {
    name: opts.name,
    image: opts.image.reference,
    imagePullPolicy: 'IfNotPresent',
    command: opts.command,
    args: opts.args,
    env: opts.env,
    ports: opts.ports?.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
    resources: {
      requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
      limits: { cpu: k8s.Quantity.fromString(r.cpuLimit), memory: k8s.Quantity.fromString(r.memoryLimit) },
    },
    readinessProbe: opts.readinessProbe,
    livenessProbe: opts.livenessProbe,
    volumeMounts: opts.volumeMounts,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: opts.runAsUser ?? NON_ROOT_UID,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** What a secure pod needs. */
export interface SecurePodSpecOptions {
  /** The pod's dedicated ServiceAccount. */
  readonly serviceAccountName: string;
  /** Containers (build them with `secureContainer`). */
  readonly containers: k8s.Container[];
  /** Volumes. @default - none besides the writable /tmp */
  readonly volumes?: k8s.Volume[];
  /** Mount an API token; only for pods that call the Kubernetes API. @default false */
  readonly automountServiceAccountToken?: boolean;
  /** Restart policy (Jobs use OnFailure or Never). @default - the controller's default */
  readonly restartPolicy?: string;
  /** Affinity (spread replicas). @default - none */
  readonly affinity?: k8s.Affinity;
  /** Seconds to wait after SIGTERM. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A pod spec that meets the Pod Security Standards "restricted" profile at the pod level
 * (runAsNonRoot, seccomp RuntimeDefault, fsGroup) and mounts no API token unless asked.
 */
export function securePodSpec(opts: SecurePodSpecOptions): k8s.PodSpec {
  return {
    serviceAccountName: opts.serviceAccountName,
    automountServiceAccountToken: opts.automountServiceAccountToken ?? false,
    enableServiceLinks: false,
    restartPolicy: opts.restartPolicy,
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds ?? 30,
    affinity: opts.affinity,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NON_ROOT_UID,
      runAsGroup: NON_ROOT_UID,
      fsGroup: NON_ROOT_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: opts.containers,
    volumes: opts.volumes,
  };
}

/** What a Deployment of a restricted pod needs. */
export interface SecureDeploymentProps extends Omit<SecurePodSpecOptions, 'affinity'> {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels of the Deployment and its pods. */
  readonly labels: Record<string, string>;
  /** The pod selector (also added to the pods' labels). */
  readonly selector: Record<string, string>;
  /** Replicas; more than one are spread across nodes. */
  readonly replicas: number;
  /** Labels of the pods only, e.g. the client labels NetworkPolicies admit. @default - none */
  readonly podLabels?: Record<string, string>;
}

/** A Deployment whose pods meet Pod Security "restricted" ({@link securePodSpec}), with replicas spread across nodes. */
export function secureDeployment(scope: Construct, id: string, props: SecureDeploymentProps): k8s.KubeDeployment {
  const { name, namespace, labels, selector, replicas, podLabels, ...pod } = props;
  return new k8s.KubeDeployment(scope, id, {
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...podLabels, ...labels, ...selector } },
        spec: securePodSpec({ ...pod, affinity: replicas > 1 ? spreadAcrossNodes(selector) : undefined }),
      },
    },
  });
}

/** A preferred pod anti-affinity that spreads replicas of `selector` across nodes. */
export function spreadAcrossNodes(selector: Record<string, string>): k8s.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
      }],
    },
  };
}

/** An HTTP GET probe on a named port. */
export function httpProbe(path: string, port: string, periodSeconds: number = 10): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(port) },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

/** Properties of a workload's dedicated ServiceAccount. */
export interface WorkloadServiceAccountProps {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels. */
  readonly labels: Record<string, string>;
}

/**
 * A dedicated ServiceAccount for one workload, with API token automount switched off (pods that
 * use the API opt in on their pod spec).
 */
export class WorkloadServiceAccount extends Construct {
  /** The ServiceAccount's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: WorkloadServiceAccountProps) {
    super(scope, id);
    this.name = props.name;
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      automountServiceAccountToken: false,
    });
  }
}
