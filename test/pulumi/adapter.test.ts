import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App, Chart } from 'cdk8s';
import { synthesizeApp } from '../../src/core/synth';
import { adapter, DependencyRecorder, environmentApp, k8s, registered, resetRegistrations } from './harness';

const K8S_PREFIX = 'kubernetes:';

/** `<type> <name>` of every Kubernetes resource registered, sorted. */
function kubernetesResources(regs: ReadonlyArray<{ type: string; name: string }>): string[] {
  return regs.filter((r) => r.type.startsWith(K8S_PREFIX)).map((r) => `${r.type} ${r.name}`).sort();
}

async function deploy(app: App, args: Partial<import('../../src/pulumi').CdkAppResourcesArgs> = {}, opts: pulumi.ComponentResourceOptions = {}) {
  resetRegistrations();
  const deployed = new adapter.CdkAppResources('dev', { app, ...args }, opts);
  const regs = await registered([...deployed.resources.values(), ...deployed.charts.values(), deployed]);
  return { deployed, regs };
}

function of(recorder: DependencyRecorder, names: ReadonlyMap<string, pulumi.Resource>, name: string): string[] {
  return recorder.edges(names).filter((e) => e.startsWith(`${name} -> `)).map((e) => e.slice(name.length + 4));
}

type Deployment = Awaited<ReturnType<typeof deploy>> & { recorder: DependencyRecorder; app: App; names: Map<string, pulumi.Resource> };

/** One deployment of the environment app, shared by the tests that only read it. */
async function environmentDeployment(): Promise<Deployment> {
  const recorder = new DependencyRecorder();
  const { app } = environmentApp();
  const result = await deploy(app, {}, { transformations: [recorder.transformation] });
  const names = new Map<string, pulumi.Resource>([...result.deployed.resources, ...result.deployed.charts, ['<app>', result.deployed]]);
  return { ...result, recorder, app, names };
}

