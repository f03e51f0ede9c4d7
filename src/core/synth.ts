import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart, Names, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { validateAppObjects } from './app-validation';

/** One chart's output. */
export interface SynthesizedChart {
  /** The chart. */
  readonly chart: Chart;
  /** The output file name (`tenant-acme.k8s.yaml`, or `0001-tenant-acme.k8s.yaml` when charts depend on each other). */
  readonly fileName: string;
  /** The chart's objects, in construct order. */
  readonly objects: Array<Record<string, unknown>>;
}

/**
 * Synthesize every chart of an app in memory, in dependency order.
 *
 * Besides every construct's own validations, the whole app is checked at once (one
 * object per kind, namespace and name, name and label lengths, no tenant's object in another tenant's namespace);
 * any failure throws before anything is returned.
 *
 * Output is the same as `App.synth()` (file per chart, same YAML, same naming), but the
 * whole-tree validations and dependency resolution run once for the app instead of once per
 * chart, which keeps synthesis linear in the number of charts (an environment with 1,000 tenant
 * charts). Dependencies between objects inside one chart are not used by this library; charts
 * are ordered by their `addDependency` relationships.
 */
export function synthesizeApp(app: App): SynthesizedChart[] {
  const nodes = app.node.findAll();
  const errors = nodes.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);

  const rendered = nodes.filter((n): n is ApiObject => ApiObject.isApiObject(n)).map((node) => ({ node, json: node.toJson() as Record<string, unknown> }));
  const appErrors = validateAppObjects(rendered);
  if (appErrors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${appErrors.join('\n  ')}`);

  const charts = orderCharts(nodes.filter((c): c is Chart => Chart.isChart(c)));
  const indexed = charts.some((c) => c.node.dependencies.some((d) => Chart.isChart(d)));
  const objectsByChart = new Map<Chart, Array<Record<string, unknown>>>(charts.map((c) => [c, []]));
  for (const { node, json } of rendered) objectsByChart.get(owningChart(node))?.push(json);
  return charts.map((chart, i) => ({
    chart,
    fileName: `${indexed ? `${String(i).padStart(4, '0')}-` : ''}${Names.toDnsLabel(chart)}.k8s.yaml`,
    objects: objectsByChart.get(chart) ?? [],
  }));
}

/** The name of the kustomization written next to the manifests. */
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * Synthesize an app and write one YAML file per chart into `outdir`, plus a `kustomization.yaml`
 * listing them in dependency order; returns the written paths.
 *
 * `outdir` is replaced as a whole: the files are written into a staging folder next to it, which
 * then takes its place, so no file of an earlier synth survives (a tenant removed since is gone)
 * and a synth that fails (a validation error, a write error) leaves the previous output as it was.
 *
 * The kustomization makes the folder directly usable by `kubectl apply -k`, Argo CD and Flux,
 * which all apply Namespaces (and CRDs) before the objects that live in them, whichever chart file
 * holds them.
 */
export function writeApp(app: App, outdir: string): string[] {
  const charts = synthesizeApp(app);
  const target = path.resolve(outdir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Next to the target, so that the final renames stay on one file system.
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.staging-`));
  try {
    for (const c of charts) fs.writeFileSync(path.join(staging, c.fileName), Yaml.stringify(...c.objects));
    fs.writeFileSync(path.join(staging, KUSTOMIZATION_FILE), Yaml.stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: charts.map((c) => c.fileName),
    }));
    replaceDirectory(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return [...charts.map((c) => path.join(outdir, c.fileName)), path.join(outdir, KUSTOMIZATION_FILE)];
}

/** Put `staging` in the place of `target`; the old `target` is removed only once the new one is in place. */
function replaceDirectory(staging: string, target: string): void {
  const previous = `${staging}.previous`;
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, previous);
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    if (hadTarget) fs.renameSync(previous, target);
    throw e;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

function owningChart(c: IConstruct): Chart {
  let node: IConstruct | undefined = c;
  while (node && !Chart.isChart(node)) node = node.node.scope;
  if (!node) throw new Error(`${c.node.path} is not inside a chart`);
  return node as Chart;
}

/** Charts ordered so that every chart comes after the charts it depends on (stable otherwise). */
function orderCharts(charts: Chart[]): Chart[] {
  const done = new Set<Chart>();
  const out: Chart[] = [];
  const visit = (chart: Chart, trail: Chart[]) => {
    if (done.has(chart)) return;
    if (trail.includes(chart)) throw new Error(`chart dependency cycle: ${[...trail, chart].map((c) => c.node.path).join(' -> ')}`);
    for (const dep of chart.node.dependencies) if (Chart.isChart(dep)) visit(dep, [...trail, chart]);
    done.add(chart);
    out.push(chart);
  };
  for (const c of charts) visit(c, []);
  return out;
}
