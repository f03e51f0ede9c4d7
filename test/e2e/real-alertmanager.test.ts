/**
 * Real components on loopback: the prod environment's Alertmanager, exactly as synthesized and
 * laid out as the Prometheus operator mounts it (test/support/operator-layout.ts), run as a
 * gossip cluster of `spec.replicas` real Alertmanager processes (the deployed release), delivering
 * to stand-ins of the Slack, Discord, Teams, PagerDuty, webhook and SMTP APIs
 * (test/support/loopback-apis.ts).
 *
 * Nothing of the configuration is edited but the mount path prefix. The credential files of the
 * Secrets in `spec.secrets` hold real-looking API URLs and keys; the API host names and the
 * configuration's own host names (the remediation controller's Service, the SMTP smarthost)
 * resolve to the stand-ins through the Alertmanager processes' own hosts file, and the stand-ins'
 * certificate is trusted through `SSL_CERT_FILE`. Timings are prod's own.
 *
 * Alerts are posted to every replica, as Prometheus sends them to every Alertmanager it discovers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackApis } from '../support/loopback-apis';
import { AlertmanagerLayout, layOutAlertmanager } from '../support/operator-layout';
import { AlertmanagerProcess, freePort } from '../support/processes';
import { synthEnvironment } from '../support/synth';

/** What the credential Secrets hold here: real-looking URLs and keys of the APIs. */
const CREDENTIALS: Record<string, string> = {
  'alerting-credentials/slack-url': 'https://hooks.slack.com/services/T0PLATFORM/B0PLATFORM/platform0e2e',
  'alerting-credentials/discord-url': 'https://discord.com/api/webhooks/100000000000000001/platform-e2e-token',
  'alerting-credentials/teams-url': 'https://platform.webhook.office.com/webhookb2/e2e/IncomingWebhook/vendor-bridge',
  'alerting-credentials/pagerduty-key': 'e2e0routing0key0000000000000000a',
  'alerting-credentials/smtp-password': 'e2e-smtp-password',
  'alerting-acme-ai/slack-url': 'https://hooks.slack.com/services/T0ACME/B0ACME/acme0ai0e2e',
  'alerting-globex-ml/slack-url': 'https://hooks.slack.com/services/T0GLOBEX/B0GLOBEX/globex0ml0e2e',
  'remediation-webhook-token/token': 'e2e-remediation-token-0123456789',
};
const credential = (secret: string, key: string): string => {
  const value = CREDENTIALS[`${secret}/${key}`];
  if (value === undefined) throw new Error(`the configuration reads ${secret}/${key}, which this test has no value for`);
  return value;
};

/** The peer timeout Alertmanager uses unless told otherwise (the custom resource leaves it). */
const PEER_TIMEOUT_MS = 15_000;

const figures: Record<string, unknown> = {};
let dir = '';
let apis: LoopbackApis | undefined;
let layout: AlertmanagerLayout | undefined;
const replicas: AlertmanagerProcess[] = [];
/** How long after a post every replica has decided: the longest group_wait plus each later peer's wait. */
let settleMs = 0;

