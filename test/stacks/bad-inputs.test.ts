import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart } from 'cdk8s';
import { DEV } from '../../src/core/environment';
import { Duration } from '../../src/core/duration';
import { TenantSpec } from '../../src/core/tenant';
import { AlertRule, RuleGroup } from '../../src/prometheus/model';
import { defaultTenantRuleGroups } from '../../src/prometheus/packs';
import { baselineRuleGroups, TenantMonitoringStack, TenantMonitoringStackProps } from '../../src/tenancy/tenant-monitoring-stack';
import { synthAll, synthToDirectory } from '../../stacks/main';
import { App } from 'cdk8s';
import { AlertRouting } from '../../src/alerting/alert-routing';
import { Receiver } from '../../src/alerting/receivers';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { MetricCatalogue } from '../../src/core/metric-catalogue';
import { Scalable } from '../../src/scaling/scalable';

const tenant: TenantSpec = { id: 'acme', contacts: { team: 'acme' } };
const alert: AlertRule = {
  alert: 'ApiDown', expr: 'up{job="api"} == 0', for: Duration.minutes(5), severity: 'critical',
  summary: 'API down', description: 'The API is down.', runbookUrl: 'https://runbooks.example.com/ApiDown',
};
/** The index of the first user group: after the baseline and the default rule packs. */
const N = baselineRuleGroups().length + defaultTenantRuleGroups(DEV, 'acme').length;
const group = (rules: RuleGroup['rules'], name = 'custom'): RuleGroup => ({ name, rules });

const PRODUCED = 'a metric of the metric catalogue, one recorded by a rule of the app, or one added with MetricCatalogue.of(app).addApplicationMetric()';

/** A bad input: props for one tenant stack and the exact error synth must report. */
type Case = [description: string, props: Partial<TenantMonitoringStackProps>, message: string];

