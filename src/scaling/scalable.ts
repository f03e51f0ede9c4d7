import { ApiObject } from 'cdk8s';
import { ErrorLocation, ValidationError } from '../core/errors';
import { validateDnsLabel, validateDnsSubdomain } from '../core/validation';

/** The workload kinds an autoscaler can scale (both serve the `/scale` subresource). */
export type ScalableKind = 'Deployment' | 'StatefulSet';

/** The kinds `IScalable` accepts. */
export const SCALABLE_KINDS: ReadonlyArray<ScalableKind> = ['Deployment', 'StatefulSet'];

/** What an autoscaler needs to know about one container of the target's pods. */
export interface ScalableContainer {
  /** The container name. */
  readonly name: string;
  /** Whether the container requests CPU (a CPU limit alone counts: Kubernetes copies it to the request). */
  readonly hasCpuRequest: boolean;
  /** Whether the container requests memory (a memory limit alone counts, as above). */
  readonly hasMemoryRequest: boolean;
}

/** A Kubernetes label selector requirement (`matchExpressions` item). */
export interface PodSelectorRequirement {
  /** The label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  /** Values for `In` / `NotIn`. @default - none */
  readonly values?: ReadonlyArray<string>;
}

/** The labels that select the target's pods (the workload's `spec.selector`). */
export interface PodSelector {
  /** Exact label matches. @default - none */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Set-based requirements. @default - none */
  readonly matchExpressions?: ReadonlyArray<PodSelectorRequirement>;
}

/**
 * A workload an `AutoScalingPolicy` can scale. Build one with the `Scalable` factories, or pass
 * a plain object of this shape.
 */
export interface IScalable {
  /** `Deployment` or `StatefulSet`. */
  readonly kind: ScalableKind;
  /** The workload's object name. */
  readonly name: string;
  /** The workload's namespace; the autoscaler and disruption budget are created there. */
  readonly namespace: string;
  /**
   * The pod template's containers. Utilisation targets (CPU or memory percent) need every
   * container to have the matching request; an empty list means the containers are unknown.
   */
  readonly containers: ReadonlyArray<ScalableContainer>;
  /** The workload's pod selector; the PodDisruptionBudget uses it. @default - unknown: no disruption budget can be made */
  readonly podSelector?: PodSelector;
}

/** Options for `Scalable.fromDeploymentName` / `fromStatefulSetName`. */
export interface ImportedWorkloadOptions {
  /** Names of the containers that request both CPU and memory. @default - none */
  readonly containersWithRequests?: ReadonlyArray<string>;
  /** Every container, with its requests spelled out (combined with `containersWithRequests`). @default - none */
  readonly containers?: ReadonlyArray<ScalableContainer>;
  /** The workload's pod selector, for the disruption budget. @default - unknown */
  readonly podSelector?: PodSelector;
}

/** The part of a Deployment / StatefulSet manifest that `Scalable.fromManifest` reads. */
export interface WorkloadManifest {
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly selector?: PodSelector;
    readonly template?: {
      readonly spec?: {
        readonly containers?: ReadonlyArray<{
          readonly name: string;
          readonly resources?: {
            readonly requests?: Readonly<Record<string, unknown>>;
            readonly limits?: Readonly<Record<string, unknown>>;
          };
        }>;
      };
    };
  };
}

/** Factories for `IScalable`: by name, from a cdk8s API object, or from a plain manifest. */
export class Scalable {
  /**
   * A Deployment defined elsewhere (another chart, Helm, kubectl), referenced by name.
   * @param scope the construct (or path) reported when the reference is invalid; `undefined` reports `Scalable`
   */
  public static fromDeploymentName(scope: ErrorLocation | undefined, namespace: string, name: string, options: ImportedWorkloadOptions = {}): IScalable {
    return Scalable.fromName(scope ?? 'Scalable.fromDeploymentName', 'Deployment', namespace, name, options);
  }

