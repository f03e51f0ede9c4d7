import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { synthesizeApp } from '../core/synth';
import { typedResourceClass } from './kinds';
import { DeploymentPlan, PlannedObject, planDeployment } from './plan';

/** Inputs of {@link CdkAppResources}. */
export interface CdkAppResourcesArgs {
  /** The cdk8s app to deploy. It is synthesized in memory; nothing is written to disk. */
  readonly app: App;
  /**
   * Deploy only these charts of the app (to deploy one chart, pass just that chart). Dependencies
   * on charts left out are not deployed and not waited for.
   * @default - every chart of the app
   */
  readonly charts?: ReadonlyArray<Chart>;
  /**
   * A prefix for every logical name, needed when one Pulumi stack deploys two apps whose charts
   * share construct paths (two environments built by the same function).
   * @default - no prefix: logical names are `<chart>/<kind>/<namespace>/<name>`
   */
  readonly namePrefix?: string;
}

const chartResources = new WeakMap<CdkChartResources, Map<string, pulumi.CustomResource>>();

/**
 * The Pulumi resources of one cdk8s chart: a component whose children are the chart's objects.
 * {@link CdkAppResources} creates one per chart; its logical name is the chart's construct path.
 */
export class CdkChartResources extends pulumi.ComponentResource {
  /** The Pulumi type token of the component. */
  public static readonly TYPE = 'cdk8s-tenant-monitoring:cdk8s:Chart';

  /**
   * @param name the chart's logical name
   * @param opts Pulumi options; `parent` is normally the {@link CdkAppResources}
   */
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super(CdkChartResources.TYPE, name, {}, opts);
    chartResources.set(this, new Map());
    // The component has no outputs of its own; its children are added by CdkAppResources.
    this.registerOutputs({});
  }

  /**
   * The chart's objects as Pulumi resources, by logical name (`<chart>/<kind>/<namespace>/<name>`),
   * including those registered under a dependent chart's component.
   */
  public get resources(): ReadonlyMap<string, pulumi.CustomResource> {
    return chartResources.get(this) ?? new Map();
  }
}

/**
 * Deploys a synthesized cdk8s app from a Pulumi program with `@pulumi/kubernetes`: one Pulumi
 * resource per Kubernetes object, grouped in one {@link CdkChartResources} per chart.
 *
 * - Built-in kinds become their typed class (`k8s.core.v1.Namespace`, `k8s.apps.v1.Deployment`,
 *   `k8s.core.v1.Secret`, so Secret data is kept secret in the state); everything else (the
 *   operators' CRD kinds, unknown kinds) becomes `k8s.apiextensions.CustomResource`.
 * - Objects wait (`dependsOn`) for their Namespace and for the CustomResourceDefinition of their
 *   kind when those are deployed by the same app, and for the objects of the charts their chart
 *   depends on (`chart.addDependency`). Nothing outside the app is waited for. An object that must
 *   wait for a chart depending on its own chart is registered under that chart's component (see
 *   {@link PlannedObject.parentChart}), so the two charts do not wait for each other.
 * - Logical names are derived from the objects (`<chart>/<kind>/<namespace>/<name>`), so they are
 *   the same on every run and a change to one object updates exactly one resource.
 *
 * Pulumi options (`provider`, `protect`, `transformations`, …) given to this component apply to
 * every resource it creates.
 *
 * @example
 * const app = new App();
 * createEnvironment(app, { profile: DEV, tenants });
 * new CdkAppResources('dev', { app }, { provider: cluster });
 */
export class CdkAppResources extends pulumi.ComponentResource {
  /** The Pulumi type token of the component. */
  public static readonly TYPE = 'cdk8s-tenant-monitoring:cdk8s:App';

  /** What was deployed: every object with its logical name and dependencies. */
  public readonly plan: DeploymentPlan;
  /** One component per chart, by the chart's logical name. */
  public readonly charts: ReadonlyMap<string, CdkChartResources>;
  /** Every object's resource, by logical name. */
  public readonly resources: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: CdkAppResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CdkAppResources.TYPE, name, {}, opts);
    const only = args.charts ? new Set<Chart>(args.charts) : undefined;
    const synthesized = synthesizeApp(args.app).filter((c) => !only || only.has(c.chart));
    this.plan = planDeployment(synthesized, { namePrefix: args.namePrefix });

    const charts = new Map<string, CdkChartResources>();
    for (const c of this.plan.charts) charts.set(c.logicalName, new CdkChartResources(c.logicalName, { parent: this }));
    const resources = new Map<string, pulumi.CustomResource>();
    for (const o of this.plan.objects) {
      const dependsOn = [...o.dependsOn.map((d) => lookup(resources, d, o)), ...o.dependsOnCharts.map((c) => lookup(charts, c, o))];
      const resource = registerObject(o, { parent: lookup(charts, o.parentChart, o), dependsOn });
      resources.set(o.logicalName, resource);
      chartResources.get(lookup(charts, o.chart, o))?.set(o.logicalName, resource);
    }
    this.charts = charts;
    this.resources = resources;
    this.registerOutputs({});
  }
}

/** Register one object: its typed class for built-in kinds, `CustomResource` otherwise. */
function registerObject(o: PlannedObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const args: Record<string, unknown> = { ...o.manifest };
  const typed = typedResourceClass(o.apiVersion, o.kind);
  if (typed) return new typed(o.logicalName, args, opts);
  return new k8s.apiextensions.CustomResource(o.logicalName, { ...args, apiVersion: o.apiVersion, kind: o.kind }, opts);
}

function lookup<T>(registered: ReadonlyMap<string, T>, name: string, o: PlannedObject): T {
  const found = registered.get(name);
  // The plan orders every object after what it depends on; a miss is a bug in the plan.
  if (found === undefined) throw new Error(`${o.logicalName}: depends on ${name}, which is not registered before it`);
  return found;
}