const cases: Case[] = [
  ['an upper-case tenant id', { tenant: { ...tenant, id: 'Acme' } },
    'dev/acme: tenant.id: got "Acme"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit'],
  ['a tenant id longer than 63 characters', { tenant: { ...tenant, id: 'a'.repeat(64) } },
    `dev/acme: tenant.id: got "${'a'.repeat(64)}"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit`],
  ['a tenant id ending in a dash', { tenant: { ...tenant, id: 'acme-' } },
    'dev/acme: tenant.id: got "acme-"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit'],
  ['a tenant named like the monitoring namespace', { tenant: { ...tenant, id: 'monitoring' } },
    'dev/acme: tenant.id: got "monitoring"; allowed: a tenant id other than the monitoring namespace "monitoring"'],
  ['an unknown tier', { tenant: { ...tenant, tier: 'gold' as never } },
    'dev/acme: tenant.tier: got "gold"; allowed: basic, standard, premium'],
  ['an empty team', { tenant: { ...tenant, contacts: { team: ' ' } } },
    'dev/acme: tenant.contacts.team: got " "; allowed: a non-empty team name'],
  ['a malformed e-mail contact', { tenant: { ...tenant, contacts: { team: 'acme', email: 'acme-at-example' } } },
    'dev/acme: tenant.contacts.email: got "acme-at-example"; allowed: an e-mail address such as team@example.com'],
  ['a quota that is not a quantity', { tenant: { ...tenant, quotas: { requestsCpu: 'lots' } } },
    'dev/acme: tenant.quotas.requestsCpu: got "lots"; allowed: a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi'],
  ['CPU requests above CPU limits (min > max)', { tenant: { ...tenant, quotas: { requestsCpu: '32', limitsCpu: '16' } } },
    'dev/acme: tenant.quotas.requestsCpu: got "32" (minimum exceeds maximum); allowed: at most tenant.quotas.limitsCpu (16)'],
  ['a container minimum above the default request (min > max)', { tenant: { ...tenant, quotas: { containerMinMemory: '1Gi' } } },
    'dev/acme: tenant.quotas.containerMinMemory: got "1Gi" (minimum exceeds maximum); allowed: at most tenant.quotas.defaultRequestMemory (128Mi)'],
  ['a negative pod count', { tenant: { ...tenant, quotas: { pods: -1 } } },
    'dev/acme: tenant.quotas.pods: got -1; allowed: a whole number from 0 to 100000'],
  ['a wrong scrape duration', { scrape: { interval: '30 seconds' } },
    'dev/acme: scrape.interval: got "30 seconds"; allowed: a Prometheus duration such as 30s, 5m, 1h30m or 7d (units y w d h m s ms, largest first, each once)'],
  ['a scrape port name that is too long', { scrape: { port: 'prometheus-metrics' } },
    'dev/acme: scrape.port: got "prometheus-metrics"; allowed: a Service port name: at most 15 lower-case letters, digits and -'],
  ['an invalid PromQL expression', { ruleGroups: [group([{ ...alert, expr: 'rate(http_requests_total[5m]' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].expr: got "rate(http_requests_total[5m]" (unexpected end of expression); allowed: a PromQL expression`],
  ['a duplicate alert name', { ruleGroups: [group([alert, { ...alert, expr: 'up == 0' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[1].alert: got "ApiDown" (already defined at groups[${N}](custom).rules[0]); allowed: an alert name not used by another rule`],
  ['an alert that redefines a default alert', { ruleGroups: [group([{ ...alert, alert: 'TenantTargetDown' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].alert: got "TenantTargetDown" (already defined at groups[0](tenant-baseline).rules[0]); allowed: an alert name not used by another rule`],
  ['a duplicate group name', { ruleGroups: [group([alert], 'tenant-baseline')] },
    `dev/acme/Rules: groups[${N}].name: got "tenant-baseline" (duplicate group); allowed: a group name not used by another group`],
  ['an unknown severity', { ruleGroups: [group([{ ...alert, severity: 'urgent' as never }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0](ApiDown).severity: got "urgent"; allowed: info, warning, critical`],
  ['an alert without a runbook', { ruleGroups: [group([{ ...alert, runbookUrl: '' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0](ApiDown).runbookUrl: got ""; allowed: an absolute http:// or https:// URL`],
  ['an alert without a summary', { ruleGroups: [group([{ ...alert, summary: '' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0](ApiDown).summary: got ""; allowed: a non-empty text`],
  ['a reserved label name', { ruleGroups: [group([{ ...alert, labels: { __team: 'x' } }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].labels: got "__team"; allowed: a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __ (reserved)`],
  ['a recording rule with an invalid name', { ruleGroups: [group([{ record: 'tenant requests', expr: 'sum(up)' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].record: got "tenant requests"; allowed: a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*`],
  ['a rule that reads another tenant\'s series', { ruleGroups: [group([{ ...alert, expr: 'up{tenant="globex"} == 0' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].expr: got "up{tenant=\\"globex\\"} == 0" (selector up{tenant="globex"} already constrains 'tenant'); allowed: selectors without a 'tenant' matcher, or with exactly tenant="acme"`],
  ['an empty rule group', { ruleGroups: [group([])] },
    `dev/acme/Rules: groups[${N}].rules: got []; allowed: at least one rule`],
  ['a rule that reads a metric nobody produces', { ruleGroups: [group([{ ...alert, expr: 'rate(nonexistent_metric_total[5m]) > 0' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].expr: got "nonexistent_metric_total" (read by alert ApiDown of PrometheusRule acme/tenant-rules; nothing produces it); allowed: ${PRODUCED}`],
  ['a recording rule that reads a metric nobody produces', { ruleGroups: [group([{ record: 'tenant:orders:rate5m', expr: 'sum(rate(checkout_orders_total[5m]))' }])] },
    `dev/acme/Rules: groups[${N}](custom).rules[0].expr: got "checkout_orders_total" (read by recording rule tenant:orders:rate5m of PrometheusRule acme/tenant-rules; nothing produces it); allowed: ${PRODUCED}`],
];

function freshOutputDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-')), 'dist');
}

describe('bad input fails synth with the construct path, the field and what is allowed', () => {
  test('the table covers at least 15 bad inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  test.each(cases)('fails %s', (_description, props, message) => {
    const outputDir = freshOutputDir();
    const build = () => synthToDirectory(outputDir, [
      { name: 'good', build: (app) => new TenantMonitoringStack(new Chart(app, 'ok'), 'ok', { tenant: { id: 'ok', contacts: { team: 'ok' } }, environment: DEV }) },
      { name: 'dev', build: (app) => new TenantMonitoringStack(new Chart(app, 'dev'), 'acme', { tenant, environment: DEV, ...props }) },
    ]);
    expect(build).toThrow(message);
    // Nothing is written, not even the environment that was valid.
    expect(fs.existsSync(outputDir)).toBe(false);
  });

  // Bad input in the other constructs of an environment fails the same way.
  const otherCases: Array<[string, (app: App) => void, string]> = [
    ['a drift job with an invalid cron schedule', (app) => {
      const stack = new TenantMonitoringStack(new Chart(app, 'dev'), 'acme', { tenant, environment: DEV });
      stack.addModel({ name: 'scorer', drift: { schedule: '*/5 * * *', features: [{ name: 'x', kind: 'numeric', metric: 'ml_feature_x' }] } });
    }, 'dev/acme/Drift-scorer/Job: schedule: got "*/5 * * *" (4 fields); allowed: a 5-field cron schedule "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"; day-of-week 0-6 or SUN-SAT), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>, without TZ= or CRON_TZ= (use the CronJob\'s timeZone)'],
    ['an autoscaler whose minimum exceeds its maximum', (app) => {
      const stack = new TenantMonitoringStack(new Chart(app, 'dev'), 'acme', { tenant, environment: DEV });
      stack.addAutoScaling({ id: 'api', minReplicas: 10, maxReplicas: 5, target: Scalable.fromDeploymentName(undefined, 'acme', 'api', { containersWithRequests: ['api'], podSelector: { matchLabels: { app: 'api' } } }) });
    }, 'dev/acme/Scaling-api: minReplicas: got 10 (minReplicas exceeds maxReplicas); allowed: at most maxReplicas (5)'],
    ['a route to an unknown receiver', (app) => {
      const routing = new AlertRouting(new Chart(app, 'dev'), 'Routing', { profile: DEV, namespace: 'monitoring' });
      routing.addSecret('alerting', ['slack-url']);
      routing.addReceiver(Receiver.slack({ name: 'chat', channel: '#a', webhookUrl: SecretKeyRef.of('alerting', 'slack-url') }));
      routing.addTenantRoute('acme', ['acme-pager']);
    }, 'dev/Routing: route.routes[0].receiver: got "acme-pager" (unknown receiver); allowed: one of the receivers: chat'],
    ['a receiver whose Secret is not declared', (app) => {
      const routing = new AlertRouting(new Chart(app, 'dev'), 'Routing', { profile: DEV, namespace: 'monitoring' });
      routing.addReceiver(Receiver.slack({ name: 'chat', channel: '#a', webhookUrl: SecretKeyRef.of('alerting', 'slack-url') }));
    }, 'dev/Routing: receivers[0](chat).secretRef: got "alerting/slack-url" (missing Secret); allowed: a Secret declared with addSecret() (declared: none)'],
  ];

  test.each(otherCases)('fails %s', (_description, build, message) => {
    const outputDir = freshOutputDir();
    expect(() => synthToDirectory(outputDir, [{ name: 'dev', build }])).toThrow(message);
    expect(fs.existsSync(outputDir)).toBe(false);
  });

  test('a rule on an application metric of the tenant\'s own passes once the metric is added to the catalogue', () => {
    const rules = [group([{ record: 'tenant:orders:rate5m', expr: 'sum(rate(checkout_orders_total[5m]))' }, { ...alert, expr: 'tenant:orders:rate5m == 0' }])];
    const viaProp = (app: App) => new TenantMonitoringStack(new Chart(app, 'dev'), 'acme', {
      tenant, environment: DEV, ruleGroups: rules, applicationMetrics: [{ name: 'checkout_orders_total', description: 'orders placed' }],
    });
    const viaCatalogue = (app: App) => {
      MetricCatalogue.of(app).addApplicationMetric({ name: 'checkout_orders_total', description: 'orders placed' });
      new TenantMonitoringStack(new Chart(app, 'dev'), 'acme', { tenant, environment: DEV, ruleGroups: rules });
    };
    for (const build of [viaProp, viaCatalogue]) {
      const outputDir = freshOutputDir();
      synthToDirectory(outputDir, [{ name: 'dev', build }]);
      expect(fs.readdirSync(path.join(outputDir, 'dev')).length).toBeGreaterThan(0);
    }
  });

  test('fails an application metric with a malformed name', () => {
    expect(() => MetricCatalogue.of(new App()).addApplicationMetric({ name: 'checkout orders', description: 'x' })).toThrow(
      'MetricCatalogue: addApplicationMetric.name: got "checkout orders"; allowed: a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
  });

  test('fails an unknown MONITORING_ENV without writing anything', () => {
    const outputDir = freshOutputDir();
    expect(() => synthAll({ MONITORING_ENV: 'qa', OUTPUT_DIR: outputDir })).toThrow(
      'MONITORING_ENV: got "qa"; allowed: one of dev, staging, prod, or unset for all');
    expect(fs.existsSync(outputDir)).toBe(false);
  });

  test('fails a TENANT_ID that is not a tenant without writing anything', () => {
    const outputDir = freshOutputDir();
    expect(() => synthAll({ TENANT_ID: 'initech', OUTPUT_DIR: outputDir })).toThrow(
      'TENANT_ID: got "initech"; allowed: one of acme-ai, globex-ml');
    expect(fs.existsSync(outputDir)).toBe(false);
  });

  test('fails a malformed PROMETHEUS_URL', () => {
    expect(() => synthAll({ PROMETHEUS_URL: 'prometheus:9090', OUTPUT_DIR: freshOutputDir() })).toThrow(
      'environment variables: PROMETHEUS_URL: got "prometheus:9090"; allowed: an absolute http:// or https:// URL');
  });

  test('leaves a previous good output untouched when a later synth fails', () => {
    const outputDir = freshOutputDir();
    synthAll({ MONITORING_ENV: 'dev', OUTPUT_DIR: outputDir });
    const before = fs.readdirSync(path.join(outputDir, 'dev')).map((f) => fs.readFileSync(path.join(outputDir, 'dev', f), 'utf8'));
    expect(before.length).toBeGreaterThan(0);
    expect(() => synthToDirectory(outputDir, [{ name: 'dev', build: (app) => new TenantMonitoringStack(new Chart(app, 'dev'), 'x', { tenant: { ...tenant, id: 'X' }, environment: DEV }) }])).toThrow('tenant.id');
    const after = fs.readdirSync(path.join(outputDir, 'dev')).map((f) => fs.readFileSync(path.join(outputDir, 'dev', f), 'utf8'));
    expect(after).toEqual(before);
  });
});

describe('the settings the synth entry point reads', () => {
  const read = (dir: string, match: RegExp) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n').match(match)?.[0];

  test('PROMETHEUS_URL is the Prometheus the ML jobs and KEDA scalers query', () => {
    const out = freshOutputDir();
    synthAll({ MONITORING_ENV: 'dev', OUTPUT_DIR: out, PROMETHEUS_URL: 'http://thanos-query.observability.svc:9090' });
    expect(read(path.join(out, 'dev'), /"url": "http:\/\/thanos-query[^"]*"/)).toBe('"url": "http://thanos-query.observability.svc:9090"');
    expect(read(path.join(out, 'dev'), /serverAddress: http:\/\/thanos-query\S*/)).toBe('serverAddress: http://thanos-query.observability.svc:9090');
  });

  test('GRAFANA_URL is Grafana\'s root URL and the link in notifications', () => {
    const out = freshOutputDir();
    synthAll({ MONITORING_ENV: 'dev', OUTPUT_DIR: out, GRAFANA_URL: 'https://grafana.acme.example' });
    const text = fs.readdirSync(path.join(out, 'dev')).map((f) => fs.readFileSync(path.join(out, 'dev', f), 'utf8')).join('\n');
    expect(text).toContain('value: https://grafana.acme.example');
    expect(text).toContain('"https://grafana.acme.example"');
  });

  test('TENANT_ID writes only that tenant\'s chart next to the platform', () => {
    const out = freshOutputDir();
    synthAll({ MONITORING_ENV: 'staging', OUTPUT_DIR: out, TENANT_ID: 'globex-ml' });
    expect(fs.readdirSync(path.join(out, 'staging')).sort()).toEqual(['0000-platform.k8s.yaml', '0001-tenant-globex-ml.k8s.yaml', 'kustomization.yaml']);
  });
});
