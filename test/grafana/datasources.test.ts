import { parse } from 'yaml';
import { Datasource, datasourceSecretEnv, renderDatasourceProvisioning, TENANT_HEADER, toGrafanaOperatorDatasource } from '../../src/grafana/datasources';

const password = { secretName: 'es-credentials', key: 'password' };
const platform = [
  Datasource.prometheus({ name: 'Prometheus', uid: 'prometheus', url: 'http://prometheus-operated.monitoring.svc:9090', isDefault: true }),
  Datasource.alertmanager({ name: 'Alertmanager', uid: 'alertmanager', url: 'http://alertmanager-operated.monitoring.svc:9093' }),
  Datasource.jaeger({ name: 'Jaeger', uid: 'jaeger', url: 'http://jaeger-query.tracing.svc:16686' }),
  Datasource.elasticsearch({ name: 'Audit', uid: 'elasticsearch-audit', url: 'https://es-http.logging.svc:9200', index: 'logs-*-audit', basicAuth: { user: 'grafana', password } }),
];

describe('renderDatasourceProvisioning', () => {
  test('renders the provisioning format with every datasource', () => {
    const doc = parse(renderDatasourceProvisioning(platform)) as { apiVersion: number; datasources: Record<string, unknown>[] };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources.map((d) => [d.type, d.uid, d.access])).toEqual([
      ['prometheus', 'prometheus', 'proxy'], ['alertmanager', 'alertmanager', 'proxy'], ['jaeger', 'jaeger', 'proxy'], ['elasticsearch', 'elasticsearch-audit', 'proxy'],
    ]);
    expect(doc.datasources[1]!.jsonData).toEqual({ implementation: 'prometheus', handleGrafanaManagedAlerts: false });
    expect(doc.datasources[3]).toMatchObject({
      basicAuth: true, basicAuthUser: 'grafana', secureJsonData: { basicAuthPassword: '${GF_DS_PASSWORD}' },
      jsonData: { index: 'logs-*-audit', timeField: '@timestamp' },
    });
  });

  test('gives a tenant datasource the X-Scope-OrgID header', () => {
    const ds = Datasource.prometheus({ name: 'Metrics (acme)', url: 'http://mimir.monitoring.svc/prometheus', tenant: 'acme', headers: [{ name: 'Authorization', value: { secretName: 'mimir', key: 'token', envName: 'MIMIR_TOKEN' } }] });
    const doc = parse(renderDatasourceProvisioning([ds])) as { datasources: Record<string, Record<string, unknown>>[] };
    expect(ds.uid).toBe('metrics-acme');
    expect(doc.datasources[0]!.jsonData).toMatchObject({ httpHeaderName1: TENANT_HEADER, httpHeaderName2: 'Authorization' });
    expect(doc.datasources[0]!.secureJsonData).toEqual({ httpHeaderValue1: 'acme', httpHeaderValue2: '${MIMIR_TOKEN}' });
    expect(datasourceSecretEnv([ds])).toEqual([{ secretName: 'mimir', key: 'token', envName: 'MIMIR_TOKEN' }]);
  });

  test.each([
    ['on a repeated name', () => renderDatasourceProvisioning([platform[0]!, platform[0]!]), `datasources: name: got "Prometheus" (used twice); allowed: a name not used by another datasource`],
    ['on two defaults', () => renderDatasourceProvisioning([platform[0]!, { ...platform[1]!, isDefault: true }]), `datasources: isDefault: got ["Prometheus","Alertmanager"]; allowed: at most one default datasource`],
    ['on a URL without scheme', () => Datasource.jaeger({ name: 'J', url: 'jaeger:16686' }), `datasource J: url: got "jaeger:16686"; allowed: an absolute http:// or https:// URL`],
    ['on a bad UID', () => Datasource.jaeger({ name: 'J', uid: 'bad uid', url: 'http://j' }), `datasource J: uid: got "bad uid"; allowed: a Grafana UID: 1-40 characters of a-z, A-Z, 0-9, '-' and '_'`],
    ['on a header set twice', () => Datasource.prometheus({ name: 'P', url: 'http://p', tenant: 'a', headers: [{ name: 'x-scope-orgid', value: 'b' }] }), `datasource P: headers: got "x-scope-orgid" (set twice); allowed: each header name once (the tenant option sets X-Scope-OrgID)`],
  ])('fails %s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('toGrafanaOperatorDatasource', () => {
  test('references Secret values through valuesFrom, never inline', () => {
    const spec = toGrafanaOperatorDatasource(platform[3]!, { dashboards: 'grafana' });
    expect(spec.instanceSelector).toEqual({ matchLabels: { dashboards: 'grafana' } });
    expect(spec.datasource).toMatchObject({ uid: 'elasticsearch-audit', secureJsonData: { basicAuthPassword: '${password}' } });
    expect(spec.valuesFrom).toEqual([{ targetPath: 'secureJsonData.basicAuthPassword', valueFrom: { secretKeyRef: { name: 'es-credentials', key: 'password' } } }]);
  });

  test('has no valuesFrom when nothing is secret', () => {
    expect(toGrafanaOperatorDatasource(platform[0]!, { a: 'b' }).valuesFrom).toBeUndefined();
  });
});
