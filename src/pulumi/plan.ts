import { Chart } from 'cdk8s';
import { ValidationError } from '../core/errors';
import { SynthesizedChart } from '../core/synth';

/** One synthesized Kubernetes object as it will be registered with Pulumi. */
export interface PlannedObject {
  /**
   * The Pulumi logical name: `<chart>/<kind>/<namespace>/<name>` for namespaced objects and
   * `<chart>/<kind>/<name>` for cluster-scoped ones (and namespaced ones that leave the namespace
   * to the provider's default), after the plan's name prefix. Derived only from the object, so it
   * is the same on every run.
   */
  readonly logicalName: string;
  /** The logical name of the chart the object belongs to. */
  readonly chart: string;
  /** The object's `apiVersion` (`apps/v1`, `monitoring.coreos.com/v1`). */
  readonly apiVersion: string;
  /** The object's `kind`. */
  readonly kind: string;
  /** The object's `metadata.namespace`. @default - none: cluster-scoped, or the provider's default namespace */
  readonly namespace?: string;
  /** The object's `metadata.name`. */
  readonly name: string;
  /** The whole synthesized object, as cdk8s wrote it. */
  readonly manifest: Readonly<Record<string, unknown>>;
  /**
   * Logical names of the objects this one must wait for, sorted: its Namespace and, for a custom
   * resource, its CustomResourceDefinition, when those are part of the same plan. Objects outside
   * the plan are assumed to exist already and are never waited for.
   */
  readonly dependsOn: ReadonlyArray<string>;
  /**
   * Logical names of the charts whose objects this one must wait for, sorted: the dependencies of
   * its chart (`chart.addDependency`), on the objects that wait for nothing else in their own
   * chart. The other objects of the chart wait for those, so every object waits for the
   * dependency charts.
   */
  readonly dependsOnCharts: ReadonlyArray<string>;
  /**
   * The chart whose component the object is registered under: its own chart, except for an object
   * that waits for an object of a chart depending on its own (a platform chart's Role in a tenant
   * Namespace that the tenant chart creates). Such an object goes under that dependent chart, so
   * waiting for its own chart does not wait for it and no cycle arises. The Pulumi URN does not
   * change with it (URNs hold the parent's type, not its name).
   */
  readonly parentChart: string;
}

/** One chart of the plan. */
export interface PlannedChart {
  /** The chart's logical name: the plan's name prefix plus the chart's construct path. */
  readonly logicalName: string;
  /** The chart's construct path. */
  readonly path: string;
  /** Logical names of the charts in the plan that this chart depends on (`chart.addDependency`), sorted. */
  readonly dependsOn: ReadonlyArray<string>;
  /** The chart's objects, in synthesis order. */
  readonly objects: ReadonlyArray<PlannedObject>;
}

/** Every object of a set of charts with the order and the dependencies to deploy them in. */
export interface DeploymentPlan {
  /** The charts, in dependency order. */
  readonly charts: ReadonlyArray<PlannedChart>;
  /**
   * Every object of every chart, ordered so that each object comes after the objects and charts it
   * depends on (otherwise in synthesis order).
   */
  readonly objects: ReadonlyArray<PlannedObject>;
}

/** Options of {@link planDeployment}. */
export interface PlanOptions {
  /**
   * A prefix for every logical name, so the same app can be deployed twice in one Pulumi stack
   * (`dev/`, `prod/`).
   * @default - no prefix
   */
  readonly namePrefix?: string;
}

const CRD_KIND = 'CustomResourceDefinition';
const CRD_GROUP = 'apiextensions.k8s.io';

/**
 * Turn synthesized charts (from `synthesizeApp`) into a deployment plan: a stable logical name
 * for each object, the edges Pulumi's `dependsOn` needs (Namespace before the objects in it,
 * CustomResourceDefinition before its custom resources, a chart's dependencies before the chart;
 * see {@link PlannedObject.parentChart} for objects that must wait for a dependent chart), and an
 * order that respects them. Pure: no Pulumi import, usable to inspect what would be
 * deployed.
 *
 * Throws a `ValidationError` when an object has no name or two objects of one chart share a
 * logical name, and an `Error` naming the cycle when the dependencies form one.
 */
