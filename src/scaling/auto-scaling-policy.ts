import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ScaledObject, ScaledObjectSpecTriggers } from '../../imports/scaledobject-keda.sh';
import { TriggerAuthentication } from '../../imports/triggerauthentication-keda.sh';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError, ValidationErrors } from '../core/errors';
import { recommendedLabels } from '../core/labels';
import { objectName } from '../core/naming';
import { validateDnsLabel, validateDnsSubdomain } from '../core/validation';
import {
  checkRequests, KedaRenderContext, renderBehavior, renderDisruptionBudget, renderHpaMetric, renderKedaTriggers,
  resolveReplicas, resolveServerAddress, tenantHeaderOf, validateKedaOptions, validateTrigger,
} from './model';
import { describeTarget, IScalable, validateScalable } from './scalable';
import { DisruptionBudget, ScalingBehavior, ScalingEngine, ScalingMode, ScalingTrigger } from './triggers';

/** Properties of `AutoScalingPolicy`. */
export interface AutoScalingPolicyProps {
  /** The workload to scale (`Scalable.fromDeploymentName(...)`, `Scalable.fromApiObject(...)`, or a plain `IScalable`). */
  readonly target: IScalable;
  /** The tenant that owns the workload: the tenant label, the PromQL tenant matcher and the query tenant header. */
  readonly tenant: string;
  /** The scaling engine. @default ScalingMode.hpa() */
  readonly mode?: ScalingMode;
  /** Fewest replicas; 0 (scale to zero) only with KEDA. @default 2 */
  readonly minReplicas?: number;
  /** Most replicas. @default 100 */
  readonly maxReplicas?: number;
  /**
   * Reasons to scale; more can be added with `addTrigger()`.
   * @default - HPA: `[ScalingTrigger.cpu(70), ScalingTrigger.memory(80)]`; KEDA: none besides the mode's own (add at least one)
   */
  readonly triggers?: ReadonlyArray<ScalingTrigger>;
  /** Scale-up and scale-down rate limits and stabilisation. @default - DEFAULT_SCALE_UP and DEFAULT_SCALE_DOWN */
  readonly behavior?: ScalingBehavior;
  /** The PodDisruptionBudget next to the autoscaler. @default DisruptionBudget.maxUnavailable(1) */
  readonly disruptionBudget?: DisruptionBudget;
  /**
   * The environment. When it writes metrics to a shared store (`remoteWrite`), KEDA queries that
   * store and sends the tenant header (`remoteWrite.tenantHeader`, X-Scope-OrgID by default).
   * @default - no shared store: no tenant header, `serverAddress` must be given for KEDA
   */
  readonly profile?: EnvironmentProfile;
  /**
   * The platform Prometheus that KEDA queries when the mode names no `serverAddress` and the
   * profile has no shared store. `TenantMonitoringStack` fills it in.
   * @default - none: KEDA modes then need a serverAddress or a profile with remoteWrite
   */
  readonly prometheusUrl?: string;
  /** Name of the HorizontalPodAutoscaler / ScaledObject and PodDisruptionBudget. @default - the target's name */
  readonly name?: string;
  /** Extra labels on every object (the tenant and recommended labels win). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Autoscaling for one tenant workload: an `autoscaling/v2` HorizontalPodAutoscaler, or a KEDA
 * ScaledObject (with a TriggerAuthentication for the query API's credentials), plus a
 * PodDisruptionBudget that never blocks node drains.
 *
 * Checked at construction: replica bounds, each trigger's values, that utilisation targets only
 * point at containers with requests, PromQL syntax. Checked at synth (whole tree): one
 * autoscaler per workload, at least one trigger, scale to zero only with a non-resource trigger.
 *
 * @example
 * const api = Scalable.fromDeploymentName(this, 'acme', 'api', { containersWithRequests: ['api'], podSelector: { matchLabels: { app: 'api' } } });
 * new AutoScalingPolicy(this, 'ApiScaling', { target: api, tenant: 'acme' }); // HPA: 2..100, CPU 70 %, memory 80 %
 */
export class AutoScalingPolicy extends Construct {
  /** The scaled workload. */
  public readonly target: IScalable;
  /** The owning tenant. */
  public readonly tenant: string;
  /** `hpa` or `keda`. */
  public readonly engine: ScalingEngine;
  /** Name of the autoscaler object (and of the PodDisruptionBudget). */
  public readonly name: string;
  /** Namespace of every object (the target's). */
  public readonly namespace: string;
  /** Fewest replicas. */
  public readonly minReplicas: number;
  /** Most replicas. */
  public readonly maxReplicas: number;
  private readonly triggerList: ScalingTrigger[] = [];
  private readonly kedaContext?: KedaRenderContext;
  private readonly fallbackReplicas?: number;

