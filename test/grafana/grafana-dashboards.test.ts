import { Chart, Testing } from 'cdk8s';
import { ConstantVariableBuilder, CustomVariableBuilder, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PROD } from '../../src/core/environment';
import { ANNOTATIONS_MAX_BYTES, CONFIGMAP_MAX_BYTES, LAST_APPLIED_ANNOTATION, lastAppliedAnnotationBytes } from '../../src/core/size-limits';
import { ALL_DASHBOARDS } from '../../src/grafana/dashboards';
import { DASHBOARD_FOLDER_ANNOTATION, DASHBOARD_SIDECAR_LABEL, GrafanaDashboards, GrafanaDashboardsProps } from '../../src/grafana/grafana-dashboards';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { Grafana } from '../../src/platform/grafana';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ACME = { id: 'acme', displayName: 'ACME Corp' };

function synth(props: GrafanaDashboardsProps, extra?: (d: GrafanaDashboards) => void): Manifest[] {
  const chart = Testing.chart();
  const d = new GrafanaDashboards(chart, 'dashboards', props);
  extra?.(d);
  return Testing.synth(chart) as Manifest[];
}
const dashboardOf = (cm: Manifest) => JSON.parse(Object.values(cm.data as Record<string, string>)[0]!) as Spec;

/** A dashboard of `panels` time series panels, its description padded with `pad` characters. */
function bigDashboard(panels: number, pad: number, uid = 'big'): DashboardBuilder {
  const b = new DashboardBuilder('Big').uid(uid).description('x'.repeat(pad));
  for (let i = 0; i < panels; i++) {
    b.withPanel(new TimeseriesBuilder().id(i + 1).title(`Panel ${i}`).withTarget(new DataqueryBuilder().expr(`sum(rate(http_requests_total{tenant="acme",code=~"5.."}[5m])) by (route) > ${i}`).refId('A')));
  }
  return b;
}

