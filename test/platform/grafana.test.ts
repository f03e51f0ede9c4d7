import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Datasource, SecretValueRef } from '../../src/grafana/datasources';
import { securityDashboard } from '../../src/grafana/dashboards/security';
import { GrafanaDashboards } from '../../src/grafana/grafana-dashboards';
import { DEFAULT_DATASOURCE_UIDS } from '../../src/grafana/model';
import { ALL_TENANTS_AUDIT_STREAMS } from '../../src/logging/model';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { Grafana } from '../../src/platform/grafana';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { Manifest } from '../support/schema';

interface EnvVar { readonly name: string; readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } } }
interface Container { readonly name: string; readonly env?: EnvVar[]; readonly readinessProbe?: unknown; readonly livenessProbe?: unknown; readonly ports?: unknown[] }

function grafana(): { chart: ReturnType<typeof Testing.chart>; g: Grafana } {
  const chart = Testing.chart();
  const g = new Grafana(chart, 'grafana', {
    namespace: 'monitoring',
    adminUser: SecretKeyRef.of('grafana-admin', 'admin-user'),
    adminPassword: SecretKeyRef.of('grafana-admin', 'admin-password'),
  });
  return { chart, g };
}

function containers(chart: ReturnType<typeof Testing.chart>): Container[] {
  const deployment = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers;
}

const esAuth = (secretName: string, key: string) => ({ user: 'elastic', password: { secretName, key } });
const es = (name: string, auth: { user: string; password: SecretValueRef }) => Datasource.elasticsearch({ name, url: 'https://es.logging.svc:9200', index: `logs-${name}`, basicAuth: auth });

describe('Grafana', () => {
  test('exposes a Secret key used by several datasources as one environment variable', () => {
    const { chart, g } = grafana();
    for (const name of ['a', 'b', 'c', 'd']) g.addDatasource(es(name, esAuth('es-credentials', 'password')));
    const env = containers(chart).find((c) => c.name === 'grafana')!.env!;
    expect(env.filter((e) => e.name === 'GF_DS_PASSWORD')).toEqual([{ name: 'GF_DS_PASSWORD', valueFrom: { secretKeyRef: { name: 'es-credentials', key: 'password' } } }]);
    const names = env.map((e) => e.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test.each([
    ['on one variable name for two Secret keys', (g: Grafana) => {
      g.addDatasource(es('a', esAuth('es-one', 'password')));
      g.addDatasource(es('b', esAuth('es-two', 'password')));
    }, 'test/grafana: datasources[1].envName: got "GF_DS_PASSWORD" (already holds es-one/password, here es-two/password); allowed: an environment variable name not used for another Secret key (set envName on one of the references)'],
    ['on a variable name Grafana sets itself', (g: Grafana) => {
      g.addDatasource(es('a', { user: 'elastic', password: { secretName: 'es', key: 'password', envName: 'GF_SECURITY_ADMIN_PASSWORD' } }));
    }, 'test/grafana: datasources[0].envName: got "GF_SECURITY_ADMIN_PASSWORD"; allowed: a name other than Grafana\'s own variables'],
  ])('fails %s', (_, add, message) => {
    const { g } = grafana();
    expect(() => add(g)).toThrow(message);
  });

  test('the dashboard sidecar has readiness and liveness probes on its health endpoint', () => {
    const { chart } = grafana();
    const sidecar = containers(chart).find((c) => c.name === 'dashboard-sidecar')!;
    expect(sidecar.ports).toEqual([{ name: 'health', containerPort: 8080, protocol: 'TCP' }]);
    expect(sidecar.env).toContainEqual({ name: 'HEALTH_PORT', value: '8080' });
    expect(sidecar.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' } });
    expect(sidecar.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' } });
  });

  test('fails when a dashboard its sidecar loads queries a datasource it does not provision', () => {
    const { chart, g } = grafana();
    g.addDatasource(Datasource.prometheus({ name: 'Prometheus', uid: DEFAULT_DATASOURCE_UIDS.prometheus, url: 'http://prometheus.monitoring.svc:9090' }));
    new GrafanaDashboards(chart, 'dashboards', { namespace: 'monitoring', dashboards: [{ name: 'security', title: 'Security', build: securityDashboard }] });
    expect(g.node.validate()).toEqual([
      'test/dashboards: dashboards.tm-security.datasource: got "elasticsearch-audit"; allowed: the UID of a datasource provisioned in test/grafana (prometheus)',
    ]);
  });
});

describe.each(ENVIRONMENT_NAMES)('the %s platform Grafana', (env) => {
  const objects = synthEnvironment(env).objects;
  const datasources = (parse((objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-datasources') as unknown as { data: Record<string, string> }).data['datasources.yaml']!) as { datasources: Record<string, unknown>[] }).datasources;

  test('provisions the audit datasource of the platform security dashboard over every tenant\'s audit streams, with the tenant datasources\' credentials', () => {
    const audit = datasources.find((d) => d.uid === DEFAULT_DATASOURCE_UIDS.audit)!;
    const tenantAudit = datasources.find((d) => d.type === 'elasticsearch' && d !== audit)!;
    expect(audit).toMatchObject({ type: 'elasticsearch', url: tenantAudit.url, basicAuthUser: tenantAudit.basicAuthUser, secureJsonData: tenantAudit.secureJsonData, jsonData: { index: ALL_TENANTS_AUDIT_STREAMS } });
    expect(ALL_TENANTS_AUDIT_STREAMS).toBe('logs-*-audit');
  });
});