  /** A StatefulSet defined elsewhere, referenced by name (see `fromDeploymentName`). */
  public static fromStatefulSetName(scope: ErrorLocation | undefined, namespace: string, name: string, options: ImportedWorkloadOptions = {}): IScalable {
    return Scalable.fromName(scope ?? 'Scalable.fromStatefulSetName', 'StatefulSet', namespace, name, options);
  }

  /**
   * A Deployment or StatefulSet API object in this app (`k8s.KubeDeployment`, `k8s.KubeStatefulSet`,
   * or `ApiObject.of(plusDeployment)` for cdk8s-plus workloads). Its manifest is read each time the
   * target is inspected, so changes made after the autoscaler was created are seen at synth.
   */
  public static fromApiObject(workload: ApiObject): IScalable {
    if (!SCALABLE_KINDS.includes(workload.kind as ScalableKind)) {
      throw new ValidationError(workload, 'kind', workload.kind, SCALABLE_KINDS.join(' or '));
    }
    const read = (): IScalable => Scalable.fromManifest(workload.toJson() as WorkloadManifest, workload);
    return {
      get kind() { return read().kind; },
      get name() { return read().name; },
      get namespace() { return read().namespace; },
      get containers() { return read().containers; },
      get podSelector() { return read().podSelector; },
    };
  }

  /** A plain Deployment or StatefulSet manifest (e.g. parsed from YAML). */
  public static fromManifest(manifest: WorkloadManifest, location: ErrorLocation = 'Scalable.fromManifest'): IScalable {
    const kind = manifest.kind as ScalableKind;
    if (!SCALABLE_KINDS.includes(kind)) throw new ValidationError(location, 'kind', manifest.kind, SCALABLE_KINDS.join(' or '));
    const containers = (manifest.spec?.template?.spec?.containers ?? []).map((c) => ({
      name: c.name,
      hasCpuRequest: hasResource(c.resources, 'cpu'),
      hasMemoryRequest: hasResource(c.resources, 'memory'),
    }));
    return validateScalable({
      kind,
      name: manifest.metadata?.name as string,
      namespace: manifest.metadata?.namespace as string,
      containers,
      podSelector: manifest.spec?.selector,
    }, location);
  }

  private static fromName(location: ErrorLocation, kind: ScalableKind, namespace: string, name: string, options: ImportedWorkloadOptions): IScalable {
    const listed = (options.containersWithRequests ?? []).map((n) => ({ name: n, hasCpuRequest: true, hasMemoryRequest: true }));
    return validateScalable({ kind, name, namespace, containers: [...listed, ...(options.containers ?? [])], podSelector: options.podSelector }, location);
  }

  private constructor() {}
}

function hasResource(resources: { readonly requests?: Readonly<Record<string, unknown>>; readonly limits?: Readonly<Record<string, unknown>> } | undefined, name: string): boolean {
  // A limit without a request makes the API server default the request to the limit.
  return resources?.requests?.[name] !== undefined || resources?.limits?.[name] !== undefined;
}

/** A short human name for a target: `Deployment acme/api`. */
export function describeTarget(target: IScalable): string {
  return `${target.kind} ${target.namespace}/${target.name}`;
}

/** Throw unless `target` is a well-formed scale target; returns it. */
export function validateScalable(target: IScalable, location: ErrorLocation, field: string = 'target'): IScalable {
  if (!SCALABLE_KINDS.includes(target.kind)) throw new ValidationError(location, `${field}.kind`, target.kind, SCALABLE_KINDS.join(' or '));
  validateDnsSubdomain(target.name, location, `${field}.name`);
  validateDnsLabel(target.namespace, location, `${field}.namespace`);
  const seen = new Set<string>();
  target.containers.forEach((c, i) => {
    validateDnsLabel(c.name, location, `${field}.containers[${i}].name`);
    if (seen.has(c.name)) throw new ValidationError(location, `${field}.containers[${i}].name`, c.name, 'a container name not listed before');
    seen.add(c.name);
  });
  return target;
}
