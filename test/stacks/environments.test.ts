import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ALERT_FIXTURES } from '../prometheus/packs/fixtures';
import { ENVIRONMENTS } from '../../src/core/environment';
import { selectorLabelValues } from '../../src/prometheus/tenant-matcher';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, ofKind, synthEnvironment } from '../support/synth';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (o: Manifest): Spec => o.spec as Spec;

describe.each(ENVIRONMENT_NAMES)('the %s environment', (env) => {
  const { objects, byChart } = synthEnvironment(env);

  test('matches the reviewed snapshot', () => {
    // One snapshot per chart keeps diffs reviewable: a change shows up under the chart it touches.
    for (const [chart, objs] of byChart) expect(stringify(objs)).toMatchSnapshot(chart);
  });

  test('labels every object with the environment and the recommended labels', () => {
    for (const o of objects) {
      expect(o.metadata.labels?.environment).toBe(env);
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('cdk8s-tenant-monitoring');
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('tenant-monitoring');
    }
  });

  test('every alert links a runbook that exists in docs/runbooks and is covered by a promtool test', () => {
    const alerts = ofKind(objects, 'PrometheusRule').flatMap((r) => spec(r).groups.flatMap((g: Spec) => g.rules as Spec[])).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThan(30);
    for (const a of alerts) {
      const file = String(a.annotations.runbook_url).split('/').pop() as string;
      expect([a.alert, fs.existsSync(path.join(__dirname, '..', '..', 'docs', 'runbooks', file))]).toEqual([a.alert, true]);
      // Pack and baseline alerts have fixtures; the escalation alerts have their own ladder tests.
      expect([a.alert, a.alert in ALERT_FIXTURES || /^AlertEscalatedToL[234]$/.test(a.alert)]).toEqual([a.alert, true]);
    }
  });

  test('PlatformComponentDown watches the scrape job of every platform component with a ServiceMonitor', () => {
    const platform = byChart.get('platform') as Manifest[];
    const services = ofKind(platform, 'Service');
    const jobs = ofKind(platform, 'ServiceMonitor').map((m) => {
      const selector = spec(m).selector.matchLabels as Record<string, string>;
      const selected = services.filter((svc) => Object.entries(selector).every(([k, v]) => svc.metadata.labels?.[k] === v));
      expect([m.metadata.name, selected.length]).toEqual([m.metadata.name, 1]);
      return selected[0].metadata.name;
    });
    const rule = ofKind(platform, 'PrometheusRule').flatMap((r) => spec(r).groups.flatMap((g: Spec) => g.rules as Spec[])).find((r) => r.alert === 'PlatformComponentDown') as Spec;
    const watched = (/job=~"([^"]+)"/.exec(rule.expr) as RegExpExecArray)[1].split('|');
    expect(watched.sort()).toEqual([...new Set(jobs)].sort());
  });

  describe.each(EXAMPLE_TENANTS.map((t) => [t.id]))('tenant %s', (tenant) => {
    const mine = byChart.get(`tenant-${tenant}`) as Manifest[];

    test('has a namespace that enforces Pod Security "restricted"', () => {
      const [ns] = ofKind(mine, 'Namespace');
      expect(ns.metadata.name).toBe(tenant);
      expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', tenant });
    });

    test('labels every object with the tenant and keeps it in its namespace or the platform\'s', () => {
      for (const o of mine.filter((x) => x.kind !== 'Namespace')) {
        expect(o.metadata.labels?.['monitoring.cdk8s.io/tenant']).toBe(tenant);
        // ML jobs read the shared Prometheus for the tenant and dashboards are loaded by the
        // platform's Grafana sidecar: both live in the monitoring namespace.
        const platformSide = ['ml-drift', 'ml-anomaly', 'dashboards'].includes(o.metadata.labels?.['app.kubernetes.io/component'] ?? '');
        expect(o.metadata.namespace).toBe(platformSide ? 'monitoring' : tenant);
      }
    });

    test('has its dashboards in its own Grafana folder, reading its own datasources', () => {
      const dashboards = ofKind(mine, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
      expect(dashboards.length).toBe(7);
      for (const d of dashboards) {
        const json = Object.values((d as unknown as { data: Record<string, string> }).data)[0];
        expect(d.metadata.annotations?.grafana_folder).toBe(EXAMPLE_TENANTS.find((t) => t.id === tenant)?.displayName);
        expect(json).toContain(`"uid":"prometheus-${tenant}"`);
        expect(json).not.toContain('"uid":"prometheus"');
      }
    });

    test('runs a drift job per model, hourly or as configured, that cannot overlap itself', () => {
      const jobs = ofKind(mine, 'CronJob');
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) {
        expect(spec(j)).toMatchObject({ concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
        expect(spec(j).jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 1800 });
        expect(spec(j).jobTemplate.spec.template.spec.automountServiceAccountToken).toBe(false);
      }
    });

    test('has a quota on compute and object counts and a limit range', () => {
      const [quota] = ofKind(mine, 'ResourceQuota');
      expect(Object.keys(spec(quota).hard)).toEqual(expect.arrayContaining(['requests.cpu', 'limits.memory', 'pods', 'services', 'secrets', 'configmaps']));
      const [limits] = ofKind(mine, 'LimitRange');
      expect(spec(limits).limits[0]).toMatchObject({ type: 'Container' });
      expect(Object.keys(spec(limits).limits[0])).toEqual(expect.arrayContaining(['min', 'max', 'default', 'defaultRequest']));
    });

    test('denies all ingress and egress by default and allows only DNS, scraping and telemetry', () => {
      // The chart also holds the policies of the tenant's ML jobs, which run in the monitoring namespace.
      const policies = ofKind(mine, 'NetworkPolicy').filter((p) => p.metadata.namespace === tenant);
      const deny = policies.find((p) => p.metadata.name === 'default-deny-all') as Manifest;
      expect(spec(deny)).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(policies.map((p) => p.metadata.name).sort()).toEqual(['allow-dns-egress', 'allow-monitoring-scrape', 'allow-telemetry-egress', 'default-deny-all']);
      const scrape = policies.find((p) => p.metadata.name === 'allow-monitoring-scrape') as Manifest;
      expect(spec(scrape).ingress).toEqual([{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'platform' } },
        }],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      }]);
      const telemetry = policies.find((p) => p.metadata.name === 'allow-telemetry-egress') as Manifest;
      expect(spec(telemetry).egress[0].to).toEqual([{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': `jaeger-${tenant}` } },
      }]);
      const dns = policies.find((p) => p.metadata.name === 'allow-dns-egress') as Manifest;
      expect(spec(dns).egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    });

    test('scrapes its applications and stamps the tenant label on every series', () => {
      const [sm] = ofKind(mine, 'ServiceMonitor');
      expect(spec(sm).namespaceSelector).toEqual({ matchNames: [tenant] });
      expect(spec(sm).endpoints[0].interval).toBe(ENVIRONMENTS[env].scrapeInterval.toPrometheus());
      expect(spec(sm).endpoints[0].relabelings).toEqual([{ action: 'replace', targetLabel: 'tenant', replacement: tenant }]);
    });

    test('scopes every rule to the tenant: every selector reads only its series and every rule carries its label', () => {
      const rules = ofKind(mine, 'PrometheusRule').flatMap((r) => spec(r).groups.flatMap((g: Spec) => g.rules as Spec[]));
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        expect(r.labels.tenant).toBe(tenant);
        for (const values of selectorLabelValues(r.expr, 'tenant')) expect(values).toEqual([tenant]);
      }
    });
  });
});