describe('CdkAppResources', () => {
  let env: Deployment;
  beforeAll(async () => {
    env = await environmentDeployment();
  });

  test('registers one resource per synthesized object, typed for built-in kinds and CustomResource for CRD kinds', async () => {
    const objects = synthesizeApp(environmentApp().app).flatMap((c) => c.objects);
    const { deployed, regs } = env;

    const kube = regs.filter((r) => r.type.startsWith(K8S_PREFIX));
    expect(kube).toHaveLength(objects.length);
    // The type token is the object's own apiVersion and kind: `kubernetes:<group>/<version>:<kind>`.
    const expected = objects.map((o) => {
      const apiVersion = String(o.apiVersion);
      return `${K8S_PREFIX}${apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`}:${String(o.kind)}`;
    }).sort();
    expect(kube.map((r) => r.type).sort()).toEqual(expected);
    expect(kube.map((r) => r.type)).toEqual(expect.arrayContaining([
      'kubernetes:core/v1:Namespace', 'kubernetes:apps/v1:Deployment', 'kubernetes:networking.k8s.io/v1:NetworkPolicy',
      'kubernetes:monitoring.coreos.com/v1:PrometheusRule', 'kubernetes:keda.sh/v1alpha1:ScaledObject',
    ]));

    const byName = (n: string) => deployed.resources.get(n);
    expect(byName('tenant-acme-ai/Namespace/acme-ai')).toBeInstanceOf(k8s.core.v1.Namespace);
    expect(byName('addons/Deployment/operators/prometheus-operator')).toBeInstanceOf(k8s.apps.v1.Deployment);
    expect(byName('tenant-acme-ai/NetworkPolicy/acme-ai/default-deny-all')).toBeInstanceOf(k8s.networking.v1.NetworkPolicy);
    expect(byName('addons/CustomResourceDefinition/prometheusrules.monitoring.coreos.com')).toBeInstanceOf(k8s.apiextensions.v1.CustomResourceDefinition);
    expect(byName('tenant-acme-ai/PrometheusRule/acme-ai/tenant-rules')).toBeInstanceOf(k8s.apiextensions.CustomResource);
    expect(byName('tenant-globex-ml/ScaledObject/globex-ml/model-server')).toBeInstanceOf(k8s.apiextensions.CustomResource);
    // Every CRD-backed object is a CustomResource; no built-in object is.
    for (const o of deployed.plan.objects) {
      const isCustom = byName(o.logicalName) instanceof k8s.apiextensions.CustomResource;
      // Built-in groups: the core group, unqualified names (apps, batch, policy…) and *.k8s.io.
      const group = adapter.groupOf(o.apiVersion);
      expect([o.logicalName, isCustom]).toEqual([o.logicalName, group.includes('.') && !group.endsWith('.k8s.io')]);
    }
  });

  test('passes each object to the provider unchanged, under its chart component', async () => {
    const { deployed, regs } = env;
    const rule = regs.find((r) => r.name === 'tenant-acme-ai/PrometheusRule/acme-ai/tenant-rules');
    const manifest = deployed.plan.objects.find((o) => o.logicalName === 'tenant-acme-ai/PrometheusRule/acme-ai/tenant-rules')?.manifest;
    expect(manifest).toBeDefined();
    expect(rule?.inputs).toEqual(manifest);
    const ns = regs.find((r) => r.name === 'tenant-acme-ai/Namespace/acme-ai');
    expect(ns?.inputs).toEqual(deployed.plan.objects.find((o) => o.logicalName === 'tenant-acme-ai/Namespace/acme-ai')?.manifest);

    const urn = await new Promise<string>((resolve) => deployed.resources.get('tenant-acme-ai/Namespace/acme-ai')?.urn.apply(resolve));
    // The mock engine puts only the parent's type in a URN; the engine puts the whole chain of types.
    expect(urn).toBe('urn:pulumi:test::tenant-monitoring::cdk8s-tenant-monitoring:cdk8s:Chart$kubernetes:core/v1:Namespace::tenant-acme-ai/Namespace/acme-ai');
    expect([...deployed.charts.keys()]).toEqual(synthesizeApp(environmentApp().app).map((c) => c.chart.node.path));
    expect([...(deployed.charts.get('extras')?.resources.keys() ?? [])]).toEqual(['extras/ConfigMap/acme-ai/settings']);
  });

  test('orders Namespaces, CRDs and chart dependencies with dependsOn', async () => {
    const { deployed, recorder, names } = env;
    const edges = recorder.edges(names).filter((e) => !e.startsWith('<unknown>'));
    const of = (name: string) => edges.filter((e) => e.startsWith(`${name} -> `)).map((e) => e.slice(name.length + 4));

    // By hand: a custom resource waits for its Namespace and CRD; the chart's first objects wait for
    // the charts it depends on; everything else waits only for what is deployed here.
    expect(of('tenant-acme-ai/PrometheusRule/acme-ai/tenant-rules')).toEqual([
      'addons/CustomResourceDefinition/prometheusrules.monitoring.coreos.com', 'tenant-acme-ai/Namespace/acme-ai']);
    expect(of('tenant-acme-ai/Namespace/acme-ai')).toEqual(['addons', 'platform']);
    expect(of('addons/Deployment/operators/prometheus-operator')).toEqual(['addons/Namespace/operators']);
    expect(of('addons/CustomResourceDefinition/scaledobjects.keda.sh')).toEqual([]);
    expect(of('addons/Namespace/operators')).toEqual([]);
    expect(of('extras/ConfigMap/acme-ai/settings')).toEqual(['tenant-acme-ai/Namespace/acme-ai']);

    // The Pulumi options carry exactly the plan's edges.
    const planned = deployed.plan.objects.flatMap((o) => [...o.dependsOn, ...o.dependsOnCharts].map((d) => `${o.logicalName} -> ${d}`)).sort();
    expect(edges).toEqual(planned);

    // Every Namespace and CRD edge, derived from the manifests.
    const objects = deployed.plan.objects;
    const namespaces = new Map(objects.filter((o) => o.kind === 'Namespace').map((o) => [o.name, o.logicalName]));
    const crds = new Map(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => {
      const spec = o.manifest.spec as { group: string; names: { kind: string } };
      return [`${spec.group}/${spec.names.kind}`, o.logicalName];
    }));
    for (const o of objects) {
      const required = [
        ...(o.namespace && namespaces.has(o.namespace) ? [namespaces.get(o.namespace)] : []),
        ...(crds.has(`${adapter.groupOf(o.apiVersion)}/${o.kind}`) ? [crds.get(`${adapter.groupOf(o.apiVersion)}/${o.kind}`)] : []),
      ].sort();
      expect([o.logicalName, of(o.logicalName).filter((d) => !deployed.charts.has(d))]).toEqual([o.logicalName, required]);
    }
  });

  test('every object waits for the objects of the charts its chart depends on, except those that wait for it', async () => {
    const { deployed, recorder, names, app } = env;
    const parents = recorder.parentNames(names);
    const chartDependencies = new Map(synthesizeApp(app).map((c) => [c.chart.node.path, c.chart.node.dependencies.filter((d) => Chart.isChart(d)).map((d) => d.node.path)]));
    const objectsOf = (chart: string) => deployed.plan.objects.filter((o) => o.chart === chart);

    let checked = 0;
    for (const o of deployed.plan.objects) {
      const waits = recorder.waitsFor(o.logicalName, names);
      expect(waits.has(o.logicalName)).toBe(false); // no cycle through this object
      for (const dependency of chartDependencies.get(o.chart) ?? []) {
        for (const d of objectsOf(dependency)) {
          if (parents.get(d.logicalName) === dependency) {
            expect([o.logicalName, d.logicalName, waits.has(d.logicalName)]).toEqual([o.logicalName, d.logicalName, true]);
            checked++;
          } else {
            // Registered under a chart depending on its own, because it waits for that chart's Namespace.
            const parent = parents.get(d.logicalName) ?? '';
            expect(of(recorder, names, d.logicalName).some((x) => x.startsWith(`${parent}/Namespace/`))).toBe(true);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    // The platform's Role in a tenant Namespace goes under the tenant chart, and tenants still wait for the platform.
    const deferred = deployed.plan.objects.filter((o) => o.parentChart !== o.chart);
    expect(deferred.every((o) => o.chart === 'platform' && o.parentChart === `tenant-${o.namespace}`)).toBe(true);
    expect(deferred.map((o) => parents.get(o.logicalName))).toEqual(deferred.map((o) => o.parentChart));
  });

  test('registers every object after what it depends on', () => {
    const { deployed } = env;
    const position = new Map(deployed.plan.objects.map((o, i) => [o.logicalName, i]));
    const under = (chart: string) => deployed.plan.objects.filter((x) => x.parentChart === chart).map((x) => x.logicalName);
    for (const o of deployed.plan.objects) {
      for (const d of [...o.dependsOn, ...o.dependsOnCharts.flatMap(under)]) {
        expect([o.logicalName, d, (position.get(d) ?? Infinity) < (position.get(o.logicalName) ?? -1)]).toEqual([o.logicalName, d, true]);
      }
    }
    // The extras chart comes before the tenant charts, but its ConfigMap waits for the tenant Namespace.
    expect(position.get('extras/ConfigMap/acme-ai/settings')).toBeGreaterThan(position.get('tenant-acme-ai/Namespace/acme-ai') ?? Infinity);
  });

  test('names are the same on every run', async () => {
    const first = env;
    const second = await deploy(environmentApp().app);
    expect(kubernetesResources(second.regs)).toEqual(kubernetesResources(first.regs));
    expect(second.deployed.plan.objects.map((o) => o.logicalName)).toEqual(first.deployed.plan.objects.map((o) => o.logicalName));
    expect(second.regs.map((r) => r.inputs)).toEqual(first.regs.map((r) => r.inputs));
  });

  test('deploys only the given charts, prefixing names, and waits for nothing outside them', async () => {
    const { app, environment } = environmentApp();
    const acme = environment.find((c) => c.node.id === 'tenant-acme-ai') as Chart;
    const recorder = new DependencyRecorder();
    const { deployed, regs } = await deploy(app, { charts: [acme], namePrefix: 'dev/' }, { transformations: [recorder.transformation] });
    expect([...deployed.charts.keys()]).toEqual(['dev/tenant-acme-ai']);
    const names = kubernetesResources(regs).map((r) => r.split(' ')[1]);
    expect(names.length).toBe(synthesizeApp(app).find((c) => c.chart === acme)?.objects.length);
    expect(names.every((n) => n.startsWith('dev/tenant-acme-ai/'))).toBe(true);
    const edges = recorder.edges(new Map<string, pulumi.Resource>([...deployed.resources, ...deployed.charts]));
    // Only the tenant's own Namespace is waited for: the CRDs, the other charts and their Namespaces are not deployed here.
    expect(edges.length).toBeGreaterThan(0);
    expect(new Set(edges.map((e) => e.split(' -> ')[1]))).toEqual(new Set(['dev/tenant-acme-ai/Namespace/acme-ai']));
  });

  test('fails when two objects of a chart share kind, namespace and name', () => {
    const app = new App();
    const chart = new Chart(app, 'dup');
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } });
    new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } });
    // The app-wide check of synthesizeApp finds it before the plan does, naming both constructs.
    expect(() => new adapter.CdkAppResources('dup', { app })).toThrow(
      'Validation failed with the following errors:\n  dup/b: metadata.name: got "ConfigMap ns/x" (also written by dup/a); allowed: one object per kind, namespace and name in one output (one platform per output, each tenant in one chart)');
  });
});

describe('typedResourceClass', () => {
  test.each([
    ['v1', 'Namespace', () => k8s.core.v1.Namespace],
    ['v1', 'Secret', () => k8s.core.v1.Secret],
    ['apps/v1', 'Deployment', () => k8s.apps.v1.Deployment],
    ['batch/v1', 'CronJob', () => k8s.batch.v1.CronJob],
    ['networking.k8s.io/v1', 'NetworkPolicy', () => k8s.networking.v1.NetworkPolicy],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', () => k8s.rbac.v1.RoleBinding],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', () => k8s.apiextensions.v1.CustomResourceDefinition],
  ])('%s %s is the typed class', (apiVersion, kind, expected) => {
    expect(adapter.typedResourceClass(apiVersion, kind)).toBe(expected());
  });

  test.each([
    ['monitoring.coreos.com/v1', 'PrometheusRule'],
    ['keda.sh/v1alpha1', 'ScaledObject'],
    ['apps/v9', 'Deployment'],
    ['v1', 'Widget'],
    ['v1', 'NamespaceList'],
    ['apps/v1', 'DeploymentPatch'],
  ])('%s %s has no typed class (deployed as CustomResource)', (apiVersion, kind) => {
    expect(adapter.typedResourceClass(apiVersion, kind)).toBeUndefined();
  });
});
