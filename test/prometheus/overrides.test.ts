import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { Duration } from '../../src/core/duration';
import { CONTROL_PLANE_COMPONENTS, PROD } from '../../src/core/environment';
import { AlertRule, isAlertRule, RenderedGroup, renderRuleGroups, RuleGroup } from '../../src/prometheus/model';
import { AlertOverrideLayers, AlertOverrides, mergeAlertOverrides } from '../../src/prometheus/overrides';
import {
  applicationPack, defaultTenantRuleGroups, platformRuleGroups, TENANT_ALERT_THRESHOLDS, TenantAlertOverrides,
} from '../../src/prometheus/packs';
import { TenantMonitoringStack } from '../../src/tenancy/tenant-monitoring-stack';
import { requireTool, runTool } from '../support/tools';

const alertsOf = (groups: ReadonlyArray<RuleGroup>): AlertRule[] => groups.flatMap((g) => g.rules).filter(isAlertRule);
const alert = (groups: ReadonlyArray<RuleGroup>, name: string): AlertRule | undefined => alertsOf(groups).find((a) => a.alert === name);
const tenantRules = (layers: AlertOverrideLayers<TenantAlertOverrides>): RuleGroup[] => defaultTenantRuleGroups(PROD, 'acme', { alertOverrides: layers });
/** Overrides as read from a file: not checked by the compiler, only at synth. */
const untyped = (o: AlertOverrides): TenantAlertOverrides => o as TenantAlertOverrides;

