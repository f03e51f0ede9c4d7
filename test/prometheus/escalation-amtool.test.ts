import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROD } from '../../src/core/environment';
import { escalationRuleGroup } from '../../src/prometheus/escalation';
import { renderRuleGroups } from '../../src/prometheus/model';
import { buildRouting } from '../alerting/fixtures';
import { requireTool, runTool } from '../support/tools';

const amtool = requireTool('amtool');
const profile = PROD;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amtool-escalation-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = path.join(dir, 'alertmanager.yaml');
const { routing } = buildRouting(profile, { discordAndTeams: true });
fs.writeFileSync(path.join(dir, 'notifications.tmpl'), routing.renderTemplates());
fs.writeFileSync(config, routing.renderConfig({ templateDirectory: dir }));

function receiversFor(labels: Readonly<Record<string, string>>): string[] {
  const out = runTool(amtool, ['config', 'routes', 'test', `--config.file=${config}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  return out.trim().split(',').sort();
}

/** The labels an escalation alert reaches Alertmanager with: the rule's own plus what its expression keeps of the original. */
function escalationLabels(tenant: string, alert: string): Record<string, string> {
  const [group] = renderRuleGroups([escalationRuleGroup(profile)], { tenant, commonLabels: { environment: 'prod' } });
  const rule = group.rules.find((r) => r.alert === alert)!;
  return { alertname: alert, escalated_alertname: 'SecurityRequestFlood', escalated_severity: 'critical', namespace: tenant, source_ip: '203.0.113.7', ...rule.labels };
}

describe('amtool routes escalation alerts to the next level\'s receivers', () => {
  test('the original (L1: remediation) and each escalation of it, for tenant acme', () => {
    expect(receiversFor({ alertname: 'SecurityRequestFlood', tenant: 'acme', severity: 'critical', remediation_action: 'block-ip' })).toEqual(['acme-chat', 'remediation']);
    expect(receiversFor(escalationLabels('acme', 'AlertEscalatedToL2'))).toEqual(['acme-chat', 'acme-mail']);
    expect(receiversFor(escalationLabels('acme', 'AlertEscalatedToL3'))).toEqual(['platform-pager']);
    expect(receiversFor(escalationLabels('acme', 'AlertEscalatedToL4'))).toEqual(['vendor-emergency']);
  });

  test('an escalation="L3" alert reaches the L3 receivers of its tenant (beta has its own pager)', () => {
    const labels = escalationLabels('beta', 'AlertEscalatedToL3');
    expect(labels).toMatchObject({ escalation: 'L3', severity: 'critical', tenant: 'beta' });
    expect(receiversFor(labels)).toEqual(['beta-pager']);
  });
});