const alert = (labels: Record<string, string>, startsAt: Date): Record<string, unknown> => ({
  labels,
  annotations: { summary: `${labels.alertname} on loopback`, runbook_url: `https://runbooks.example/${labels.alertname}` },
  startsAt: startsAt.toISOString(),
  endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postToAll(alerts: ReadonlyArray<Record<string, unknown>>, to: ReadonlyArray<AlertmanagerProcess> = replicas): Promise<void> {
  const statuses = await Promise.all(to.map((r) => r.postAlerts(alerts)));
  expect(statuses).toEqual(to.map(() => 200));
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs} ms; stand-in problems: ${JSON.stringify(apis?.problems)}\n`
        + `deliveries: ${JSON.stringify(apis?.deliveries.map((d) => `${d.api} ${d.target}`))}\nlog of replica 0:\n${replicas[0]?.log().slice(-2500)}`);
    }
    await sleep(250);
  }
}

async function clusterMembers(): Promise<number[]> {
  return Promise.all(replicas.map(async (r) => (await r.metric('alertmanager_cluster_members').catch(() => undefined)) ?? 0));
}

// The batch of alerts posted first, one per route of interest.
const TENANT_CRITICAL = { alertname: 'E2eTenantCritical', tenant: 'acme-ai', namespace: 'acme-ai', severity: 'critical' };
const PLATFORM_WARNING = { alertname: 'E2ePlatformWarning', severity: 'warning', component: 'e2e' };
const VENDOR_ESCALATION = { alertname: 'E2eVendorEscalation', severity: 'critical', escalation: 'L4' };
const TENANT_REMEDIATION = { alertname: 'E2eTenantRemediation', tenant: 'acme-ai', namespace: 'acme-ai', severity: 'warning', remediation_action: 'restart', deployment: 'inference-api' };
const TENANT_WARNING = { alertname: 'E2eTenantWarning', tenant: 'acme-ai', namespace: 'acme-ai', severity: 'warning' };
const AFTER_KILL = { alertname: 'E2eAfterKillTenantCritical', tenant: 'acme-ai', namespace: 'acme-ai', severity: 'critical' };

let firstPostAt = 0;
const firstBatch: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-alertmanager-'));
  const { objects } = synthEnvironment('prod');
  layout = layOutAlertmanager(objects, path.join(dir, 'root'), credential);
  const config = fs.readFileSync(layout.configFile, 'utf8');
  const smarthost = /smarthost: (\S+):(\d+)/.exec(config);
  if (!smarthost) throw new Error('the prod configuration has no e-mail smarthost');
  const webhookUrl = new URL(/url: (http:\/\/remediation-controller[^\s]+)/.exec(config)?.[1] ?? 'http://missing:1/');
  apis = await LoopbackApis.start({
    dir,
    httpsHosts: ['hooks.slack.com', 'discord.com', 'platform.webhook.office.com', 'events.pagerduty.com'],
    webhook: { host: webhookUrl.hostname, port: Number(webhookUrl.port), token: credential('remediation-webhook-token', 'token') },
    smtp: { host: smarthost[1], port: Number(smarthost[2]), username: 'alertmanager', password: credential('alerting-credentials', 'smtp-password') },
    pagerdutyRoutingKeys: [credential('alerting-credentials', 'pagerduty-key')],
  });

  const count = Number(layout.spec.replicas ?? 1);
  const clusterPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  for (let i = 0; i < count; i++) {
    replicas.push(await AlertmanagerProcess.start({
      configFile: layout.configFile,
      storageDir: path.join(dir, `alertmanager-${i}`),
      cluster: { listenPort: clusterPorts[i], peerPorts: clusterPorts.filter((_, j) => j !== i) },
      hostsFile: apis.hostsFile,
      caFile: apis.caFile,
      // As the operator runs it: retention from the custom resource, its cluster label.
      extraArgs: [`--data.retention=${String(layout.spec.retention ?? '120h')}`, '--cluster.label=monitoring/platform', '--cluster.reconnect-timeout=5m'],
    }));
  }
  const groupWaits = [...config.matchAll(/group_wait: (\d+)s/g)].map((m) => Number(m[1]) * 1000);
  settleMs = Math.max(...groupWaits) + (count - 1) * PEER_TIMEOUT_MS + 5_000;
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
  await apis?.close();
  if (process.env.E2E_LOG_DIR) replicas.forEach((r, i) => fs.writeFileSync(path.join(process.env.E2E_LOG_DIR as string, `alertmanager-${i}.log`), r.log()));
  // Figures for the closing note.
  console.log(`real Alertmanager e2e (prod configuration):\n${JSON.stringify({
    ...figures,
    notificationsPerApi: Object.fromEntries(['slack', 'discord', 'teams', 'pagerduty', 'webhook', 'email'].map((a) => [a, apis?.of(a).length ?? 0])),
    standInProblems: apis?.problems ?? [],
    secretFiles: [...new Set(layout?.secretFiles.map((f) => `${f.secret}/${f.key} ${f.mounted ? 'mounted' : 'NOT MOUNTED (not in spec.secrets)'}`))],
    rewrittenFields: layout ? [...new Set([...layout.rewritten.keys()].map((k) => k.replace(/\[\d+\]/g, '[]')))] : [],
  }, null, 2)}`);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the prod Alertmanager configuration on a real cluster', () => {
  test('the operator layout mounts only the Secrets of spec.secrets, and only path prefixes are rewritten', () => {
    const l = layout as AlertmanagerLayout;
    expect(l.spec.secrets).toEqual(expect.arrayContaining(['alerting-credentials']));
    for (const [field, original] of l.rewritten) {
      expect(original.startsWith('/etc/alertmanager/')).toBe(true);
      expect(field).toMatch(/(_file|^templates\[\d+\])$/);
    }
    const files = l.secretFiles.filter((f) => f.mounted);
    for (const f of files) expect(fs.existsSync(path.join(l.root, 'etc', 'alertmanager', 'secrets', f.secret, f.key))).toBe(true);
  });

  // Fails until the Alertmanager's spec.secrets lists every Secret its configuration reads.
  test('every Secret the configuration reads is mounted (listed in spec.secrets)', () => {
    const unmounted = (layout as AlertmanagerLayout).secretFiles.filter((f) => !f.mounted).map((f) => `${f.field}: ${f.secret}/${f.key}`);
    expect(unmounted).toEqual([]);
  });

  test('its replicas form one gossip cluster', async () => {
    await waitFor(`${replicas.length} cluster members on every replica`, async () => (await clusterMembers()).every((n) => n === replicas.length), 30_000);
    figures.replicas = replicas.length;
    figures.clusterMembers = await clusterMembers();
    expect(replicas.length).toBe(3);
  }, 40_000);

  test('a batch of alerts posted to every replica is delivered, each notification exactly once', async () => {
    const now = new Date();
    firstBatch.push(...[TENANT_CRITICAL, PLATFORM_WARNING, VENDOR_ESCALATION, TENANT_REMEDIATION, TENANT_WARNING].map((l) => alert(l, now)));
    firstPostAt = Date.now();
    await postToAll(firstBatch);
    // The deliveries that need only the mounted Secret arrive first; then every replica has decided.
    await waitFor('the PagerDuty, Slack, Discord, Teams and e-mail deliveries', () => !!apis
      && apis.of('pagerduty', TENANT_CRITICAL.alertname).length > 0 && apis.of('slack', PLATFORM_WARNING.alertname).length > 0
      && apis.of('discord', PLATFORM_WARNING.alertname).length > 0 && apis.of('teams', VENDOR_ESCALATION.alertname).length > 0
      && apis.of('email', PLATFORM_WARNING.alertname).length > 0, settleMs);
    await sleep(Math.max(0, firstPostAt + settleMs - Date.now()));
    const a = apis as LoopbackApis;
    figures.timeToDeliveryMs = Object.fromEntries(['pagerduty', 'slack', 'discord', 'teams', 'email', 'webhook'].map((api) => [api, a.of(api)[0] ? a.of(api)[0].at - firstPostAt : null]));
    expect(a.problems).toEqual([]);
  }, 90_000);

  test('a tenant\'s critical alert pages through PagerDuty once, with the mounted routing key', () => {
    const pages = (apis as LoopbackApis).of('pagerduty', TENANT_CRITICAL.alertname);
    expect(pages).toHaveLength(1);
    expect(pages[0].body).toMatchObject({ routing_key: CREDENTIALS['alerting-credentials/pagerduty-key'], event_action: 'trigger', payload: { severity: 'critical' } });
    expect(JSON.stringify(pages[0].body)).toContain('acme-ai');
  });

  test('a platform warning reaches Slack, Discord and the on-call mailbox once each', () => {
    const a = apis as LoopbackApis;
    const slack = a.of('slack', PLATFORM_WARNING.alertname);
    expect(slack).toHaveLength(1);
    expect(slack[0].target).toBe('hooks.slack.com/services/T0PLATFORM/B0PLATFORM/platform0e2e');
    expect(slack[0].body).toMatchObject({ channel: '#platform-alerts' });
    const discord = a.of('discord', PLATFORM_WARNING.alertname);
    expect(discord).toHaveLength(1);
    expect(discord[0].target).toBe('discord.com/api/webhooks/100000000000000001/platform-e2e-token');
    const mail = a.of('email', PLATFORM_WARNING.alertname);
    expect(mail).toHaveLength(1);
    expect(mail[0].target).toBe('oncall@platform.example');
    expect(mail[0].text).toMatch(/^Subject: \[FIRING:1\] E2ePlatformWarning/m);
  });

  test('an L4 escalation reaches the vendor bridge on Teams once', () => {
    const teams = (apis as LoopbackApis).of('teams', VENDOR_ESCALATION.alertname);
    expect(teams).toHaveLength(1);
    expect(teams[0].target).toBe('platform.webhook.office.com/webhookb2/e2e/IncomingWebhook/vendor-bridge');
  });

  test('a tenant warning reaches the tenant\'s mailbox once', () => {
    const mail = (apis as LoopbackApis).of('email', TENANT_WARNING.alertname);
    expect(mail).toHaveLength(1);
    expect(mail[0].target).toBe('oncall@acme.example');
  });

  // Needs the tenant's credential Secret (alerting-acme-ai) in the Alertmanager's spec.secrets.
  test('a tenant alert reaches the tenant\'s own Slack webhook once (from its own Secret)', () => {
    const a = apis as LoopbackApis;
    for (const name of [TENANT_WARNING.alertname, TENANT_REMEDIATION.alertname]) {
      const chat = a.of('slack', name);
      expect(chat.map((d) => d.target)).toEqual(['hooks.slack.com/services/T0ACME/B0ACME/acme0ai0e2e']);
    }
  });

  // Needs the token Secret (remediation-webhook-token) in the Alertmanager's spec.secrets.
  test('the remediation receiver gets the alert once, with the bearer token of the mounted Secret', () => {
    const hooks = (apis as LoopbackApis).of('webhook', TENANT_REMEDIATION.alertname);
    expect(hooks).toHaveLength(1);
    expect(hooks[0].target).toBe('remediation-controller.monitoring.svc:8080/webhook');
    expect(hooks[0].body).toMatchObject({ version: '4', receiver: 'remediation', status: 'firing' });
  });

  test('with one replica killed (SIGKILL) and started again, a new alert is still delivered exactly once', async () => {
    const a = apis as LoopbackApis;
    const victim = replicas[0];
    await victim.kill('SIGKILL');
    const survivors = replicas.slice(1);
    const postedAt = Date.now();
    const afterKill = alert(AFTER_KILL, new Date());
    await postToAll([afterKill], survivors);
    await waitFor('the page sent by the surviving replicas', () => a.of('pagerduty', AFTER_KILL.alertname).length > 0, settleMs);
    figures.timeToDeliveryAfterKillMs = a.of('pagerduty', AFTER_KILL.alertname)[0].at - postedAt;

    await victim.start();
    await waitFor('the restarted replica rejoining', async () => (await clusterMembers()).every((n) => n === replicas.length), 30_000);
    // Prometheus resends every firing alert to every Alertmanager, the restarted one included.
    const resentAt = Date.now();
    await postToAll([...firstBatch, afterKill]);
    await sleep(Math.max(0, resentAt + settleMs - Date.now()));
    figures.clusterMembersAfterRestart = await clusterMembers();
    expect(a.of('pagerduty', AFTER_KILL.alertname)).toHaveLength(1);
    // Nor did the restarted replica repeat anything of the first batch.
    for (const [api, name] of [['pagerduty', TENANT_CRITICAL.alertname], ['slack', PLATFORM_WARNING.alertname], ['discord', PLATFORM_WARNING.alertname],
      ['teams', VENDOR_ESCALATION.alertname], ['email', PLATFORM_WARNING.alertname], ['email', TENANT_WARNING.alertname]]) {
      expect([api, name, a.of(api, name).length]).toEqual([api, name, 1]);
    }
    expect(a.problems).toEqual([]);
  }, 150_000);
});