  constructor(scope: Construct, id: string, props: AutoScalingPolicyProps) {
    super(scope, id);
    this.tenant = validateDnsLabel(props.tenant, this, 'tenant');
    this.target = validateScalable(props.target, this);
    const mode = props.mode ?? ScalingMode.hpa();
    this.engine = mode.engine;
    const bounds = resolveReplicas(this.engine, props.minReplicas, props.maxReplicas, this);
    this.minReplicas = bounds.minReplicas;
    this.maxReplicas = bounds.maxReplicas;
    this.namespace = this.target.namespace;
    this.name = validateDnsSubdomain(props.name ?? objectName([this.target.name]), this, 'name');
    const behavior = renderBehavior(props.behavior, this);
    const budget = renderDisruptionBudget(props.disruptionBudget ?? DisruptionBudget.maxUnavailable(1), bounds, this);
    const podSelector = this.target.podSelector;
    if (budget && !podSelector) {
      throw new ValidationError(this, 'target.podSelector', undefined,
        'the workload\'s pod selector (so the PodDisruptionBudget selects its pods), or disruptionBudget: DisruptionBudget.none()');
    }
    const labels = recommendedLabels({ name: this.target.name, component: 'autoscaling', instance: this.name, tenant: this.tenant }, props.labels);
    const metadata = { name: this.name, namespace: this.namespace, labels };
    const scaleTargetRef = { apiVersion: 'apps/v1', kind: this.target.kind, name: this.target.name };

    if (this.engine === 'hpa') {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
        metadata,
        spec: {
          scaleTargetRef,
          minReplicas: this.minReplicas,
          maxReplicas: this.maxReplicas,
          // Rendered at synth so triggers added after construction are included; a boundary cast to the generated type.
          metrics: Lazy.any({ produce: () => this.triggerList.map((t) => renderHpaMetric(t.spec, this.tenant)) }) as unknown as k8s.MetricSpecV2[],
          behavior,
        },
      });
    } else {
      validateKedaOptions(mode.keda, bounds, this);
      this.fallbackReplicas = mode.keda.fallbackReplicas;
      const auth = mode.keda.authentication;
      const authenticationName = auth ? objectName([this.name, 'prometheus']) : undefined;
      this.kedaContext = {
        tenant: this.tenant,
        serverAddress: resolveServerAddress(mode.keda, props.profile, this, props.prometheusUrl),
        tenantHeader: tenantHeaderOf(props.profile, this),
        authentication: auth,
        authenticationName,
      };
      if (auth && authenticationName) {
        new TriggerAuthentication(this, 'Authentication', {
          metadata: { ...metadata, name: authenticationName },
          spec: { secretTargetRef: auth.secretRefs.map((r) => ({ parameter: r.parameter, name: r.name, key: r.key })) },
        });
      }
      new ScaledObject(this, 'Resource', {
        metadata,
        spec: {
          scaleTargetRef,
          minReplicaCount: this.minReplicas,
          maxReplicaCount: this.maxReplicas,
          pollingInterval: (mode.keda.pollingInterval?.toSeconds() ?? 30),
          cooldownPeriod: (mode.keda.cooldownPeriod?.toSeconds() ?? 300),
          fallback: this.fallbackReplicas !== undefined ? { failureThreshold: 3, replicas: this.fallbackReplicas } : undefined,
          advanced: { horizontalPodAutoscalerConfig: { behavior } },
          // Rendered at synth, like the HPA metrics above.
          triggers: Lazy.any({ produce: () => this.renderKedaTriggers() }) as unknown as ScaledObjectSpecTriggers[],
        },
      });
    }

