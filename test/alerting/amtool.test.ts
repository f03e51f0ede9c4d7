import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEV, EnvironmentProfile, PROD, STAGING } from '../../src/core/environment';
import { requireTool, runTool } from '../support/tools';
import { buildRouting } from './fixtures';

const amtool = requireTool('amtool');

function writeConfig(profile: EnvironmentProfile): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `amtool-${profile.name}-`));
  const { routing } = buildRouting(profile, { discordAndTeams: true });
  fs.writeFileSync(path.join(dir, 'notifications.tmpl'), routing.renderTemplates());
  const file = path.join(dir, 'alertmanager.yaml');
  fs.writeFileSync(file, routing.renderConfig({ templateDirectory: dir }));
  return file;
}

function receiversFor(file: string, labels: Record<string, string>): string[] {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const out = runTool(amtool, ['config', 'routes', 'test', `--config.file=${file}`, ...args]);
  return out.trim().split(',').sort();
}

describe('amtool', () => {
  test.each([DEV, STAGING, PROD])('check-config accepts the $name configuration with its templates', (profile) => {
    const file = writeConfig(profile);
    const out = runTool(amtool, ['check-config', file]);
    expect(out).toContain('SUCCESS');
    expect(out).toContain('1 templates');
    expect(out).toMatch(/3 inhibit rules/);
  });

  // Every severity, level and tenant, with the receivers it must reach (and no others). The
  // platform's chat receivers (Slack, Discord, Teams) serve L1 and L2 together.
  const PLATFORM_CHATS = ['platform-chat', 'platform-discord', 'platform-teams'];
  const PROD_TABLE: Array<[Record<string, string>, string[]]> = [
    [{ severity: 'info' }, [...PLATFORM_CHATS, 'remediation']],
    [{ severity: 'warning' }, [...PLATFORM_CHATS, 'platform-oncall']],
    [{ severity: 'critical' }, ['platform-pager']],
    [{ severity: 'critical', remediation_action: 'block-ip' }, [...PLATFORM_CHATS, 'remediation']],
    [{ severity: 'warning', escalation: 'L1' }, [...PLATFORM_CHATS, 'remediation']],
    [{ severity: 'critical', escalation: 'L2' }, [...PLATFORM_CHATS, 'platform-oncall']],
    [{ severity: 'warning', escalation: 'L3' }, ['platform-pager']],
    [{ severity: 'warning', escalation: 'L4' }, ['vendor-emergency']],
    [{ alertname: 'NoSeverity' }, ['platform-chat']],
    [{ tenant: 'acme', severity: 'info' }, ['acme-chat', 'remediation']],
    [{ tenant: 'acme', severity: 'warning' }, ['acme-chat', 'acme-mail']],
    [{ tenant: 'acme', severity: 'critical' }, ['platform-pager']],
    [{ tenant: 'acme', severity: 'critical', remediation_action: 'restart' }, ['acme-chat', 'remediation']],
    [{ tenant: 'acme', severity: 'warning', escalation: 'L4' }, ['vendor-emergency']],
    [{ tenant: 'acme', alertname: 'NoSeverity' }, ['acme-chat']],
    [{ tenant: 'beta', severity: 'info' }, [...PLATFORM_CHATS, 'remediation']],
    [{ tenant: 'beta', severity: 'warning' }, [...PLATFORM_CHATS, 'platform-oncall']],
    [{ tenant: 'beta', severity: 'critical' }, ['beta-pager']],
    [{ tenant: 'beta', severity: 'warning', escalation: 'L3' }, ['beta-pager']],
    [{ tenant: 'unknown', severity: 'critical' }, ['platform-pager']],
  ];

  // Dev uses chat and webhooks only: pages fall back to the nearest lower level's receivers.
  const DEV_TABLE: Array<[Record<string, string>, string[]]> = [
    [{ severity: 'info' }, ['platform-chat', 'remediation']],
    [{ severity: 'warning' }, ['platform-chat']],
    [{ severity: 'critical' }, ['platform-chat']],
    [{ severity: 'warning', escalation: 'L4' }, ['vendor-emergency']],
    [{ tenant: 'acme', severity: 'warning' }, ['acme-chat']],
    [{ tenant: 'acme', severity: 'critical' }, ['acme-chat']],
    [{ tenant: 'acme', severity: 'info' }, ['acme-chat', 'remediation']],
    [{ tenant: 'beta', severity: 'critical' }, ['platform-chat']],
  ];

  describe.each([
    [PROD, PROD_TABLE],
    [DEV, DEV_TABLE],
  ])('routing table for $name', (profile, table) => {
    const file = writeConfig(profile);
    test.each(table)('%j reaches %j', (labels, expected) => {
      expect(receiversFor(file, labels)).toEqual([...expected].sort());
    });
  });
});
