// Pulumi's mocks must be installed before @pulumi/kubernetes is loaded, so every test file of the
// adapter imports this module first and takes the adapter from it.
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App, Chart, Include } from 'cdk8s';
import { k8s as kube } from 'cdk8s-plus-28';
import * as path from 'node:path';
import { DEV } from '../../src/core/environment';
import { createEnvironment } from '../../stacks/environment-stack';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';

/** One resource the program registered, as the mock engine saw it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const registrations: Registration[] = [];

void pulumi.runtime.setMocks({
  newResource: (args) => {
    registrations.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, 'tenant-monitoring', 'test');

/** The adapter, loaded after the mocks. */
export const adapter: typeof import('../../src/pulumi') = require('../../src/pulumi');
/** @pulumi/kubernetes, loaded after the mocks. */
export const k8s: typeof import('@pulumi/kubernetes') = require('@pulumi/kubernetes');

/** Forget what was registered so far. */
export function resetRegistrations(): void {
  registrations.length = 0;
}

/** Wait until every given resource is registered with the mock engine; returns every registration so far, sorted by type and name. */
export async function registered(resources: Iterable<pulumi.Resource>): Promise<Registration[]> {
  await Promise.all([...resources].map((r) => new Promise<string>((resolve) => r.urn.apply(resolve))));
  return [...registrations].sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
}

/** Records each resource's parent and explicit `dependsOn` through a Pulumi transformation. */
export class DependencyRecorder {
  private readonly deps = new Map<pulumi.Resource, ReadonlyArray<pulumi.Resource>>();
  private readonly parents = new Map<pulumi.Resource, pulumi.Resource | undefined>();

  /** The transformation to pass in the component's options. */
  public readonly transformation: pulumi.ResourceTransformation = (args) => {
    const deps = args.opts.dependsOn;
    this.deps.set(args.resource, Array.isArray(deps) ? deps.filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d)) : []);
    this.parents.set(args.resource, args.opts.parent);
    return undefined;
  };

  /** `dependent -> dependency` edges between the named resources, sorted. */
  public edges(names: ReadonlyMap<string, pulumi.Resource>): string[] {
    const nameOf = reverse(names);
    return [...this.deps].flatMap(([r, deps]) => deps.map((d) => `${nameOf.get(r) ?? '<unknown>'} -> ${nameOf.get(d) ?? '<unknown>'}`)).sort();
  }

  /** The name of each named resource's parent. */
  public parentNames(names: ReadonlyMap<string, pulumi.Resource>): Map<string, string> {
    const nameOf = reverse(names);
    return new Map([...this.parents].map(([r, p]) => [nameOf.get(r) ?? '<unknown>', p === undefined ? '<none>' : nameOf.get(p) ?? '<unknown>']));
  }

  /**
   * Every resource the named one waits for as Pulumi sees it: its `dependsOn`, transitively, where
   * waiting for a component means waiting for every resource below it.
   */
  public waitsFor(name: string, names: ReadonlyMap<string, pulumi.Resource>): Set<string> {
    const nameOf = reverse(names);
    const children = new Map<pulumi.Resource, pulumi.Resource[]>();
    for (const [r, p] of this.parents) if (p) children.set(p, [...(children.get(p) ?? []), r]);
    const seen = new Set<pulumi.Resource>();
    const expand = (r: pulumi.Resource): void => {
      for (const d of [...(this.deps.get(r) ?? []), ...(children.get(r) ?? [])]) {
        if (seen.has(d)) continue;
        seen.add(d);
        expand(d);
      }
    };
    const start = names.get(name);
    if (start) for (const d of this.deps.get(start) ?? []) { seen.add(d); expand(d); }
    return new Set([...seen].map((r) => nameOf.get(r) ?? '<unknown>'));
  }
}

function reverse(names: ReadonlyMap<string, pulumi.Resource>): Map<pulumi.Resource, string> {
  return new Map([...names].map(([n, r]) => [r, n]));
}

const CRD_FILES = ['monitoring.coreos.com_prometheusrules.yaml', 'monitoring.coreos.com_servicemonitors.yaml', 'keda.sh_scaledobjects.yaml'];

/**
 * The dev environment with the example tenants (`stacks/environment-stack.ts`), plus an `addons`
 * chart that every environment chart depends on: the operator CRDs the tenants use, an
 * `operators` Namespace and a Deployment in it; and an independent `extras` chart with a ConfigMap in a tenant
 * namespace (a Namespace dependency across charts).
 */
export function environmentApp(): { app: App; addons: Chart; extras: Chart; environment: ReadonlyArray<Chart> } {
  const app = new App();
  const addons = new Chart(app, 'addons');
  for (const file of CRD_FILES) new Include(addons, file, { url: path.join(__dirname, '../../imports/crds', file) });
  new kube.KubeNamespace(addons, 'operators-namespace', { metadata: { name: 'operators' } });
  new kube.KubeDeployment(addons, 'operator', {
    metadata: { name: 'prometheus-operator', namespace: 'operators' },
    spec: {
      selector: { matchLabels: { app: 'prometheus-operator' } },
      template: { metadata: { labels: { app: 'prometheus-operator' } }, spec: { containers: [{ name: 'operator', image: 'quay.io/prometheus-operator/prometheus-operator:v0.93.0' }] } },
    },
  });
  // Constructed before the tenant charts and not depending on them: the plan still registers the
  // ConfigMap after the tenant's Namespace.
  const extras = new Chart(app, 'extras');
  new ApiObject(extras, 'acme-settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'acme-ai' }, data: { tier: 'premium' } });
  const { charts } = createEnvironment(app, { profile: DEV, tenants: EXAMPLE_TENANTS });
  for (const c of charts) c.addDependency(addons);
  return { app, addons, extras, environment: charts };
}

// Let every registration still in flight finish before the test file's environment is torn down.
afterAll(() => pulumi.runtime.disconnect());
