import { Testing } from 'cdk8s';
import { ENVIRONMENTS } from '../../src/core/environment';
import { Images } from '../../src/core/images';
import { TenantQueryProxy } from '../../src/platform/tenant-query-proxy';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { Manifest, validateManifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { provisionedDatasources, TenantScopeInput, tenantScopeViolations } from '../support/tenant-scope';

interface Container { readonly args: string[]; readonly readinessProbe: unknown; readonly livenessProbe: unknown; readonly resources: unknown; readonly image: string }

describe('TenantQueryProxy', () => {
  const chart = Testing.chart();
  const proxy = new TenantQueryProxy(chart, 'proxy', { namespace: 'monitoring', tenant: 'acme', upstream: 'http://prometheus.monitoring.svc:9090', replicas: 2 });
  const objects = Testing.synth(chart) as Manifest[];
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } } };
  const container = deployment.spec.template.spec.containers[0]!;

  test('fixes the tenant label in its arguments, not from the request', () => {
    expect(container.image).toBe(Images.promLabelProxy().reference);
    expect(container.args).toEqual([
      '-insecure-listen-address=:8080', '-internal-listen-address=:8081', '-upstream=http://prometheus.monitoring.svc:9090',
      '-label=tenant', '-label-value=acme', '-enable-label-apis', '-error-on-replace',
    ]);
    expect(proxy.url).toBe('http://prom-label-proxy-acme.monitoring.svc:8080');
  });

  test('runs as a restricted pod with its own ServiceAccount, resources and probes', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/prom-label-proxy-acme', 'NetworkPolicy/prom-label-proxy-acme', 'PodDisruptionBudget/prom-label-proxy-acme', 'Service/prom-label-proxy-acme',
      'ServiceAccount/prom-label-proxy-acme', 'ServiceMonitor/prom-label-proxy-acme',
    ]);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('prom-label-proxy-acme');
    expect(podTemplates(objects).flatMap(restrictedViolations)).toEqual([]);
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
  });

  test.each([
    ['on a tenant that is not a DNS label', { tenant: 'Acme' }, 'test/bad: tenant: got "Acme"'],
    ['on an upstream that is not a URL', { upstream: 'prometheus:9090' }, 'test/bad: upstream: got "prometheus:9090"'],
  ])('fails %s', (_, override, message) => {
    expect(() => new TenantQueryProxy(Testing.chart(), 'bad', { namespace: 'monitoring', tenant: 'acme', upstream: 'http://p:9090', ...override })).toThrow(message);
  });
});

describe.each(ENVIRONMENT_NAMES)('tenant datasources in %s', (env) => {
  const synth = synthEnvironment(env);
  const input = (): TenantScopeInput => structuredClone({
    datasources: provisionedDatasources(synth.objects),
    objects: synth.objects,
    tenants: synth.charts.platform.platform.tenantIds,
    profile: ENVIRONMENTS[env]!,
    platformPrometheusUrl: 'http://prometheus.monitoring.svc:9090',
  });

  test('every one is scoped to its tenant', () => {
    expect(input().tenants.length).toBeGreaterThan(0);
    expect(tenantScopeViolations(input())).toEqual([]);
  });

  test('fails on a datasource pointed straight at the platform Prometheus', () => {
    const broken = input();
    const tenant = broken.tenants[0]!;
    const ds = broken.datasources.find((d) => d.uid === `prometheus-${tenant}`)! as { url: string; jsonData: Record<string, unknown>; secureJsonData?: Record<string, unknown> };
    ds.url = 'http://prometheus.monitoring.svc:9090';
    delete ds.jsonData.httpHeaderName1;
    delete ds.secureJsonData;
    expect(tenantScopeViolations(broken)).toEqual([
      `prometheus-${tenant}: not scoped to tenant ${tenant} (no X-Scope-OrgID header; Service monitoring/prometheus does not lead to a prom-label-proxy)`,
    ]);
  });
});

describe('a broken label proxy', () => {
  const synth = synthEnvironment('dev');
  const tenants = synth.charts.platform.platform.tenantIds;
  test('fails when the proxy enforces another tenant', () => {
    const objects = structuredClone(synth.objects) as Manifest[];
    const [a, b] = tenants as [string, string];
    const proxy = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `prom-label-proxy-${a}`) as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = proxy.spec.template.spec.containers[0]!.args;
    args[args.indexOf(`-label-value=${a}`)] = `-label-value=${b}`;
    expect(tenantScopeViolations({ datasources: provisionedDatasources(objects), objects, tenants: [a], profile: ENVIRONMENTS.dev!, platformPrometheusUrl: 'http://prometheus.monitoring.svc:9090' })).toEqual([
      `prometheus-${a}: not scoped to tenant ${a} (no X-Scope-OrgID header; the prom-label-proxy behind monitoring/prom-label-proxy-${a} enforces -label-value ["${b}"], not ["${a}"])`,
    ]);
  });
});
