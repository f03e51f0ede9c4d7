import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { requireTool, runTool } from '../support/tools';

const amtool = requireTool('amtool');
type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The Alertmanager configuration exactly as synthesized into the platform's Secret, written to a
 * directory with its templates; every receiver (Discord and Teams included) is checked as
 * synthesized.
 */
function writeSynthesizedConfig(env: string): { file: string; config: Config } {
  const { objects } = synthEnvironment(env);
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'alertmanager-platform-config') as Manifest & { stringData: Record<string, string> };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `am-${env}-`));
  const config = parse(secret.stringData['alertmanager.yaml']) as Config;
  fs.writeFileSync(path.join(dir, 'notifications.tmpl'), secret.stringData['notifications.tmpl']);
  config.templates = [path.join(dir, '*.tmpl')];
  const file = path.join(dir, 'alertmanager.yaml');
  fs.writeFileSync(file, stringify(config));
  return { file, config };
}

function receiversFor(file: string, labels: Record<string, string>): string[] {
  const out = runTool(amtool, ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  return out.trim().split(',').sort();
}

describe.each(ENVIRONMENT_NAMES)('the synthesized Alertmanager configuration of %s', (env) => {
  const { file, config } = writeSynthesizedConfig(env);

  test('passes amtool check-config', () => {
    const out = runTool(amtool, ['check-config', file]);
    expect(out).toContain('SUCCESS');
    expect(out).toContain('1 templates');
  });

  test('contains no credential, only files mounted from Secrets', () => {
    const text = stringify(config);
    expect(text).not.toMatch(/hooks\.slack\.com|api_url:|routing_key:|auth_password:|webhook_url:|credentials:/);
    expect(text).toMatch(/\/etc\/alertmanager\/secrets\/alerting-credentials\//);
  });

  test('checks every notifier kind the environment uses, Discord and Teams included', () => {
    const kinds = new Set((config.receivers as Config[]).flatMap((r) => Object.keys(r).filter((k) => k.endsWith('_configs'))));
    const expected: Record<string, string[]> = {
      dev: ['slack_configs', 'webhook_configs'],
      staging: ['discord_configs', 'email_configs', 'slack_configs', 'webhook_configs'],
      prod: ['discord_configs', 'email_configs', 'msteams_configs', 'pagerduty_configs', 'slack_configs', 'webhook_configs'],
    };
    expect([...kinds].sort()).toEqual(expected[env]);
  });

  test('routes every tenant alert to the tenant\'s own receivers', () => {
    for (const tenant of ['acme-ai', 'globex-ml']) {
      const receivers = receiversFor(file, { alertname: 'TenantHighErrorRate', tenant, severity: 'warning' });
      expect(receivers.length).toBeGreaterThan(0);
      for (const r of receivers) expect(r.startsWith(`${tenant}-`) || r.startsWith('platform-')).toBe(true);
      expect(receivers.some((r) => r.startsWith(`${tenant}-`))).toBe(true);
    }
  });

  test('sends alerts asking for remediation to the controller webhook', () => {
    expect(receiversFor(file, { alertname: 'SecurityRequestFlood', tenant: 'acme-ai', severity: 'critical', remediation_action: 'block-ip' })).toContain('remediation');
  });

  test('catches alerts without a tenant at the platform receivers', () => {
    const receivers = receiversFor(file, { alertname: 'PlatformComponentDown', severity: 'warning', component: 'grafana' });
    expect(receivers.length).toBeGreaterThan(0);
    for (const r of receivers) expect(r.startsWith('platform-')).toBe(true);
  });

  test('pages through PagerDuty only where the environment pages', () => {
    const receivers = receiversFor(file, { alertname: 'PlatformComponentDown', severity: 'critical', component: 'prometheus' });
    expect(receivers.includes('platform-pager')).toBe(env === 'prod');
  });
});
