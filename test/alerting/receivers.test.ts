import { parse } from 'yaml';
import { Receiver } from '../../src/alerting';
import { SecretKeyRef } from '../../src/core/secret-ref';

const ref = SecretKeyRef.of('alerting-credentials', 'key');
const FILE = '/etc/alertmanager/secrets/alerting-credentials/key';

describe('Receiver factories', () => {
  test.each([
    ['slack', Receiver.slack({ name: 'r', channel: '#a', webhookUrl: ref }), 'slack_configs', 'api_url_file'],
    ['pagerduty', Receiver.pagerduty({ name: 'r', routingKey: ref }), 'pagerduty_configs', 'routing_key_file'],
    ['discord', Receiver.discord({ name: 'r', webhookUrl: ref }), 'discord_configs', 'webhook_url_file'],
    ['msteams', Receiver.msteams({ name: 'r', webhookUrl: ref }), 'msteams_configs', 'webhook_url_file'],
    ['email', Receiver.email({ name: 'r', to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:587', authUsername: 'u', authPassword: ref }), 'email_configs', 'auth_password_file'],
  ])('%s reads its credential from the mounted Secret file', (_kind, receiver, configs, field) => {
    const rendered = receiver.render() as Record<string, Array<Record<string, unknown>>>;
    expect(rendered[configs][0][field]).toBe(FILE);
    expect(receiver.secretRefs).toEqual([ref]);
  });

  test('the webhook sends a bearer token from credentials_file and keeps its URL', () => {
    const r = Receiver.webhook({ name: 'remediation', url: 'http://controller:8080/alerts', bearerToken: ref });
    expect(r.render()).toEqual({
      name: 'remediation',
      webhook_configs: [{ send_resolved: true, url: 'http://controller:8080/alerts', max_alerts: 0, http_config: { authorization: { type: 'Bearer', credentials_file: FILE } } }],
    });
    expect(r.shared).toBe(true);
    expect(r.levels).toEqual(['L1']);
  });

  test('secrets are mounted where the render context says', () => {
    const r = Receiver.slack({ name: 'r', channel: '#a', webhookUrl: ref });
    expect(JSON.stringify(r.render({ secretsDirectory: '/tmp/x' }))).toContain('"/tmp/x/alerting-credentials/key"');
  });

  test('templates carry tenant, summary, runbook and dashboard', () => {
    const slack = parse(JSON.stringify(Receiver.slack({ name: 'r', channel: '#a', webhookUrl: ref }).render())) as { slack_configs: Array<Record<string, string>> };
    expect(slack.slack_configs[0].text).toBe('{{ template "tm.chat.text" . }}');
    expect(slack.slack_configs[0].title_link).toBe('{{ template "tm.dashboard_url" . }}');
  });

  test.each([
    ['fails for a Slack channel with spaces', () => Receiver.slack({ name: 'r', channel: '#a b', webhookUrl: ref }),
      'receiver(r): channel: got "#a b"; allowed: a Slack channel such as #team-alerts (no spaces, at most 80 characters)'],
    ['fails for an inlined Slack URL', () => Receiver.slack({ name: 'r', channel: '#a', webhookUrl: 'https://hooks.slack.com/x' as unknown as SecretKeyRef }),
      'receiver(r): webhookUrl: got "https://hooks.slack.com/x"; allowed: a SecretKeyRef (SecretKeyRef.of(secretName, key)); credentials are never inlined'],
    ['fails for a bad receiver name', () => Receiver.pagerduty({ name: 'on call', routingKey: ref }),
      'receiver(on call): name: got "on call"; allowed: a receiver name: 1-128 characters of A-Z a-z 0-9 - _ ., starting with a letter or digit'],
    ['fails for a bad e-mail recipient', () => Receiver.email({ name: 'm', to: 'nobody', from: 'a@example.com', smarthost: 'smtp:25' }),
      'receiver(m): to: got "nobody"; allowed: one or more e-mail addresses separated by commas'],
    ['fails for a smarthost without port', () => Receiver.email({ name: 'm', to: 'a@example.com', from: 'a@example.com', smarthost: 'smtp.example.com' }),
      'receiver(m): smarthost: got "smtp.example.com"; allowed: an SMTP server as host:port, e.g. smtp.example.com:587'],
    ['fails for a password without user', () => Receiver.email({ name: 'm', to: 'a@example.com', from: 'a@example.com', smarthost: 'smtp:25', authPassword: ref }),
      'receiver(m): authUsername: got nothing; allowed: a user name whenever authPassword is set'],
    ['fails for a webhook URL with a password', () => Receiver.webhook({ name: 'w', url: 'https://user:pw@example.com/' }),
      'receiver(w): url: got "https://user:pw@example.com/"; allowed: a URL without user name or password (use bearerToken)'],
    ['fails for an unknown level', () => Receiver.webhook({ name: 'w', url: 'https://example.com/', levels: ['L5' as 'L1'] }),
      'receiver(w): levels: got ["L5"]; allowed: one or more of L1, L2, L3, L4'],
    ['fails for a bad Secret key', () => SecretKeyRef.of('creds', 'a/b'),
      '<secret>: secret.key: got "a/b"; allowed: a Secret data key: 1-253 characters of a-z A-Z 0-9 - _ .'],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});