    if (budget && podSelector) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata,
        spec: {
          ...budget,
          selector: {
            matchLabels: podSelector.matchLabels ? { ...podSelector.matchLabels } : undefined,
            matchExpressions: podSelector.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values ? [...e.values] : undefined })),
          },
        },
      });
    }

    const initial = props.triggers ?? (this.engine === 'hpa' ? [ScalingTrigger.cpu(70), ScalingTrigger.memory(80)] : []);
    for (const t of [...mode.triggers, ...initial]) this.addTrigger(t);
    this.node.addValidation({ validate: () => this.validatePolicy() });
  }

  /** Add a trigger. It is checked at once against the engine, the target and the tenant. */
  public addTrigger(trigger: ScalingTrigger): void {
    validateTrigger(trigger, { engine: this.engine, target: this.target, tenant: this.tenant, location: this, field: `triggers[${this.triggerList.length}]` });
    this.triggerList.push(trigger);
  }

  /** The triggers, in the order they were given. */
  public get triggers(): ReadonlyArray<ScalingTrigger> {
    return [...this.triggerList];
  }

  private renderKedaTriggers(): ScaledObjectSpecTriggers[] {
    const ctx = this.kedaContext as KedaRenderContext;
    return this.triggerList.flatMap((t) => renderKedaTriggers(t.spec, ctx));
  }

  private validatePolicy(): string[] {
    const errors = new ValidationErrors();
    if (this.triggerList.length === 0) {
      errors.add(this, 'triggers', [], 'at least one ScalingTrigger (pass triggers or call addTrigger())');
    }
    // Workloads read from API objects may have changed since the triggers were added.
    this.triggerList.forEach((t, i) => errors.capture(() => checkRequests(t, { target: this.target, location: this, field: `triggers[${i}]` })));
    const resourceOnly = this.triggerList.length > 0 && this.triggerList.every((t) => t.spec.type === 'resource');
    if (this.engine === 'keda' && this.minReplicas === 0 && resourceOnly) {
      errors.add(this, 'minReplicas', 0, 'at least 1 when every trigger is CPU or memory (they cannot wake a workload from zero)');
    }
    if (this.fallbackReplicas !== undefined && this.triggerList.some((t) => t.spec.type === 'resource')) {
      errors.add(this, 'mode.fallbackReplicas', this.fallbackReplicas, 'no fallback when a CPU or memory trigger is used (KEDA supports fallback for AverageValue triggers only)');
    }
    if (this.engine === 'keda') {
      const names = this.renderKedaTriggers().map((t) => t.name).filter((n): n is string => n !== undefined);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup) errors.add(this, 'triggers', dup, 'trigger names that are unique within the policy');
    }
    const others = this.otherScalersOfTarget();
    if (others.length > 0) {
      errors.add(this, 'target', describeTarget(this.target), 'one autoscaler per workload', `also scaled by ${others.join(', ')}`);
    }
    return errors.all;
  }

  /** Paths of other autoscalers in the tree (policies, or hand-written HPAs and ScaledObjects) that scale the same workload. */
  private otherScalersOfTarget(): string[] {
    const key = targetKey(this.target.kind, this.namespace, this.target.name);
    const paths: string[] = [];
    for (const c of this.node.root.node.findAll()) {
      if (c === this) continue;
      if (c instanceof AutoScalingPolicy) {
        if (targetKey(c.target.kind, c.namespace, c.target.name) === key) paths.push(c.node.path);
      } else if (c instanceof ApiObject && isForeignScaler(c)) {
        const ref = (c.toJson() as { spec?: { scaleTargetRef?: { kind?: string; name?: string } } }).spec?.scaleTargetRef;
        if (ref && targetKey(ref.kind ?? 'Deployment', c.metadata.namespace ?? '', ref.name ?? '') === key) paths.push(c.node.path);
      }
    }
    return paths;
  }
}

function targetKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function isForeignScaler(c: ApiObject): boolean {
  const scope: IConstruct | undefined = c.node.scope;
  return (c.kind === 'HorizontalPodAutoscaler' || c.kind === 'ScaledObject') && !(scope instanceof AutoScalingPolicy);
}
