/**
 * Load: bursts totalling 1,000 alerts (with duplicates, resolved alerts and several alerts for one
 * target) against the real controller process and the Kubernetes API test server, with injected
 * 500s: no target is acted on twice and every alert has its audit record.
 */
import * as http from 'node:http';
import { ControllerProcess, alert, payload } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const TARGETS = 250;
const api = new KubeApiTestServer();
let ctl: ControllerProcess;

beforeAll(async () => {
  await api.start();
  for (let i = 0; i < TARGETS; i++) api.addWorkload('deployments', 'team-a', `d-${i}`, 2);
  for (let i = 0; i < 20; i++) api.inject({ method: 'PATCH', path: new RegExp(`/deployments/d-${i * 7}$`), status: 500 });
  const policy = `
safety: { dryRun: false, cooldown: 10m, perNamespaceCap: 1000, globalCap: 1000, maxAttempts: 3, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
`;
  ctl = new ControllerProcess(policy, ['--kubeconfig', api.writeKubeconfig(), '--retry-base-ms', '20']);
  await ctl.start();
}, 30_000);

afterAll(async () => {
  const code = await ctl?.stop();
  await api.stop();
  expect(code).toBe(0);
});

/** Deterministic shuffle (mulberry32). */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

async function burst(alerts: Record<string, unknown>[], perRequest: number): Promise<void> {
  const requests: Promise<{ status: number }>[] = [];
  for (let i = 0; i < alerts.length; i += perRequest) requests.push(ctl.post(payload(alerts.slice(i, i + perRequest), `{}:{burst="${i % 3}"}`)));
  const results = await Promise.all(requests);
  expect(results.every((r) => r.status === 200)).toBe(true);
}

test('1,000 alerts in bursts: one action per target, one audit line per alert, one Event per action or refusal', async () => {
  const restart = (i: number, fp: string): Record<string, unknown> => alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `d-${i}` }, { fingerprint: fp });
  const first = Array.from({ length: TARGETS }, (_, i) => restart(i, `u-${i}`));
  const resolved = Array.from({ length: 200 }, (_, i) => alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: `d-${i}` }, { status: 'resolved', fingerprint: `r-${i}` }));
  const unmatched = Array.from({ length: 150 }, (_, i) => alert({ alertname: 'Info', namespace: 'team-a', deployment: `d-${i}` }, { fingerprint: `n-${i}` }));
  const duplicates = first.map((a) => ({ ...a }));
  const sameTarget = Array.from({ length: 150 }, (_, i) => restart(i, `s-${i}`));
  // First half: every target's first alert, mixed with resolved and unmatched ones; second half:
  // redeliveries and other alerts for the same targets.
  const early = shuffle([...first, ...resolved.slice(0, 100), ...unmatched.slice(0, 50)], 1);
  const late = shuffle([...duplicates, ...sameTarget, ...resolved.slice(100), ...unmatched.slice(50)], 2);
  expect(early.length + late.length).toBe(1000);
  const started = Date.now();
  for (let i = 0; i < early.length; i += 100) await burst(early.slice(i, i + 100), 10);
  for (let i = 0; i < late.length; i += 100) await burst(late.slice(i, i + 100), 10);
  const elapsed = Date.now() - started;

  const decisions = await ctl.waitFor(() => (ctl.decisions().length >= 1000 ? ctl.decisions() : undefined), 20_000);
  const count = (d: string): number => decisions.filter((l) => l.decision === d).length;
  expect(decisions).toHaveLength(1000);
  expect({ acted: count('acted'), duplicate: count('duplicate'), refused_cooldown: count('refused_cooldown'), resolved: count('resolved'), no_match: count('no_match') }).toEqual({
    acted: TARGETS,
    duplicate: TARGETS,
    refused_cooldown: 150,
    resolved: 200,
    no_match: 150,
  });
  for (let i = 0; i < TARGETS; i++) expect(api.changesOf(`deployments/team-a/d-${i}`)).toHaveLength(1);
  expect(api.requests.filter((r) => r.method === 'PATCH' && r.status === 500)).toHaveLength(20);
  // Every action gets its Event; a refusal gets one unless the controller was busy enough to skip it (counted).
  const events = await ctl.waitFor(() => {
    const e = api.list('events', 'team-a');
    return e.filter((x) => x.reason === 'RemediationSucceeded').length >= TARGETS ? e : undefined;
  }, 20_000);
  expect(events.filter((e) => e.reason === 'RemediationSucceeded')).toHaveLength(TARGETS);
  const metrics = await new Promise<string>((resolve, reject) => http.get({ host: '127.0.0.1', port: ctl.port, path: '/metrics' }, (res) => {
    let text = '';
    res.on('data', (d: Buffer) => (text += d.toString('utf8')));
    res.on('end', () => resolve(text));
  }).on('error', reject));
  const skipped = Number(/remediation_audit_events_total\{result="skipped"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  await ctl.waitFor(() => api.list('events', 'team-a').filter((e) => e.reason === 'RemediationRefused').length + skipped >= 150, 20_000);
  expect(api.list('events', 'team-a').filter((e) => e.reason === 'RemediationRefused').length + skipped).toBe(150);
  expect(elapsed).toBeLessThan(20_000);
}, 60_000);
