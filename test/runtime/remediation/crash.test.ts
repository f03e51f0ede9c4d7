/**
 * At most once across crashes: the real controller process is killed with SIGKILL in the middle of
 * a 500-alert burst, started again and sent every alert again (as Alertmanager does when its
 * notifications were not acknowledged), once on the same journal (a container restart in the same
 * pod) and once on a fresh, empty state directory (a replacement pod). No target may be acted on
 * twice, and every write the Kubernetes API applied must have an audit line written before it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerProcess, LogLine, alert, payload } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const POLICY = `
safety:
  dryRun: false
  cooldown: 1h
  perNamespaceCap: 1000
  globalCap: 1000
  maxAttempts: 3
  allowedNamespaces: [team-a]
rules:
  - name: restart
    match: ['remediation_action="restart"']
    action: { type: restart }
  - name: scale-out
    match: ['remediation_action="scale"']
    action: { type: scale, delta: 2, min: 1, max: 10 }
`;

const TARGETS = 250;
const processes: ControllerProcess[] = [];

function start(api: KubeApiTestServer, stateDir: string): Promise<ControllerProcess> {
  const ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--state-dir', stateDir, '--request-timeout-ms', '2000', '--retry-base-ms', '50']);
  processes.push(ctl);
  return ctl.start(60_000).then(() => ctl);
}

function freshStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-state-'));
}

/** 50 notifications of 10 alerts: 250 restarts and 250 scale-outs, each on its own Deployment. */
function burst(): Record<string, unknown>[] {
  const alerts = [];
  for (let i = 0; i < TARGETS; i++) {
    alerts.push(alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `r-${i}` }, { fingerprint: `restart-${i}` }));
    alerts.push(alert({ alertname: 'Load', remediation_action: 'scale', namespace: 'team-a', deployment: `s-${i}` }, { fingerprint: `scale-${i}` }));
  }
  const bodies = [];
  for (let i = 0; i < alerts.length; i += 10) bodies.push(payload(alerts.slice(i, i + 10), `{}:{batch="${i / 10}"}`));
  return bodies;
}

function deploymentChanges(api: KubeApiTestServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of api.changes) if (c.key.startsWith('deployments/team-a/')) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  return counts;
}

async function apiWithTargets(): Promise<KubeApiTestServer> {
  const api = new KubeApiTestServer();
  await api.start();
  for (let i = 0; i < TARGETS; i++) {
    api.addWorkload('deployments', 'team-a', `r-${i}`, 3);
    api.addWorkload('deployments', 'team-a', `s-${i}`, 3);
  }
  return api;
}

const servers: KubeApiTestServer[] = [];

afterAll(async () => {
  for (const p of processes) await p.kill();
  for (const s of servers) await s.stop();
});

/**
 * Kill the first process mid-burst, start a second on the same state directory or a fresh one,
 * against the same API server, resend everything, print the counts and assert none was repeated.
 */
async function crashAndResend(label: string, sameStateDir: boolean): Promise<void> {
  const api = await apiWithTargets();
  servers.push(api);
  const firstDir = freshStateDir();
  // Writes are applied at once but answered late, so the kill leaves writes whose fate the controller never learnt.
  api.inject({ method: 'PATCH', path: /^\/apis\/apps\/v1\/namespaces\/team-a\/deployments\//, delayMs: 150, count: 100_000 });
  const bodies = burst();
  const first = await start(api, firstDir);
  const sends = bodies.map(async (b, i) => {
    await new Promise((r) => setTimeout(r, i * 10));
    return first.post(b).catch(() => undefined);
  });
  await first.waitFor(() => deploymentChanges(api).size >= 120, 30_000);
  expect(await first.kill()).toBe(137);
  await Promise.all(sends);
  const appliedAtKill = deploymentChanges(api).size;
  expect(appliedAtKill).toBeLessThan(2 * TARGETS);

  const second = await start(api, sameStateDir ? firstDir : freshStateDir());
  const journalRead = second.messages('journal read')[0];
  if (sameStateDir) expect(journalRead.unfinished).toBeGreaterThan(0);
  else expect(journalRead).toMatchObject({ entries: 0, unfinished: 0 });
  for (const b of bodies) expect((await second.post(b)).status).toBe(200);
  await second.waitFor(() => deploymentChanges(api).size === 2 * TARGETS, 60_000);
  // Let anything still running finish: a repeated action would show up now.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await second.stop()).toBe(0);

  const changes = deploymentChanges(api);
  const repeated = [...changes.values()].filter((n) => n > 1).length;
  const replicas = Array.from({ length: TARGETS }, (_, i) => (api.get('deployments', 'team-a', `s-${i}`) as { spec: { replicas: number } }).spec.replicas);
  const lines: LogLine[] = [...first.lines, ...second.lines];
  const intents = new Map<string, number>();
  for (const l of lines.filter((x) => x.msg === 'intent')) intents.set(String(l.target), (intents.get(String(l.target)) ?? 0) + 1);
  const unaudited = [...changes.keys()].filter((k) => !intents.has(`Deployment/${k.replace(/^deployments\//, '')}`));
  const duplicates = second.lines.filter((l) => l.msg === 'decision' && l.decision === 'duplicate' && l.result === 'duplicate').length;
  process.stdout.write(
    `crash test (${label}): ${appliedAtKill} targets changed at the kill, ${journalRead.unfinished} unfinished intents reconciled, ${duplicates} resent alerts found acted on in the cluster, ${repeated} repeated actions, ${unaudited.length} applied writes without an audit line\n`,
  );
  expect(repeated).toBe(0);
  expect(new Set(replicas)).toEqual(new Set([5]));
  expect(unaudited).toEqual([]);
  expect(changes.size).toBe(2 * TARGETS);
  if (!sameStateDir) expect(duplicates).toBeGreaterThanOrEqual(appliedAtKill);
}

test('SIGKILL mid-burst, restart on the same journal, resend: no action repeated, every applied write audited first', async () => {
  await crashAndResend('same state dir', true);
}, 180_000);

test('SIGKILL mid-burst, a new pod with an empty state dir, resend: the records on the targets keep every action from repeating', async () => {
  await crashAndResend('fresh state dir', false);
}, 180_000);

test('a cooldown holds across a pod replacement', async () => {
  const api = new KubeApiTestServer();
  servers.push(api);
  await api.start();
  api.addWorkload('deployments', 'team-a', 'web', 3);
  const first = await start(api, freshStateDir());
  const restart = (fingerprint: string): Record<string, unknown> => payload([alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'web' }, { fingerprint })]);
  await first.post(restart('first'));
  await first.waitFor(() => first.lines.find((l) => l.msg === 'decision' && l.fingerprint === 'first'), 10_000);
  expect(await first.stop()).toBe(0);

  const second = await start(api, freshStateDir());
  const decisionOf = (fingerprint: string): Promise<LogLine> => second.waitFor(() => second.lines.find((l) => l.msg === 'decision' && l.fingerprint === fingerprint), 10_000);
  // One at a time: each is judged by the record on the Deployment, not by what the new pod decided a moment before.
  await second.post(restart('second'));
  await decisionOf('second');
  await second.post(restart('first'));
  await decisionOf('first');
  const decided = second.lines.filter((l) => l.msg === 'decision');
  expect(await second.stop()).toBe(0);
  expect(decided.map((l) => [l.fingerprint, l.decision])).toEqual([
    ['second', 'refused_cooldown'],
    ['first', 'duplicate'],
  ]);
  expect(api.changesOf('deployments/team-a/web')).toHaveLength(1);
}, 60_000);
