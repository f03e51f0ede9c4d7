import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { PROD } from '../../src/core/environment';
import { TenantTier } from '../../src/core/tenant';
import { escalationAlertName, escalationRuleGroup } from '../../src/prometheus/escalation';
import { RenderedGroup, renderRuleGroups, RuleGroup } from '../../src/prometheus/model';
import { securityPack } from '../../src/prometheus/packs';
import { AlertTestCase, ExpectedAlert, InputSeries, promtoolTest } from './packs/promtool';
import { requireTool, runTool } from '../support/tools';

const runbookUrl = 'https://example.com/runbooks/Test.md';

/** Alerts at each starting level, besides the packs' own L1 alert (SecurityRequestFlood). */
const sources: RuleGroup = {
  name: 'sources',
  rules: [
    { alert: 'TestWarning', expr: 'test_signal{kind="warning"} > 0', severity: 'warning', summary: 's', description: 'd', runbookUrl },
    { alert: 'TestCriticalNoEscalation', expr: 'test_signal{kind="quiet"} > 0', severity: 'critical', labels: { escalate: 'false' }, summary: 's', description: 'd', runbookUrl },
  ],
};

function render(tier: TenantTier): RenderedGroup[] {
  return renderRuleGroups([...securityPack(PROD), sources, escalationRuleGroup(PROD, { tier })], { tenant: 'acme', commonLabels: { environment: 'prod' } });
}

/**
 * Run promtool with the escalation group evaluated after the groups it watches. Without
 * `group_eval_order` promtool evaluates groups in map order, so an escalation would start
 * one evaluation later at random (as it may in Prometheus, where groups run concurrently).
 */
function runPromtool(groups: ReadonlyArray<RenderedGroup>, cases: ReadonlyArray<AlertTestCase>): string {
  const promtool = requireTool('promtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-escalation-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      group_eval_order: groups.map((g) => g.name),
      tests: cases.map((c) => promtoolTest(groups, c)),
    }, { lineWidth: 0 }));
    return runTool(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir }) + runTool(promtool, ['test', 'rules', 'tests.yaml'], { cwd: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const flood = 'http_requests_by_source_total{tenant="acme", namespace="acme", source_ip="203.0.113.7"}';
/**
 * 150 requests per second from one source for 90 minutes (SecurityRequestFlood: pending at 1m,
 * firing at 3m), then none; sampled every 30 s like the deployed scrapes (Prometheus 3's
 * left-open `rate(…[1m])` sees a single sample, and no rate, in 1-minute samples).
 */
const FLOOD: InputSeries = { series: flood, values: '0+4500x180 810000x60' };
const FLOOD_INTERVAL = '30s';
const floodLabels = { tenant: 'acme', namespace: 'acme', source_ip: '203.0.113.7' };
/** The escalation alerts' expression labels: the original's, its name and severity, no remediation action. */
const escalated = { ...floodLabels, environment: 'prod', escalated_alertname: 'SecurityRequestFlood', escalated_severity: 'critical' };

const at = (evalTime: string, ...alerts: Array<Record<string, string>>): ExpectedAlert => ({ evalTime, alerts });

describe('time-based escalation in promtool', () => {
  // PROD, standard tier: L1 10m, L2 15m, L3 30m. The flood fires at t0 = 3m (L1, remediation).
  test('the whole ladder: L1 at t0, L2 after 10m, L3 after 15m more, L4 after 30m more, nothing after resolution', () => {
    const groups = render('standard');
    const series = [FLOOD];
    const cases: AlertTestCase[] = [
      { name: 'L1: the original', alert: 'SecurityRequestFlood', interval: FLOOD_INTERVAL, series, expect: [
        at('2m'), at('3m', floodLabels), at('90m', floodLabels), at('92m'),
      ] },
      { name: 'L2', alert: escalationAlertName('L2'), interval: FLOOD_INTERVAL, series, expect: [
        at('3m'), at('12m'), at('13m', escalated), at('58m', escalated), at('91m'), at('92m'),
      ] },
      { name: 'L3', alert: escalationAlertName('L3'), interval: FLOOD_INTERVAL, series, expect: [
        at('13m'), at('27m'), at('28m', escalated), at('58m', escalated), at('91m'), at('92m'),
      ] },
      { name: 'L4', alert: escalationAlertName('L4'), interval: FLOOD_INTERVAL, series, expect: [
        at('28m'), at('57m'), at('58m', escalated), at('90m', escalated), at('91m'), at('120m'),
      ] },
    ];
    expect(runPromtool(groups, cases)).toContain('SUCCESS');
  });

  // L2 after t0 + 10m × factor: basic 20m, standard 10m, premium 5m; premium's L3 after 7m30s more (evaluated each minute: 8m).
  test.each([
    ['basic', '22m', '23m'],
    ['standard', '12m', '13m'],
    ['premium', '7m', '8m'],
  ] as const)('the %s tier escalates to L2 no earlier than its delay (silent at %s, firing at %s)', (tier, before, after) => {
    const cases: AlertTestCase[] = [{ name: `${tier} L2`, alert: escalationAlertName('L2'), interval: FLOOD_INTERVAL, series: [FLOOD], expect: [at(before), at(after, escalated)] }];
    expect(runPromtool(render(tier), cases)).toContain('SUCCESS');
  });

  test('premium escalates the whole ladder faster than standard', () => {
    const cases: AlertTestCase[] = [
      { name: 'premium L3', alert: escalationAlertName('L3'), interval: FLOOD_INTERVAL, series: [FLOOD], expect: [at('15m'), at('16m', escalated)] },
      { name: 'premium L4', alert: escalationAlertName('L4'), interval: FLOOD_INTERVAL, series: [FLOOD], expect: [at('30m'), at('31m', escalated)] },
    ];
    expect(runPromtool(render('premium'), cases)).toContain('SUCCESS');
  });

  test('a warning starts at L2 and escalates to L3 only; an alert labelled escalate="false" never escalates', () => {
    const series: InputSeries[] = [
      { series: 'test_signal{tenant="acme", kind="warning"}', values: '1x60' },
      { series: 'test_signal{tenant="acme", kind="quiet"}', values: '1x60' },
    ];
    const warning = { tenant: 'acme', kind: 'warning', environment: 'prod', escalated_alertname: 'TestWarning', escalated_severity: 'warning' };
    const cases: AlertTestCase[] = [
      { name: 'no L2 for a warning', alert: escalationAlertName('L2'), interval: '1m', series, expect: [at('30m'), at('60m')] },
      // Firing at 0m; L2's delay is 15m.
      { name: 'L3 for a warning', alert: escalationAlertName('L3'), interval: '1m', series, expect: [at('14m'), at('15m', warning)] },
      // L3's delay is 30m more.
      { name: 'L4 for a warning', alert: escalationAlertName('L4'), interval: '1m', series, expect: [at('44m'), at('45m', warning)] },
    ];
    expect(runPromtool(render('standard'), cases)).toContain('SUCCESS');
  });
});
