import { App, Chart } from 'cdk8s';
import { EnvironmentProfile } from '../../src/core/environment';
import { AlertRouting, Receiver } from '../../src/alerting';
import { SecretKeyRef } from '../../src/core/secret-ref';

/** The credential Secret every fixture declares. */
export const CREDENTIALS = 'alerting-credentials';

/** Shorthand for a key of the fixture Secret. */
export const cred = (key: string): SecretKeyRef => SecretKeyRef.of(CREDENTIALS, key);

/**
 * A routing with platform receivers of every kind (chat, on-call mail, pager, remediation webhook,
 * an L4 vendor webhook; Discord and Teams chats with `discordAndTeams`) and two tenants: `acme` (own chat for L1-L2 and mail for L2) and `beta`
 * (own pager only).
 */
export function buildRouting(profile: EnvironmentProfile, opts: { discordAndTeams?: boolean } = {}): { app: App; routing: AlertRouting } {
  const app = new App();
  const chart = new Chart(app, profile.name);
  const routing = new AlertRouting(chart, 'Routing', { profile, namespace: 'monitoring', grafanaUrl: 'https://grafana.example.com' });
  routing.addSecret(CREDENTIALS, ['slack-url', 'smtp-password', 'pagerduty-key', 'remediation-token', 'vendor-token', 'discord-url', 'teams-url']);
  routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#platform-alerts', webhookUrl: cred('slack-url') }));
  routing.addReceiver(Receiver.email({
    name: 'platform-oncall', to: 'oncall@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587',
    authUsername: 'alertmanager', authPassword: cred('smtp-password'),
  }));
  routing.addReceiver(Receiver.pagerduty({ name: 'platform-pager', routingKey: cred('pagerduty-key') }));
  routing.addReceiver(Receiver.webhook({ name: 'remediation', url: 'http://remediation-controller.monitoring.svc:8080/alerts', bearerToken: cred('remediation-token') }));
  routing.addReceiver(Receiver.webhook({ name: 'vendor-emergency', url: 'https://vendor.example.com/hooks/emergency', bearerToken: cred('vendor-token'), levels: ['L4'], shared: false }));
  if (opts.discordAndTeams) {
    routing.addReceiver(Receiver.discord({ name: 'platform-discord', webhookUrl: cred('discord-url') }));
    routing.addReceiver(Receiver.msteams({ name: 'platform-teams', webhookUrl: cred('teams-url') }));
  }
  routing.addTenantRoute('acme', [
    Receiver.slack({ name: 'acme-chat', channel: '#acme-alerts', webhookUrl: cred('slack-url') }),
    Receiver.email({ name: 'acme-mail', to: 'acme-team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587' }),
  ]);
  routing.addTenantRoute('beta', [Receiver.pagerduty({ name: 'beta-pager', routingKey: cred('pagerduty-key') })]);
  return { app, routing };
}
