import { ApiObject, App, Chart } from 'cdk8s';
import { synthesizeApp } from '../../src/core/synth';
import { groupOf, planDeployment } from '../../src/pulumi/plan';

function object(chart: Chart, id: string, apiVersion: string, kind: string, name: string | undefined, namespace?: string, extra: Record<string, unknown> = {}): ApiObject {
  return new ApiObject(chart, id, { apiVersion, kind, metadata: { ...(name === undefined ? {} : { name }), ...(namespace ? { namespace } : {}) }, ...extra });
}

/** A `base` chart with a CRD, its own Namespace and a Role inside the tenant's Namespace; a `tenant` chart depending on it. */
function baseAndTenant(): App {
  const app = new App();
  const base = new Chart(app, 'base');
  object(base, 'crd', 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: { group: 'example.com', names: { kind: 'Widget' } } });
  object(base, 'ns', 'v1', 'Namespace', 'system');
  object(base, 'role', 'rbac.authorization.k8s.io/v1', 'Role', 'reader', 'team');
  object(base, 'sa', 'v1', 'ServiceAccount', 'agent', 'system');
  const tenant = new Chart(app, 'tenant');
  object(tenant, 'ns', 'v1', 'Namespace', 'team');
  object(tenant, 'widget', 'example.com/v1', 'Widget', 'w', 'team');
  object(tenant, 'other', 'other.example.org/v1', 'Gadget', 'g', 'team');
  object(tenant, 'cm', 'v1', 'ConfigMap', 'settings', 'elsewhere');
  tenant.addDependency(base);
  return app;
}

describe('planDeployment', () => {
  test('names objects <chart>/<kind>/<namespace>/<name> and records Namespace, CRD and chart edges', () => {
    const plan = planDeployment(synthesizeApp(baseAndTenant()));
    const rows = plan.objects.map((o) => [o.logicalName, o.dependsOn.join(','), o.dependsOnCharts.join(','), o.parentChart]);
    expect(rows).toEqual([
      ['base/CustomResourceDefinition/widgets.example.com', '', '', 'base'],
      ['base/Namespace/system', '', '', 'base'],
      ['base/ServiceAccount/system/agent', 'base/Namespace/system', '', 'base'],
      // Waits for the tenant's Namespace, so it goes under the tenant chart: waiting for `base` does not wait for it.
      ['tenant/Namespace/team', '', 'base', 'tenant'],
      ['base/Role/team/reader', 'tenant/Namespace/team', '', 'tenant'],
      ['tenant/Widget/team/w', 'base/CustomResourceDefinition/widgets.example.com,tenant/Namespace/team', '', 'tenant'],
      // Its CRD is not deployed here: it waits for nothing it cannot.
      ['tenant/Gadget/team/g', 'tenant/Namespace/team', '', 'tenant'],
      // Its Namespace is not deployed here: it waits for the chart dependency only.
      ['tenant/ConfigMap/elsewhere/settings', '', 'base', 'tenant'],
    ]);
    expect(plan.charts.map((c) => [c.logicalName, c.dependsOn, c.objects.length])).toEqual([['base', [], 4], ['tenant', ['base'], 4]]);
  });

  test('prefixes every logical name', () => {
    const plan = planDeployment(synthesizeApp(baseAndTenant()), { namePrefix: 'prod/' });
    expect(plan.charts.map((c) => [c.logicalName, c.dependsOn])).toEqual([['prod/base', []], ['prod/tenant', ['prod/base']]]);
    expect(plan.objects.every((o) => o.logicalName.startsWith(`${o.chart}/`) && o.chart.startsWith('prod/'))).toBe(true);
    expect(plan.objects.find((o) => o.kind === 'Widget')?.dependsOn).toEqual(['prod/base/CustomResourceDefinition/widgets.example.com', 'prod/tenant/Namespace/team']);
  });

  test('is the same for the same app built twice', () => {
    expect(planDeployment(synthesizeApp(baseAndTenant()))).toEqual(planDeployment(synthesizeApp(baseAndTenant())));
  });

  test('fails on an object without a name (cdk8s always names objects; other sources may not)', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => planDeployment([{ chart, fileName: 'c.k8s.yaml', objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } }] }])).toThrow(
      'c: objects[0](ConfigMap).metadata.name: got nothing; allowed: a non-empty name (generateName is not supported: logical names must be stable)');
  });

  test.each([
    ['an empty kind', (c: Chart) => object(c, 'x', 'v1', '', 'n'),
      'c: objects[0].kind: got ""; allowed: a non-empty string'],
  ])('fails on an object with %s', (_label, add, message) => {
    const app = new App();
    add(new Chart(app, 'c'));
    expect(() => planDeployment(synthesizeApp(app))).toThrow(message);
  });

  test('fails on an object with a duplicate name (charts from elsewhere than synthesizeApp, which refuses them)', () => {
    const app = new App();
    object(new Chart(app, 'c'), 'a', 'v1', 'Secret', 's', 'ns');
    const [chart] = synthesizeApp(app);
    expect(() => planDeployment([{ ...chart!, objects: [...chart!.objects, ...chart!.objects] }])).toThrow(
      'c: objects[1].metadata.name: got "s"; allowed: a name unique per kind and namespace within the chart (c/Secret/ns/s is already used)');
  });
});

describe('groupOf', () => {
  test.each([['v1', ''], ['apps/v1', 'apps'], ['monitoring.coreos.com/v1', 'monitoring.coreos.com']])('%s is in group "%s"', (apiVersion, group) => {
    expect(groupOf(apiVersion)).toBe(group);
  });
});
