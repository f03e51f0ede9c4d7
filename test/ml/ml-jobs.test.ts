import { Testing } from 'cdk8s';
import { Duration } from '../../src/core/duration';
import { DriftMethod } from '../../src/ml/drift-method';
import { MlAnomalyJob, MlDriftJob, MlDriftJobProps } from '../../src/ml/ml-jobs';
import { parseDriftJobConfig } from '../../src/ml/model';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const platform = { tenant: 'acme', namespace: 'monitoring', prometheusUrl: 'http://prometheus.monitoring.svc:9090', pushgatewayUrl: 'http://pushgateway.monitoring.svc:9091' };
const driftProps: MlDriftJobProps = {
  ...platform,
  model: 'scorer',
  features: [
    { name: 'amount', kind: 'numeric', metric: 'ml_feature_amount' },
    { name: 'country', kind: 'categorical', metric: 'ml_feature_country', methods: [DriftMethod.psi({ warn: 0.05, alert: 0.2 })] },
  ],
};

function synthDrift(props: Partial<MlDriftJobProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new MlDriftJob(chart, 'Drift', { ...driftProps, ...props });
  return Testing.synth(chart) as Manifest[];
}

describe('MlDriftJob', () => {
  const objects = synthDrift();
  const cron = objects.find((o) => o.kind === 'CronJob') as Manifest;
  const config = objects.find((o) => o.kind === 'ConfigMap') as Manifest;

  test('synthesizes a ServiceAccount, a ConfigMap, a CronJob and a NetworkPolicy that pass strict schema validation', () => {
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'CronJob', 'NetworkPolicy']);
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(objects.find((o) => o.kind === 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });
  });

  test('runs the drift program of the runtime image on its configuration, PSS restricted', () => {
    const pod = (cron.spec as Spec).jobTemplate.spec.template.spec;
    expect(pod.containers[0].args).toEqual(['drift', '--config', '/etc/tenant-monitoring/drift.json']);
    expect(pod.containers[0].image).toMatch(/^ghcr\.io\/cdk8s-tenant-monitoring\/runtime:\d+\.\d+\.\d+$/);
    expect(podTemplates(objects).flatMap(restrictedViolations)).toEqual([]);
  });

  test('bounds concurrency, deadlines, retries and history', () => {
    expect(cron.spec).toMatchObject({ schedule: '0 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect((cron.spec as Spec).jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 1800 });
  });

  test('writes a configuration the drift program parses back, with the common-practice defaults', () => {
    const parsed = parseDriftJobConfig((config as Spec).data['drift.json']);
    expect(parsed.methods.map((m) => m.toJson())).toEqual(DriftMethod.defaults().map((m) => m.toJson()));
    expect(parsed.features[1].methods?.map((m) => m.toJson())).toEqual([{ method: 'psi', warn: 0.05, alert: 0.2, bins: 10, epsilon: 1e-4 }]);
    expect(parsed.source).toEqual({ type: 'prometheus', url: platform.prometheusUrl, tenantLabel: 'tenant', modelLabel: 'model', categoryLabel: 'category' });
    // The results carry the tenant's namespace, so the tenant's namespace-scoped rules read them.
    expect(parsed.pushgateway).toEqual({ url: platform.pushgatewayUrl, job: 'ml-drift', grouping: { namespace: 'acme' } });
    expect(parsed.windows.reference.range.toPrometheus()).toBe('7d');
  });

  test('admits nothing and reaches only the Prometheus it reads and the Pushgateway', () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy') as Manifest;
    const pods = (name: string, instance: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } },
    });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'drift', 'app.kubernetes.io/instance': 'drift-acme-scorer' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        { to: [pods('prometheus', 'platform')], ports: [{ protocol: 'TCP', port: 9090 }] },
        { to: [pods('pushgateway', 'pushgateway')], ports: [{ protocol: 'TCP', port: 9091 }] },
      ],
    });
    const labels = (cron.spec as Spec).jobTemplate.spec.template.metadata.labels;
    expect([labels['monitoring.cdk8s.io/queries-prometheus'], labels['monitoring.cdk8s.io/pushes-metrics']]).toEqual(['true', 'true']);
    // Another in-cluster Prometheus (a Thanos query frontend): its namespace, on its port.
    const thanos = synthDrift({ prometheusUrl: 'http://thanos-query.observability.svc:10902' }).find((o) => o.kind === 'NetworkPolicy') as Manifest;
    expect((thanos.spec as Spec).egress[0]).toEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 10902 }] });
  });

  test('fails a Prometheus URL outside the cluster', () => {
    expect(() => synthDrift({ prometheusUrl: 'https://prometheus.example.com' })).toThrow(
      'test/Drift: prometheusUrl: got "https://prometheus.example.com"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name');
  });

  test('fails a bad cron schedule', () => {
    expect(() => synthDrift({ schedule: '61 * * * *' })).toThrow(
      'test/Drift/Job: schedule: got "61 * * * *" (minute value "61" is outside 0-59); allowed: a 5-field cron schedule "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"; day-of-week 0-6 or SUN-SAT), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>, without TZ= or CRON_TZ= (use the CronJob\'s timeZone)');
  });

  test('fails a model name that is not a DNS label', () => {
    expect(() => synthDrift({ model: 'Fraud_Scorer' })).toThrow('test/Drift: model: got "Fraud_Scorer"; allowed: a DNS-1123 label');
  });

  test('fails a feature the program would reject, at the construct', () => {
    expect(() => synthDrift({ features: [{ name: 'amount', kind: 'numeric' }] })).toThrow(
      /^test\/Drift: config\.features\[0\]\.metric: got nothing; allowed: a Prometheus metric name \(required when source.type is prometheus\)$/);
  });

  test('fails KS on a categorical feature', () => {
    expect(() => synthDrift({ features: [{ name: 'country', kind: 'categorical', metric: 'm', methods: [DriftMethod.ks()] }] })).toThrow(/^test\/Drift: config\.features\[0\]\.methods\[0\]: /);
  });

  test('fails an unbounded deadline', () => {
    expect(() => synthDrift({ activeDeadlineSeconds: 0 })).toThrow('test/Drift/Job: activeDeadlineSeconds: got 0; allowed: a whole number from 10 to 86400');
  });
});

describe('MlAnomalyJob', () => {
  test('schedules the anomaly program every 15 minutes with a seeded forest', () => {
    const chart = Testing.chart();
    const job = new MlAnomalyJob(chart, 'Anomaly', { ...platform, model: 'scorer', series: [{ name: 'rate', query: 'sum(rate(http_requests_total{tenant="acme"}[5m]))' }], step: Duration.minutes(1) });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects.flatMap(validateManifest)).toEqual([]);
    const cron = objects.find((o) => o.kind === 'CronJob') as Manifest;
    expect((cron.spec as Spec).schedule).toBe('*/15 * * * *');
    expect((cron.spec as Spec).jobTemplate.spec.template.spec.containers[0].args).toEqual(['anomaly', '--config', '/etc/tenant-monitoring/anomaly.json']);
    expect(job.config.forest).toEqual({ trees: 100, subsampleSize: 256, seed: 1 });
  });

  test('fails a series query that is not PromQL', () => {
    expect(() => new MlAnomalyJob(Testing.chart(), 'Anomaly', { ...platform, model: 'scorer', series: [{ name: 'rate', query: 'sum(rate(x[5m])' }] }))
      .toThrow(/^test\/Anomaly: config\.series\[0\]\.query: got "sum\(rate\(x\[5m\]\)"/);
  });
});
