import { ApiObject, App, Chart } from 'cdk8s';
import { AlertRouting } from '../../src/alerting/alert-routing';
import { Receiver } from '../../src/alerting/receivers';
import { DEV } from '../../src/core/environment';
import { DASHBOARD_SIDECAR_LABEL, TENANT_NAMESPACE_LABEL, TENANT_OBJECT_LABEL } from '../../src/core/labels';
import { synthesizeApp } from '../../src/core/synth';
import { TenantMonitoringStack } from '../../src/tenancy/tenant-monitoring-stack';

const HEAD = 'Validation failed with the following errors:\n  ';

function namespace(chart: Chart, tenant: string): void {
  new ApiObject(chart, `ns-${tenant}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenant, labels: { [TENANT_OBJECT_LABEL]: tenant, [TENANT_NAMESPACE_LABEL]: 'true' } } });
}

describe('whole-app validation at synth', () => {
  test('fails two platforms writing the same object into one output', () => {
    const app = new App();
    for (const id of ['platform', 'platform-2']) {
      new ApiObject(new Chart(app, id), 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'grafana-datasources', namespace: 'monitoring' } });
    }
    expect(() => synthesizeApp(app)).toThrow(`${HEAD}platform-2/config: metadata.name: got "ConfigMap monitoring/grafana-datasources" (also written by platform/config); allowed: one object per kind, namespace and name in one output (one platform per output, each tenant in one chart)`);
  });

  test('fails one tenant in two charts', () => {
    const app = new App();
    const tenant = { id: 'acme', contacts: { team: 'acme', email: 'oncall@acme.example' } };
    new TenantMonitoringStack(new Chart(app, 'tenant-acme'), 'acme', { tenant, environment: DEV });
    new TenantMonitoringStack(new Chart(app, 'tenant-acme-again'), 'acme', { tenant, environment: DEV });
    expect(() => synthesizeApp(app)).toThrow(/^Validation failed with the following errors:\n {2}tenant-acme-again\/acme\/[^:]+: metadata\.name: got "Namespace acme" \(also written by tenant-acme\/acme\/[^)]+\); allowed: one object per kind/);
  });

  test('fails a tenant-owned object in another tenant\'s namespace', () => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    namespace(chart, 'initech');
    namespace(chart, 'umbrella');
    new ApiObject(chart, 'hpa', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'umbrella', labels: { [TENANT_OBJECT_LABEL]: 'initech' } } });
    expect(() => synthesizeApp(app)).toThrow(`${HEAD}tenants/hpa: metadata.namespace: got "umbrella" (the namespace of tenant "umbrella"); allowed: the namespace of tenant "initech" or a shared one, not another tenant's`);
  });

  test('fails a label value over 63 characters and a name over 253', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n'.repeat(254), labels: { team: 'a'.repeat(80) } } });
    expect(() => synthesizeApp(app)).toThrow(`${HEAD}c/cm: metadata.name: got "${'n'.repeat(254)}" (254 characters); allowed: a Kubernetes object name of at most 253 characters\n  `
      + `c/cm: metadata.labels.team: got "${'a'.repeat(80)}" (80 characters); allowed: a Kubernetes label value: at most 63 characters of A-Z a-z 0-9 - _ ., starting and ending alphanumeric`);
  });

  test('accepts a tenant\'s objects in its own and in shared namespaces', () => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    namespace(chart, 'initech');
    new ApiObject(chart, 'own', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'initech', labels: { [TENANT_OBJECT_LABEL]: 'initech' } } });
    new ApiObject(chart, 'shared', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'monitoring', labels: { [TENANT_OBJECT_LABEL]: 'initech' } } });
    expect(synthesizeApp(app).flatMap((c) => c.objects)).toHaveLength(3);
  });
});

describe('whole-app validation: dashboards of one Grafana', () => {
  test('fails two tenants\' dashboards with one UID', () => {
    const app = new App();
    for (const t of ['acme', 'globex']) {
      new ApiObject(new Chart(app, `tenant-${t}`), 'dashboard', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `dashboard-${t}-checkout`, namespace: 'monitoring', labels: { [DASHBOARD_SIDECAR_LABEL]: '1' } }, data: { 'checkout.json': '{}' },
      });
    }
    expect(() => synthesizeApp(app)).toThrow(`${HEAD}tenant-globex/dashboard: data.checkout.json: got "checkout" (also used by tenant-acme/dashboard); allowed: a dashboard UID not used by another dashboard of the output (every tenant's dashboards load into one Grafana)`);
  });

  test('accepts one dashboard written both for the sidecar and for grafana-operator', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'monitoring', labels: { [DASHBOARD_SIDECAR_LABEL]: '1' } }, data: { 'checkout.json': '{}' } });
    new ApiObject(chart, 'gd', { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaDashboard', metadata: { name: 'd', namespace: 'monitoring' }, spec: { uid: 'checkout', json: '{}' } });
    expect(synthesizeApp(app).flatMap((c) => c.objects)).toHaveLength(2);
  });
});

describe('whole-app validation: tenant routes', () => {
  test('fails a route for a tenant the app does not have', () => {
    const app = new App();
    const chart = new Chart(app, 'platform');
    const routing = new AlertRouting(chart, 'Routing', { namespace: 'monitoring', profile: DEV });
    routing.addReceiver(Receiver.webhook({ name: 'chat', url: 'https://chat.example/hook' }));
    new TenantMonitoringStack(new Chart(app, 'tenant-initech'), 'initech', { tenant: { id: 'initech', contacts: { team: 'initech', email: 'sre@initech.example' } }, environment: DEV });
    routing.addTenantRoute('initech', ['chat']);
    routing.addTenantRoute('initch', ['chat']);
    expect(() => synthesizeApp(app)).toThrow('Validation failed with the following errors:\n  [platform/Routing] platform/Routing: tenantRoute.tenant: got "initch" (no such tenant); allowed: a tenant of the app (a TenantMonitoringStack or MonitoringPlatform.addTenant): one of initech');
  });
});
