/**
 * At most once across crashes: the real controller process is killed with SIGKILL in the middle of
 * a 500-alert burst, started again on the same journal, and sent every alert again (as
 * Alertmanager does when its notifications were not acknowledged). No target may be acted on
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
const api = new KubeApiTestServer();
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-state-'));
const processes: ControllerProcess[] = [];

function start(): Promise<ControllerProcess> {
  const ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--state-dir', stateDir, '--request-timeout-ms', '2000', '--retry-base-ms', '50']);
  processes.push(ctl);
  return ctl.start(60_000).then(() => ctl);
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

function deploymentChanges(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of api.changes) if (c.key.startsWith('deployments/team-a/')) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  await api.start();
  for (let i = 0; i < TARGETS; i++) {
    api.addWorkload('deployments', 'team-a', `r-${i}`, 3);
    api.addWorkload('deployments', 'team-a', `s-${i}`, 3);
  }
}, 30_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
  await api.stop();
});

test('SIGKILL mid-burst, restart, resend: no action repeated, every applied write audited first', async () => {
  // Writes are applied at once but answered late, so the kill leaves writes whose fate the controller never learnt.
  api.inject({ method: 'PATCH', path: /^\/apis\/apps\/v1\/namespaces\/team-a\/deployments\//, delayMs: 150, count: 100_000 });
  const bodies = burst();
  const first = await start();
  const sends = bodies.map(async (b, i) => {
    await new Promise((r) => setTimeout(r, i * 10));
    return first.post(b).catch(() => undefined);
  });
  await first.waitFor(() => deploymentChanges().size >= 120, 30_000);
  expect(await first.kill()).toBe(137);
  await Promise.all(sends);
  const appliedAtKill = deploymentChanges().size;
  expect(appliedAtKill).toBeLessThan(2 * TARGETS);

  const second = await start();
  const journalRead = second.messages('journal read')[0];
  expect(journalRead.unfinished).toBeGreaterThan(0);
  for (const b of bodies) expect((await second.post(b)).status).toBe(200);
  await second.waitFor(() => deploymentChanges().size === 2 * TARGETS, 60_000);
  // Let anything still running finish: a repeated action would show up now.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await second.stop()).toBe(0);

  const changes = deploymentChanges();
  const repeated = [...changes.values()].filter((n) => n > 1).length;
  const replicas = Array.from({ length: TARGETS }, (_, i) => (api.get('deployments', 'team-a', `s-${i}`) as { spec: { replicas: number } }).spec.replicas);
  const lines: LogLine[] = [...first.lines, ...second.lines];
  const intents = new Map<string, number>();
  for (const l of lines.filter((x) => x.msg === 'intent')) intents.set(String(l.target), (intents.get(String(l.target)) ?? 0) + 1);
  const unaudited = [...changes.keys()].filter((k) => !intents.has(`Deployment/${k.replace(/^deployments\//, '')}`));
  process.stdout.write(`crash test: ${appliedAtKill} targets changed at the kill, ${journalRead.unfinished} unfinished intents reconciled, ${repeated} repeated actions, ${unaudited.length} applied writes without an audit line\n`);
  expect(repeated).toBe(0);
  expect(new Set(replicas)).toEqual(new Set([5]));
  expect(unaudited).toEqual([]);
  expect(changes.size).toBe(2 * TARGETS);
}, 180_000);