describe('GrafanaDashboards', () => {
  const tenant = synth({ tenant: ACME, environment: { ...PROD, thresholds: { ...PROD.thresholds, latencyP95Seconds: 0.35 } } });
  const platform = synth({});
  const operator = synth({ tenant: ACME, operator: { instanceSelector: { grafana: 'shared' } }, dashboards: [ALL_DASHBOARDS[6]!] });

  test('every object passes strict schema validation', () => {
    expect([...tenant, ...platform, ...operator].flatMap(validateManifest)).toEqual([]);
  });

  test('writes one sidecar ConfigMap per dashboard in the monitoring namespace, in the tenant\'s folder', () => {
    expect(tenant.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(ALL_DASHBOARDS.map((d) => `ConfigMap/monitoring/dashboard-acme-${d.name}`));
    for (const cm of tenant) {
      expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1', 'monitoring.cdk8s.io/tenant': 'acme' });
      expect(cm.metadata.annotations).toEqual({ grafana_folder: 'ACME Corp' });
    }
    // The platform's Grafana sidecar loads exactly what the dashboards are labelled and annotated with.
    const chart = Testing.chart();
    new Grafana(chart, 'grafana', { namespace: 'monitoring', adminUser: SecretKeyRef.of('g', 'u'), adminPassword: SecretKeyRef.of('g', 'p') });
    const grafana = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'Deployment') as Manifest;
    const sidecar = ((grafana.spec as Spec).template.spec.containers as Spec[]).find((c) => c.name === 'dashboard-sidecar') as Spec;
    expect(sidecar.env).toEqual(expect.arrayContaining([
      { name: 'LABEL', value: DASHBOARD_SIDECAR_LABEL }, { name: 'LABEL_VALUE', value: '1' }, { name: 'FOLDER_ANNOTATION', value: DASHBOARD_FOLDER_ANNOTATION },
    ]));
    expect([DASHBOARD_SIDECAR_LABEL, DASHBOARD_FOLDER_ANNOTATION]).toEqual(['grafana_dashboard', 'grafana_folder']);
  });

  test('tenant dashboards have deterministic UIDs, a fixed tenant variable and the environment\'s thresholds', () => {
    const slo = tenant.find((o) => o.metadata.name === 'dashboard-acme-slo')!;
    expect(Object.keys(slo.data as object)).toEqual(['tm-acme_slo.json']);
    const api = dashboardOf(tenant.find((o) => o.metadata.name === 'dashboard-acme-api-performance')!);
    expect(api.uid).toBe('tm-acme_api-performance');
    expect(api.templating.list.find((v: Spec) => v.name === 'tenant')).toMatchObject({ type: 'constant', query: 'acme', hide: 2 });
    const steps = JSON.stringify(api.panels.map((p: Spec) => p.fieldConfig?.defaults?.thresholds?.steps ?? []));
    expect(steps).toContain('"value":0.35');
  });

  test('platform-wide dashboards go to the Platform folder without a tenant label', () => {
    expect(platform.map((o) => o.metadata.name)).toEqual(ALL_DASHBOARDS.map((d) => `dashboard-platform-${d.name}`));
    expect(platform[0]!.metadata.annotations).toEqual({ grafana_folder: 'Platform' });
    expect(platform[0]!.metadata.labels!['monitoring.cdk8s.io/tenant']).toBeUndefined();
    expect(dashboardOf(platform[0]!).uid).toBe('tm-system-overview');
  });

  test('adds user dashboards given as builders, built models or catalogue definitions', () => {
    const objs = synth({ tenant: ACME, dashboards: [] }, (d) => {
      d.addDashboard(new DashboardBuilder('Checkout').uid('acme-checkout').withVariable(new ConstantVariableBuilder('tenant').value('acme')));
      d.addDashboard(new DashboardBuilder('Payments').uid('acme-payments').build());
      d.addDashboard(ALL_DASHBOARDS[1]!);
    });
    expect(objs.map((o) => [o.metadata.name, Object.keys(o.data as object)[0]])).toEqual([
      ['dashboard-acme-acme-checkout', 'acme-checkout.json'],
      ['dashboard-acme-acme-payments', 'acme-payments.json'],
      ['dashboard-acme-api-performance', 'tm-acme_api-performance.json'],
    ]);
  });

  test('writes grafana-operator GrafanaDashboards in one GrafanaFolder per tenant', () => {
    expect(operator.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['GrafanaFolder/dashboards-acme', 'ConfigMap/dashboard-acme-slo', 'GrafanaDashboard/dashboard-acme-slo']);
    expect(operator[0]!.spec).toEqual({ instanceSelector: { matchLabels: { grafana: 'shared' } }, title: 'ACME Corp', uid: 'tm-folder-acme', resyncPeriod: '10m' });
    const spec = operator[2]!.spec as Spec;
    expect(spec).toMatchObject({ instanceSelector: { matchLabels: { grafana: 'shared' } }, folderRef: 'dashboards-acme', uid: 'tm-acme_slo', resyncPeriod: '10m' });
    expect(JSON.parse(spec.json).uid).toBe('tm-acme_slo');
    const only = synth({ tenant: ACME, operator: true, sidecar: false, dashboards: [ALL_DASHBOARDS[6]!] });
    expect(only.map((o) => o.kind)).toEqual(['GrafanaFolder', 'GrafanaDashboard']);
    expect((only[0]!.spec as Spec).instanceSelector).toEqual({ matchLabels: { dashboards: 'grafana' } });
  });

  test('snapshot', () => {
    expect(operator).toMatchSnapshot();
  });

  describe('size limits', () => {
    // Sizes measured on a set with the check off, then padded to land exactly on the limit.
    const measure = (props: GrafanaDashboardsProps, panels: number, kind: string, how: (o: Manifest) => number) =>
      how(synth({ ...props, serverSideApply: true, dashboards: [] }, (d) => d.addDashboard(bigDashboard(panels, 0))).find((o) => o.kind === kind)!);
    const jsonBytes = (o: Manifest) => Buffer.byteLength(Object.values(o.data as Record<string, string>)[0]!);

    test('a dashboard of exactly 1 MiB passes with server-side apply; one byte more is rejected', () => {
      const props = { tenant: ACME, serverSideApply: true, dashboards: [] };
      const pad = CONFIGMAP_MAX_BYTES - measure(props, 1900, 'ConfigMap', jsonBytes);
      expect(pad).toBeGreaterThan(0);
      const fits = synth(props, (d) => d.addDashboard(bigDashboard(1900, pad)));
      expect(jsonBytes(fits[0]!)).toBe(CONFIGMAP_MAX_BYTES);
      expect(() => synth(props, (d) => d.addDashboard(bigDashboard(1900, pad + 1))))
        .toThrow('test/dashboards: ConfigMap monitoring/dashboard-acme-big data (bytes): got 1048577 (split the content over several objects (for dashboards: fewer panels per dashboard)); allowed: at most 1048576 bytes (1 MiB, the API server\'s ConfigMap limit)');
    });

    test('with client-side apply, a ConfigMap whose last-applied annotation would pass 256 KiB is rejected', () => {
      const props = { tenant: ACME, dashboards: [] };
      const pad = ANNOTATIONS_MAX_BYTES - measure(props, 450, 'ConfigMap', lastAppliedAnnotationBytes);
      expect(pad).toBeGreaterThan(0);
      const fits = synth(props, (d) => d.addDashboard(bigDashboard(450, pad)));
      expect(lastAppliedAnnotationBytes(fits[0]!)).toBe(ANNOTATIONS_MAX_BYTES);
      expect(() => synth(props, (d) => d.addDashboard(bigDashboard(450, pad + 1))))
        .toThrow(`test/dashboards: ConfigMap monitoring/dashboard-acme-big annotations with ${LAST_APPLIED_ANNOTATION} (bytes): got 262145 (apply this object with server-side apply (kubectl apply --server-side, Argo CD ServerSideApply=true, Flux), which keeps no last-applied annotation, or make it smaller); allowed: at most 262144 bytes (256 KiB, the API server's annotation limit)`);
    });

    test('a GrafanaDashboard is measured as a whole object (its inline JSON escaped once more)', () => {
      const props = { tenant: ACME, dashboards: [], operator: true, sidecar: false };
      const pad = ANNOTATIONS_MAX_BYTES - measure(props, 450, 'GrafanaDashboard', lastAppliedAnnotationBytes);
      const fits = synth(props, (d) => d.addDashboard(bigDashboard(450, pad)));
      expect(lastAppliedAnnotationBytes(fits[1]!)).toBe(ANNOTATIONS_MAX_BYTES);
      // The escaped JSON in the annotation is larger than the dashboard JSON itself.
      expect(Buffer.byteLength((fits[1]!.spec as Spec).json)).toBeLessThan(ANNOTATIONS_MAX_BYTES - 10_000);
      expect(() => synth(props, (d) => d.addDashboard(bigDashboard(450, pad + 1))))
        .toThrow(`test/dashboards: GrafanaDashboard monitoring/dashboard-acme-big annotations with ${LAST_APPLIED_ANNOTATION} (bytes): got 262145`);
    });

    test('the catalogue dashboards fit with room to spare under client-side apply', () => {
      for (const o of tenant) expect(lastAppliedAnnotationBytes(o)).toBeLessThan(ANNOTATIONS_MAX_BYTES / 4);
    });
  });

  describe('failures', () => {
    const add = (props: GrafanaDashboardsProps, source: Parameters<GrafanaDashboards['addDashboard']>[0]) => () => synth({ dashboards: [], ...props }, (d) => d.addDashboard(source));

    test('fails a dashboard without a UID', () => {
      expect(add({}, new DashboardBuilder('No uid'))).toThrow('test/dashboards: dashboards[0].uid: got nothing; allowed: a Grafana UID: 1-40 characters of a-z A-Z 0-9 - _ (set it with .uid(...))');
    });

    test('fails a UID used twice', () => {
      expect(() => synth({ tenant: ACME }, (d) => d.addDashboard(new DashboardBuilder('Again').uid('tm-acme_slo'))))
        .toThrow('test/dashboards: dashboards[7].uid: got "tm-acme_slo" (clashes with tm-acme_slo (dashboard-acme-slo)); allowed: a UID and object name not used by another dashboard of this set');
    });

    test('fails a tenant dashboard whose tenant variable can be changed', () => {
      expect(add({ tenant: ACME }, new DashboardBuilder('Switchable').uid('switch').withVariable(new CustomVariableBuilder('tenant').values('acme,globex'))))
        .toThrow('test/dashboards: dashboards[0].templating.tenant: got "custom:acme,globex"; allowed: no tenant variable, or a constant variable fixed to "acme" (the tenant cannot be switched)');
      expect(add({ tenant: ACME }, new DashboardBuilder('Other tenant').uid('other').withVariable(new ConstantVariableBuilder('tenant').value('globex'))))
        .toThrow('test/dashboards: dashboards[0].templating.tenant: got "constant:globex"; allowed: no tenant variable, or a constant variable fixed to "acme" (the tenant cannot be switched)');
    });

    test('fails when dashboards would be written nowhere', () => {
      expect(() => synth({ sidecar: false })).toThrow('test/dashboards: sidecar: got false; allowed: sidecar: true or an operator option (dashboards must be written somewhere)');
    });

    test('fails a tenant id that is not a DNS label', () => {
      expect(() => new GrafanaDashboards(new Chart(Testing.app(), 'c'), 'd', { tenant: { id: 'ACME' } }))
        .toThrow('c/d: tenant.id: got "ACME"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit');
    });
  });
});