describe('per-alert overrides', () => {
  test('the threshold table names every alert of the default tenant rules', () => {
    expect(Object.keys(TENANT_ALERT_THRESHOLDS).sort()).toEqual(alertsOf(defaultTenantRuleGroups(PROD, 'acme')).map((a) => a.alert).sort());
  });

  test('every named threshold changes its alert and no other rule', () => {
    const base = defaultTenantRuleGroups(PROD, 'acme');
    for (const [name, kinds] of Object.entries(TENANT_ALERT_THRESHOLDS)) {
      for (const [threshold, kind] of Object.entries(kinds)) {
        const value = kind === 'duration' ? Duration.hours(9) : 0.37;
        const changed = tenantRules({ tenant: untyped({ [name]: { thresholds: { [threshold]: value } } }) });
        const differing = changed.flatMap((g) => g.rules).filter((r, i) => JSON.stringify(r) !== JSON.stringify(base.flatMap((x) => x.rules)[i]));
        expect(differing.map((r) => (isAlertRule(r) ? r.alert : r.record))).toEqual([name]);
      }
    }
  });

  // Valid overrides and what they change on the rule.
  const VALID: Array<[string, TenantAlertOverrides, (groups: RuleGroup[]) => unknown, unknown]> = [
    ['a threshold', { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } }, (g) => alert(g, 'TenantHighErrorRate')?.expr, 'tenant:http_errors:ratio_rate5m > 0.02'],
    ['a threshold (in the description too)', { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } }, (g) => alert(g, 'TenantHighErrorRate')?.description, 'More than 2 % of requests have failed for 5 minutes.'],
    ['a duration threshold', { MlDriftJobStale: { thresholds: { driftJobMaxAge: Duration.hours(6) } } }, (g) => alert(g, 'MlDriftJobStale')?.expr, 'time() - ml_drift_last_success_timestamp_seconds > 21600'],
    ['one of two alerts sharing a parameter', { TenantDiskFullPredicted: { thresholds: { predictionHorizon: Duration.hours(8) } } },
      (g) => [alert(g, 'TenantDiskFullPredicted')?.expr, alert(g, 'TenantMemoryExhaustionPredicted')?.expr.includes('14400')],
      ['predict_linear(kubelet_volume_stats_available_bytes[6h], 28800) < 0', true]],
    ['the capacity ratio', { TenantThroughputNearCapacity: { thresholds: { warningRatio: 0.5 } } }, (g) => alert(g, 'TenantThroughputNearCapacity')?.expr, 'sum by (tenant) (rate(http_requests_total[5m])) > 5000'],
    ['disable', { BusinessCostPerRequestHigh: { disable: true } }, (g) => [alert(g, 'BusinessCostPerRequestHigh'), alertsOf(g).length], [undefined, Object.keys(TENANT_ALERT_THRESHOLDS).length - 1]],
    ['for (in the description too)', { TenantHighLatency: { for: Duration.minutes(30) } },
      (g) => [alert(g, 'TenantHighLatency')?.for?.toPrometheus(), alert(g, 'TenantHighLatency')?.description], ['30m', 'The p95 request duration has been above 200 ms for 30 minutes.']],
    ['for of an SLO alert', { ApiErrorsBurnRateTicket: { for: Duration.minutes(15) } }, (g) => alert(g, 'ApiErrorsBurnRateTicket')?.for?.toPrometheus(), '15m'],
    ['severity', { TenantCpuSaturation: { severity: 'critical' } }, (g) => alert(g, 'TenantCpuSaturation')?.severity, 'critical'],
    ['labels, merged over the alert\'s', { SecurityRequestFlood: { labels: { team: 'secops' } } }, (g) => alert(g, 'SecurityRequestFlood')?.labels, { remediation_action: 'block-ip', team: 'secops' }],
    ['annotations', { MlDriftDetected: { annotations: { dashboard_url: 'https://grafana.example.com/d/drift' } } }, (g) => alert(g, 'MlDriftDetected')?.annotations, { dashboard_url: 'https://grafana.example.com/d/drift' }],
  ];

  test.each(VALID)('%s', (_name, overrides, pick, expected) => {
    expect(pick(tenantRules({ tenant: overrides }))).toEqual(expected);
    expect(pick(tenantRules({ environment: overrides }))).toEqual(expected);
  });

  test('the tenant layer goes over the environment layer, field by field', () => {
    const groups = tenantRules({
      environment: {
        TenantHighErrorRate: { thresholds: { errorRatio: 0.1 }, for: Duration.minutes(15), labels: { team: 'platform', tier: 'gold' } },
        BusinessCostPerRequestHigh: { disable: true },
        BusinessActiveUsersDrop: { disable: true },
      },
      tenant: {
        TenantHighErrorRate: { thresholds: { errorRatio: 0.02 }, labels: { team: 'acme' } },
        BusinessCostPerRequestHigh: { disable: false },
      },
    });
    const rule = alert(groups, 'TenantHighErrorRate');
    expect([rule?.expr, rule?.for?.toPrometheus(), rule?.labels]).toEqual(['tenant:http_errors:ratio_rate5m > 0.02', '15m', { team: 'acme', tier: 'gold' }]);
    expect(alert(groups, 'BusinessCostPerRequestHigh')).toBeDefined();
    expect(alert(groups, 'BusinessActiveUsersDrop')).toBeUndefined();
  });

  test('merging keeps what a later layer leaves out', () => {
    expect(mergeAlertOverrides({ A: { severity: 'info', annotations: { a: '1' } } }, { A: { annotations: { b: '2' } } }, undefined)).toEqual({ A: { severity: 'info', annotations: { a: '1', b: '2' } } });
  });

  test('a pack takes overrides on its own, and a group left without rules is dropped', () => {
    const groups = applicationPack(PROD, { overrides: { TenantHighErrorRate: { disable: true }, TenantHighLatency: { disable: true }, TenantThroughputDrop: { disable: true } } });
    expect(groups.map((g) => g.rules.length)).toEqual([4]);
    const platform = platformRuleGroups(PROD, { alertOverrides: Object.fromEntries(['PlatformComponentDown', 'KubeApiserverErrorRate', 'KubeApiserverLatencyHigh', 'EtcdNoLeader', 'KubeSchedulerDown', 'KubeControllerManagerDown'].map((a) => [a, { disable: true }])) });
    expect(platform).toEqual([]);
  });

  test('the compiler rejects unknown alerts and thresholds', () => {
    // @ts-expect-error no such alert
    const unknownAlert: TenantAlertOverrides = { TenantHighErrorRat: { disable: true } };
    // @ts-expect-error no such threshold of this alert
    const unknownThreshold: TenantAlertOverrides = { TenantHighErrorRate: { thresholds: { latencyP95Seconds: 1 } } };
    expect([unknownAlert, unknownThreshold]).toHaveLength(2);
  });

  const TENANT_NAMES = Object.keys(TENANT_ALERT_THRESHOLDS).sort().join(', ');
  const INVALID: Array<[string, AlertOverrideLayers, string]> = [
    ['an unknown alert', { tenant: { TenantHighErrorRat: { disable: true } } },
      `<packs>: alertOverrides.tenant.TenantHighErrorRat: got "TenantHighErrorRat" (no such alert); allowed: the name of an alert of the tenant rule packs: ${TENANT_NAMES}`],
    ['an unknown alert in the environment layer', { environment: { PlatformComponentDown: { disable: true } } },
      `<packs>: alertOverrides.environment.PlatformComponentDown: got "PlatformComponentDown" (no such alert); allowed: the name of an alert of the tenant rule packs: ${TENANT_NAMES}`],
    ['a threshold the alert does not have', { tenant: { TenantHighErrorRate: { thresholds: { errRatio: 0.02 } } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.thresholds.errRatio: got "errRatio" (no such threshold); allowed: a threshold of TenantHighErrorRate: errorRatio'],
    ['another alert\'s threshold', { tenant: { TenantThroughputDrop: { thresholds: { errorRatio: 0.02 } } } },
      '<packs>: alertOverrides.tenant.TenantThroughputDrop.thresholds.errorRatio: got "errorRatio" (no such threshold); allowed: a threshold of TenantThroughputDrop: throughputDropRatio, throughputMinRps'],
    ['a threshold of an alert without thresholds', { tenant: { MlDriftDetected: { thresholds: { score: 1 } } } },
      '<packs>: alertOverrides.tenant.MlDriftDetected.thresholds.score: got "score" (no such threshold); allowed: no thresholds: MlDriftDetected has no named thresholds (use disable, for, severity, labels or annotations)'],
    ['a ratio above 1', { tenant: { TenantHighErrorRate: { thresholds: { errorRatio: 5 } } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.thresholds.errorRatio: got 5; allowed: a ratio above 0 and at most 1'],
    ['a number for a duration', { tenant: { MlDriftJobStale: { thresholds: { driftJobMaxAge: 3600 } } } },
      '<packs>: alertOverrides.tenant.MlDriftJobStale.thresholds.driftJobMaxAge: got 3600; allowed: a Duration above zero, e.g. Duration.minutes(10)'],
    ['a negative number', { tenant: { SecurityAuthFailureBurst: { thresholds: { authFailuresPer5m: -1 } } } },
      '<packs>: alertOverrides.tenant.SecurityAuthFailureBurst.thresholds.authFailuresPer5m: got -1; allowed: a number above 0'],
    ['an unknown field', { tenant: { TenantHighErrorRate: { threshold: 0.1 } as AlertOverrides[string] } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.threshold: got "threshold" (no such override field); allowed: one of disable, thresholds, for, severity, labels, annotations'],
    ['a severity that does not exist', { tenant: { TenantHighErrorRate: { severity: 'page' as 'critical' } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.severity: got "page"; allowed: info, warning, critical'],
    ['for as a string', { tenant: { TenantHighErrorRate: { for: '5m' as unknown as Duration } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.for: got "5m"; allowed: a Duration, e.g. Duration.minutes(10)'],
    ['a severity label', { tenant: { TenantHighErrorRate: { labels: { severity: 'info' } } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.labels.severity: got "severity"; allowed: labels other than severity, tenant and alertname (set the severity with its own field)'],
    ['a tenant label', { environment: { TenantHighErrorRate: { labels: { tenant: 'other' } } } },
      '<packs>: alertOverrides.environment.TenantHighErrorRate.labels.tenant: got "tenant"; allowed: labels other than severity, tenant and alertname (set the severity with its own field)'],
    ['a summary annotation', { tenant: { TenantHighErrorRate: { annotations: { summary: 'x' } } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.annotations.summary: got "summary"; allowed: annotations other than summary, description and runbook_url'],
    ['disable as a string', { tenant: { TenantHighErrorRate: { disable: 'yes' as unknown as boolean } } },
      '<packs>: alertOverrides.tenant.TenantHighErrorRate.disable: got "yes"; allowed: true or false'],
    ['an unknown layer', { cluster: {} } as AlertOverrideLayers,
      '<packs>: alertOverrides.cluster: got "cluster" (no such layer); allowed: environment or tenant'],
  ];

  test.each(INVALID)('fails for %s', (_name, layers, message) => {
    expect(() => tenantRules(layers as AlertOverrideLayers<TenantAlertOverrides>)).toThrow(message);
  });

  test('fails at synth with the construct path of the tenant stack', () => {
    const stack = (alertOverrides: AlertOverrideLayers<TenantAlertOverrides>) => new TenantMonitoringStack(new Chart(new App(), 'prod'), 'acme', {
      tenant: { id: 'acme', contacts: { team: 'acme' } }, environment: PROD, alertOverrides,
    });
    const valid = stack({ environment: { BusinessCostPerRequestHigh: { disable: true } }, tenant: { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } } });
    expect(valid.rules.alertNames).not.toContain('BusinessCostPerRequestHigh');
    expect(valid.rules.renderGroups().flatMap((g) => g.rules).find((r) => r.alert === 'TenantHighErrorRate')?.expr).toBe('tenant:http_errors:ratio_rate5m{tenant="acme"} > 0.02');
    expect(() => stack({ tenant: untyped({ NoSuchAlert: {} }) })).toThrow(
      /^prod\/acme: alertOverrides\.tenant\.NoSuchAlert: got "NoSuchAlert" \(no such alert\); allowed: the name of an alert of the tenant rule packs: ApiErrorsBurnRatePage, /);
  });
});

describe('control-plane alerts follow what the platform scrapes', () => {
  const names = (profile = PROD): string[] => alertsOf(platformRuleGroups(profile)).map((a) => a.alert);
  const CONTROL_PLANE = ['KubeApiserverErrorRate', 'KubeApiserverLatencyHigh', 'EtcdNoLeader', 'KubeSchedulerDown', 'KubeControllerManagerDown'];

  test('a profile that scrapes no control-plane component gets no control-plane alert', () => {
    expect(PROD.scrapedControlPlane).toBeUndefined();
    expect(names()).toEqual(['PlatformComponentDown']);
  });

  test('each scraped component brings its alerts, in a fixed order', () => {
    expect(names({ ...PROD, scrapedControlPlane: [...CONTROL_PLANE_COMPONENTS].reverse() })).toEqual(['PlatformComponentDown', ...CONTROL_PLANE]);
    expect(names({ ...PROD, scrapedControlPlane: ['kube-scheduler'] })).toEqual(['PlatformComponentDown', 'KubeSchedulerDown']);
    expect(names({ ...PROD, scrapedControlPlane: ['apiserver', 'kube-controller-manager'] })).toEqual(['PlatformComponentDown', 'KubeApiserverErrorRate', 'KubeApiserverLatencyHigh', 'KubeControllerManagerDown']);
  });

  test.each(['eks', 'gke', 'aks'] as const)('%s may scrape the API server', (managed) => {
    expect(names({ ...PROD, managedControlPlane: managed, scrapedControlPlane: ['apiserver'] })).toEqual(['PlatformComponentDown', 'KubeApiserverErrorRate', 'KubeApiserverLatencyHigh']);
  });

  test('an override of an alert left out is accepted and has nothing to change', () => {
    expect(names()).toEqual(alertsOf(platformRuleGroups(PROD, { alertOverrides: { EtcdNoLeader: { severity: 'warning' } } })).map((a) => a.alert));
  });

  test('fails for an unknown managed service', () => {
    expect(() => platformRuleGroups({ ...PROD, managedControlPlane: 'openshift' as 'eks' })).toThrow('<packs>: profile.managedControlPlane: got "openshift"; allowed: eks, gke, aks');
  });

  test('fails for a component a managed control plane keeps out of reach', () => {
    expect(() => platformRuleGroups({ ...PROD, managedControlPlane: 'eks', scrapedControlPlane: ['apiserver', 'kube-scheduler'] })).toThrow(
      '<packs>: profile.scrapedControlPlane[1]: got "kube-scheduler"; allowed: apiserver (eks runs etcd, kube-scheduler, kube-controller-manager out of reach)');
  });

  test('fails for an unknown or repeated component', () => {
    expect(() => platformRuleGroups({ ...PROD, scrapedControlPlane: ['kube-proxy' as 'etcd'] })).toThrow(
      '<packs>: profile.scrapedControlPlane[0]: got "kube-proxy"; allowed: apiserver, etcd, kube-scheduler, kube-controller-manager');
    expect(() => platformRuleGroups({ ...PROD, scrapedControlPlane: ['etcd', 'etcd'] })).toThrow(
      '<packs>: profile.scrapedControlPlane[1]: got "etcd"; allowed: each component once');
  });

  test('fails for a platform override naming an alert the platform does not have', () => {
    expect(() => platformRuleGroups(PROD, { alertOverrides: untyped({ TenantHighErrorRate: { disable: true } }) as never })).toThrow(
      '<packs>: alertOverrides.TenantHighErrorRate: got "TenantHighErrorRate" (no such alert); allowed: the name of an alert of the platform rule packs: EtcdNoLeader, KubeApiserverErrorRate, KubeApiserverLatencyHigh, KubeControllerManagerDown, KubeSchedulerDown, PlatformComponentDown');
  });
});

/** Run promtool `tests` against `groups`; returns its output, throws with it on failure. */
function promtool(groups: ReadonlyArray<RenderedGroup>, tests: ReadonlyArray<Record<string, unknown>>): string {
  const tool = requireTool('promtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-overrides-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
    return runTool(tool, ['test', 'rules', 'tests.yaml'], { cwd: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('overrides in promtool', () => {
  const render = (overrides: TenantAlertOverrides): RenderedGroup[] =>
    renderRuleGroups(applicationPack(PROD, { overrides }), { tenant: 'acme' });
  /** A constant error ratio of `ratio` (per mille resolution), 600 requests a minute. */
  const errors = (perMille: number) => [
    { series: 'http_requests_total{tenant="acme", code="500"}', values: `0+${(600 * perMille) / 1000}x30` },
    { series: 'http_requests_total{tenant="acme", code="200"}', values: `0+${600 - (600 * perMille) / 1000}x30` },
  ];
  const fires = (perMille: number, yes: boolean) => ({
    interval: '1m',
    input_series: errors(perMille),
    promql_expr_test: [{ expr: 'count(ALERTS{alertname="TenantHighErrorRate", alertstate="firing"})', eval_time: '15m', exp_samples: yes ? [{ labels: '{}', value: 1 }] : [] }],
  });

  test('the default threshold, the profile\'s error ratio (0.1 %), fires at 0.5 % errors and not at 0.05 %', () => {
    expect(PROD.thresholds.errorRatio).toBe(0.001);
    expect(promtool(render({}), [fires(5, true), fires(0.5, false)])).toContain('SUCCESS');
  });

  test('an overridden threshold of 2 % fires at 3 % errors; one of 20 % stays silent at 10 %', () => {
    expect(promtool(render({ TenantHighErrorRate: { thresholds: { errorRatio: 0.02 } } }), [fires(30, true), fires(100, true)])).toContain('SUCCESS');
    expect(promtool(render({ TenantHighErrorRate: { thresholds: { errorRatio: 0.2 } } }), [fires(100, false)])).toContain('SUCCESS');
  });

  test('an overridden for delays the alert', () => {
    const held = render({ TenantHighErrorRate: { for: Duration.minutes(20) } });
    const at = (evalTime: string, yes: boolean) => ({ ...fires(100, yes).promql_expr_test[0], eval_time: evalTime });
    expect(promtool(held, [{ ...fires(100, true), promql_expr_test: [at('15m', false), at('22m', true)] }])).toContain('SUCCESS');
  });

  test('a disabled alert is absent under input that fires it by default', () => {
    const groups = render({ TenantHighErrorRate: { disable: true } });
    expect(groups.flatMap((g) => g.rules).map((r) => r.alert).filter(Boolean)).toEqual(['TenantHighLatency', 'TenantThroughputDrop']);
    expect(promtool(groups, [fires(100, false)])).toContain('SUCCESS');
  });
});
