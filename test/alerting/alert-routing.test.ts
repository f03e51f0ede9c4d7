import { App, Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import { AlertRouting, escalationLevelOf, LevelReceivers, Receiver, resolveLevelReceivers } from '../../src/alerting';
import { Matcher } from '../../src/core/matcher';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { DEV, ESCALATION_LEVELS, PROD } from '../../src/core/environment';
import { buildRouting, cred, CREDENTIALS } from './fixtures';

describe('AlertRouting', () => {
  test('renders the configuration and templates into one Secret', () => {
    const { app, routing } = buildRouting(PROD, { discordAndTeams: true });
    const [secret] = Testing.synth(app.charts[0]);
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata).toMatchObject({ name: 'alertmanager-main-config', namespace: 'monitoring' });
    expect(Object.keys(secret.stringData).sort()).toEqual(['alertmanager.yaml', 'notifications.tmpl']);
    expect(routing.configSecretName).toBe('alertmanager-main-config');
    expect(routing.credentialSecrets).toEqual([CREDENTIALS]);
    const config = parse(secret.stringData['alertmanager.yaml']);
    expect(config.templates).toEqual(['/etc/alertmanager/config/notifications.tmpl']);
    expect(config.route.group_by).toEqual(['alertname', 'tenant', 'namespace']);
    expect(config.receivers.map((r: { name: string }) => r.name)).toEqual([
      'platform-chat', 'platform-oncall', 'platform-pager', 'remediation', 'vendor-emergency', 'platform-discord', 'platform-teams', 'acme-chat', 'acme-mail', 'beta-pager',
    ]);
  });

  test('no URL, key or password appears in the output; every credential is a mounted file', () => {
    const { routing } = buildRouting(PROD, { discordAndTeams: true });
    const text = routing.renderConfig();
    const fileFields = [...text.matchAll(/(\w+_file): (\S+)/g)].map((m) => [m[1], m[2]]);
    expect(fileFields.length).toBe(9); // every receiver except acme-mail, which sends without SMTP auth
    for (const [, path] of fileFields) expect(path).toMatch(/^\/etc\/alertmanager\/secrets\/alerting-credentials\/[a-z-]+$/);
    expect(text).not.toMatch(/\b(api_url|routing_key|service_key|webhook_url|auth_password|credentials):/);
    // The only URLs are the in-cluster remediation service and the vendor hook (not credentials).
    expect([...text.matchAll(/https?:\/\/[^\s'"]+/g)].map((m) => m[0]).sort()).toEqual([
      'http://remediation-controller.monitoring.svc:8080/alerts', 'https://vendor.example.com/hooks/emergency',
    ]);
  });

  test('receivers of kinds the profile does not use are left out', () => {
    const { routing } = buildRouting(DEV, { discordAndTeams: true });
    const config = parse(routing.renderConfig());
    expect(config.receivers.map((r: { name: string }) => r.name)).toEqual(['platform-chat', 'remediation', 'vendor-emergency', 'acme-chat']);
  });

  test('level timing comes from the profile', () => {
    const { routing } = buildRouting(PROD);
    const config = parse(routing.renderConfig());
    const critical = config.route.routes.find((r: { matchers?: string[] }) => r.matchers?.[0] === 'severity="critical"');
    expect(critical).toMatchObject({ receiver: 'platform-pager', group_wait: '10s', group_interval: '1m', repeat_interval: '30m' });
    expect(config.route).toMatchObject({ receiver: 'platform-chat', group_wait: '15s', group_interval: '2m', repeat_interval: '1h' });
  });

  test('a tenant route can be limited to business hours', () => {
    const app = new App();
    const routing = new AlertRouting(new Chart(app, 'c'), 'Routing', { profile: DEV, namespace: 'monitoring' });
    routing.addSecret(CREDENTIALS, ['slack-url']);
    routing.addReceiver(Receiver.slack({ name: 'chat', channel: '#a', webhookUrl: cred('slack-url') }));
    routing.addTimeInterval({ name: 'business-hours', periods: [{ weekdays: ['monday:friday'], times: [{ start: '08:00', end: '18:00' }] }] });
    routing.addTenantRoute('acme', ['chat'], { activeTimeIntervals: ['business-hours'] });
    const config = parse(routing.renderConfig());
    expect(config.route.routes[0]).toMatchObject({ matchers: ['tenant="acme"'], active_time_intervals: ['business-hours'] });
    expect(config.time_intervals).toEqual([{ name: 'business-hours', time_intervals: [{ weekdays: ['monday:friday'], times: [{ start_time: '08:00', end_time: '18:00' }] }] }]);
  });

  describe('whole-tree validation', () => {
    function routingWith(setup: (r: AlertRouting) => void): App {
      const app = new App();
      const routing = new AlertRouting(new Chart(app, 'prod'), 'Routing', { profile: PROD, namespace: 'monitoring' });
      routing.addSecret(CREDENTIALS, ['slack-url']);
      routing.addReceiver(Receiver.slack({ name: 'chat', channel: '#a', webhookUrl: cred('slack-url') }));
      setup(routing);
      return app;
    }
    test.each([
      ['fails for a route naming an unknown receiver', (r: AlertRouting) => r.addRoute({ matchers: [Matcher.eq('team', 'db')], receiver: 'dba-pager' }),
        'prod/Routing: route.routes[0].receiver: got "dba-pager" (unknown receiver); allowed: one of the receivers: chat'],
      ['fails for a tenant route naming an unknown receiver', (r: AlertRouting) => r.addTenantRoute('acme', ['acme-chat']),
        'prod/Routing: route.routes[0].receiver: got "acme-chat" (unknown receiver); allowed: one of the receivers: chat'],
      ['fails for a duplicate receiver', (r: AlertRouting) => r.addReceiver(Receiver.pagerduty({ name: 'chat', routingKey: cred('slack-url') })),
        'prod/Routing: receivers[1].name: got "chat" (duplicate receiver); allowed: a receiver name used once'],
      ['fails for a Secret that is not declared', (r: AlertRouting) => r.addReceiver(Receiver.pagerduty({ name: 'pager', routingKey: SecretKeyRef.of('pd-creds', 'key') })),
        'prod/Routing: receivers[1](pager).secretRef: got "pd-creds/key" (missing Secret); allowed: a Secret declared with addSecret() (declared: alerting-credentials)'],
      ['fails for a Secret key that is not declared', (r: AlertRouting) => r.addReceiver(Receiver.pagerduty({ name: 'pager', routingKey: cred('pd-key') })),
        'prod/Routing: receivers[1](pager).secretRef: got "alerting-credentials/pd-key" (missing Secret key); allowed: a key of Secret alerting-credentials (declared keys: slack-url)'],
      ['fails for an unknown time interval', (r: AlertRouting) => r.addTenantRoute('acme', ['chat'], { activeTimeIntervals: ['office'] }),
        'prod/Routing: route.routes[0].timeIntervals: got "office" (unknown time interval); allowed: a declared time interval: none declared'],
    ])('%s', (_name, setup, message) => {
      const app = routingWith(setup);
      expect(() => app.synth()).toThrow(message);
    });

    test('reports every problem at once', () => {
      const app = routingWith((r) => {
        r.addRoute({ receiver: 'a' });
        r.addRoute({ receiver: 'b' });
      });
      expect(() => app.synth()).toThrow(/unknown receiver[\s\S]*unknown receiver/);
    });

    test.each([
      ['fails for a matcher with a bad label', () => Matcher.eq('team-name', 'x'),
        '<matcher>: matcher: got "team-name" (bad label name); allowed: a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __ (reserved)'],
      ['fails for a matcher with a bad regex', () => Matcher.regex('team', '(db'),
        '<matcher>: matcher: got "team=~\\"(db\\"" (invalid regular expression: error parsing regexp: missing closing ): `^(?:(db)$`); allowed: a matcher label<op>"value" with a label name [a-zA-Z_][a-zA-Z0-9_]*, op one of = != =~ !~, and a valid RE2 regular expression (Go syntax, as Alertmanager reads it) for =~ and !~'],
      ['fails for a matcher that does not parse', () => Matcher.parse('severity == critical'),
        '<matcher>: matcher: got "severity == critical" (an unquoted value must not contain quotes, spaces, commas or braces); allowed: a matcher label<op>"value"'],
    ])('%s', (_name, build, message) => {
      expect(build).toThrow(message);
    });
  });

  test('Matcher.parse reads quoted and bare values', () => {
    expect(Matcher.parse('severity="critical"').toString()).toBe('severity="critical"');
    expect(Matcher.parse('team=~db|infra').toString()).toBe('team=~"db|infra"');
    expect(Matcher.parse('x!="a \\"q\\""').value).toBe('a "q"');
  });

  test('escalation levels follow the documented table', () => {
    expect(escalationLevelOf({ severity: 'critical' })).toBe('L3');
    expect(escalationLevelOf({ severity: 'warning' })).toBe('L2');
    expect(escalationLevelOf({ severity: 'info' })).toBe('L1');
    expect(escalationLevelOf({ severity: 'critical', remediation_action: 'restart' })).toBe('L1');
    expect(escalationLevelOf({ severity: 'warning', escalation: 'L4' })).toBe('L4');
    expect(escalationLevelOf({})).toBeUndefined();
  });

  test('level fallback leaves no level empty when any has receivers, and keeps levels that have their own', () => {
    const names = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 });
    fc.assert(fc.property(fc.tuple(names, names, names, names), fc.tuple(names, names, names, names), (own, fb) => {
      const toLevels = (arr: string[][]): LevelReceivers => ({ L1: arr[0], L2: arr[1], L3: arr[2], L4: arr[3] });
      const r = resolveLevelReceivers(toLevels(own), toLevels(fb));
      const any = [...own, ...fb].some((x) => x.length > 0);
      ESCALATION_LEVELS.forEach((l, i) => {
        if (own[i].length > 0) expect(r[l]).toEqual(own[i]);
        else if (fb[i].length > 0) expect(r[l]).toEqual(fb[i]);
        expect(r[l].length > 0).toBe(any);
      });
    }));
  });
});


describe('declared Secrets', () => {
  const routing = () => new AlertRouting(Testing.chart(), 'Routing', { profile: DEV, namespace: 'monitoring' });

  test('fails a Secret name that is not a DNS subdomain', () => {
    expect(() => routing().addSecret('Alerting_Creds', ['url'])).toThrow(
      'test/Routing: secrets.name: got "Alerting_Creds"; allowed: a DNS-1123 subdomain: at most 253 characters, dot-separated DNS labels');
  });

  test('fails a key that is not a Secret data key', () => {
    expect(() => routing().addSecret('alerting', ['slack/url'])).toThrow(
      'test/Routing: secrets.key: got "slack/url"; allowed: a Secret data key: 1-253 characters of a-z A-Z 0-9 - _ .');
  });

  test('fails a Secret without keys', () => {
    expect(() => routing().addSecret('alerting', [])).toThrow('test/Routing: secrets.alerting: got []; allowed: at least one key');
  });
});