export function planDeployment(charts: ReadonlyArray<SynthesizedChart>, options: PlanOptions = {}): DeploymentPlan {
  const prefix = options.namePrefix ?? '';
  const chartNames = new Map(charts.map((c) => [c.chart, `${prefix}${c.chart.node.path}`]));
  const identified = charts.flatMap((c) => c.objects.map((manifest, index) => identify(manifest, chartNames.get(c.chart) ?? '', index)));

  const namespaces = new Map<string, string>();
  const crds = new Map<string, string>();
  const seen = new Set<string>();
  for (const o of identified) {
    if (seen.has(o.logicalName)) {
      throw new ValidationError(o.chart, `objects[${o.index}].metadata.name`, o.name, `a name unique per kind and namespace within the chart (${o.logicalName} is already used)`);
    }
    seen.add(o.logicalName);
    if (o.apiVersion === 'v1' && o.kind === 'Namespace') namespaces.set(o.name, o.logicalName);
    const crdKey = customResourceKeyOfCrd(o.manifest, o.apiVersion, o.kind);
    if (crdKey) crds.set(crdKey, o.logicalName);
  }

  const chartDependencies = new Map(charts.map((c) => [
    chartNames.get(c.chart) ?? '',
    c.chart.node.dependencies.flatMap((d) => (Chart.isChart(d) ? chartNames.get(d) ?? [] : [])).sort(),
  ]));
  const dependents = transitiveDependents(chartDependencies);
  const chartOf = new Map(identified.map((o) => [o.logicalName, o.chart]));

  const planned = new Map<string, PlannedObject>();
  const byChart = new Map<string, PlannedObject[]>();
  for (const { index: _index, ...o } of identified) {
    const deps = new Set<string>();
    const ns = o.namespace === undefined ? undefined : namespaces.get(o.namespace);
    if (ns) deps.add(ns);
    const crd = crds.get(`${groupOf(o.apiVersion)}/${o.kind}`);
    if (crd) deps.add(crd);
    const dependsOn = [...deps].sort();
    const depCharts = dependsOn.map((d) => chartOf.get(d) ?? '');
    const waitsForDependent = depCharts.filter((c) => dependents.get(o.chart)?.has(c)).sort();
    const isRoot = !depCharts.includes(o.chart);
    const p: PlannedObject = {
      ...o,
      dependsOn,
      dependsOnCharts: isRoot ? chartDependencies.get(o.chart) ?? [] : [],
      parentChart: waitsForDependent[0] ?? o.chart,
    };
    planned.set(p.logicalName, p);
    const list = byChart.get(p.chart);
    if (list) list.push(p);
    else byChart.set(p.chart, [p]);
  }

  const plannedCharts: PlannedChart[] = charts.map((c) => {
    const logicalName = chartNames.get(c.chart) ?? '';
    const objects = byChart.get(logicalName) ?? [];
    return { logicalName, path: c.chart.node.path, dependsOn: chartDependencies.get(logicalName) ?? [], objects };
  });
  return { charts: plannedCharts, objects: orderObjects(planned) };
}

/** The API group of an `apiVersion` (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

interface IdentifiedObject extends Omit<PlannedObject, 'dependsOn' | 'dependsOnCharts' | 'parentChart'> {
  readonly index: number;
}

function identify(manifest: Record<string, unknown>, chart: string, index: number): IdentifiedObject {
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
  const kind = typeof manifest.kind === 'string' ? manifest.kind : '';
  if (apiVersion === '' || kind === '') {
    throw new ValidationError(chart, `objects[${index}].${apiVersion === '' ? 'apiVersion' : 'kind'}`, apiVersion === '' ? manifest.apiVersion : manifest.kind, 'a non-empty string');
  }
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw new ValidationError(chart, `objects[${index}](${kind}).metadata.name`, metadata.name, 'a non-empty name (generateName is not supported: logical names must be stable)');
  }
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const name = metadata.name;
  const logicalName = [chart, kind, ...(namespace === undefined ? [] : [namespace]), name].join('/');
  return { logicalName, chart, apiVersion, kind, namespace, name, manifest, index };
}

/** `<group>/<kind>` of the custom resources a CustomResourceDefinition serves, if the object is one. */
function customResourceKeyOfCrd(manifest: Record<string, unknown>, apiVersion: string, kind: string): string | undefined {
  if (kind !== CRD_KIND || groupOf(apiVersion) !== CRD_GROUP) return undefined;
  const spec = isRecord(manifest.spec) ? manifest.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  return typeof spec.group === 'string' && typeof names.kind === 'string' ? `${spec.group}/${names.kind}` : undefined;
}

/** For each chart, the charts that depend on it directly or transitively. */
function transitiveDependents(dependencies: ReadonlyMap<string, ReadonlyArray<string>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>([...dependencies.keys()].map((c) => [c, new Set<string>()]));
  const visit = (dependent: string, chart: string): void => {
    for (const d of dependencies.get(chart) ?? []) {
      const set = out.get(d);
      if (!set || set.has(dependent)) continue;
      set.add(dependent);
      visit(dependent, d);
    }
  };
  for (const c of dependencies.keys()) visit(c, c);
  return out;
}

/**
 * Depth-first topological order, visiting objects in synthesis order so independent objects keep
 * it. Waiting for a chart means waiting for the objects registered under its component.
 */
function orderObjects(objects: ReadonlyMap<string, PlannedObject>): PlannedObject[] {
  const underChart = new Map<string, PlannedObject[]>();
  for (const o of objects.values()) {
    const list = underChart.get(o.parentChart);
    if (list) list.push(o);
    else underChart.set(o.parentChart, [o]);
  }
  const out: PlannedObject[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (o: PlannedObject, trail: ReadonlyArray<string>): void => {
    const s = state.get(o.logicalName);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle between deployed objects: ${[...trail, o.logicalName].join(' -> ')}`);
    state.set(o.logicalName, 'visiting');
    const next = [...trail, o.logicalName];
    for (const d of o.dependsOn) {
      const dep = objects.get(d);
      if (dep) visit(dep, next);
    }
    for (const c of o.dependsOnCharts) for (const dep of underChart.get(c) ?? []) visit(dep, next);
    state.set(o.logicalName, 'done');
    out.push(o);
  };
  for (const o of objects.values()) visit(o, []);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
