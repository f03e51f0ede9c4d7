/**
 * The records each action leaves on its target: the pure judgement, and a replacement controller
 * (a new process with nothing in memory, against the same cluster) honouring them for block-ip
 * and run-job. Restart and scale across a real process replacement are in crash.test.ts.
 */
import { parsePolicy } from '../../../src/remediation/policy';
import { AuditLog, RemediationMetrics } from '../../../src/runtime/remediation/audit';
import { Manifest, NetworkPolicyObject } from '../../../src/runtime/remediation/cluster';
import { RemediationController } from '../../../src/runtime/remediation/controller';
import { validatePayload } from '../../../src/runtime/remediation/webhook';
import { LAST_ACTIONS_ANNOTATION, clusterVerdict, parseLastActions, withLastAction } from '../../../src/runtime/remediation/target-state';
import { alert, payload } from './support/controller-process';
import { FakeCluster } from './support/fake-cluster';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const record = (rule: string, alertKey: string, at: number): Record<string, string> => ({ [LAST_ACTIONS_ANNOTATION]: withLastAction(undefined, rule, { alert: alertKey, at: new Date(at).toISOString() }) });

describe('clusterVerdict', () => {
  test('the same alert recorded for the rule is a duplicate, whenever it was', () => {
    expect(clusterVerdict(record('r', 'f@s', T0), 'r', 'f@s', 600, T0 + 86_400_000)).toEqual({ verdict: 'duplicate', at: '2024-05-01T10:00:00.000Z' });
  });

  test('another alert waits until the cooldown from the recorded time has passed', () => {
    expect(clusterVerdict(record('r', 'f@s', T0), 'r', 'g@s', 600, T0 + 599_000)).toEqual({ verdict: 'cooldown', untilMs: T0 + 600_000 });
    expect(clusterVerdict(record('r', 'f@s', T0), 'r', 'g@s', 600, T0 + 600_000)).toEqual({ verdict: 'act' });
  });

  test('records of other rules, or none, do not hold an action back', () => {
    expect(clusterVerdict(record('other', 'f@s', T0), 'r', 'f@s', 600, T0)).toEqual({ verdict: 'act' });
    expect(clusterVerdict(undefined, 'r', 'f@s', 600, T0)).toEqual({ verdict: 'act' });
  });

  test.each([['not json'], ['[1]'], ['{"r":{"alert":1,"at":"x"}}'], ['{"r":{"alert":"f@s","at":"yesterday"}}']])('an annotation that is not a record (%s) counts as none', (text) => {
    expect(parseLastActions({ [LAST_ACTIONS_ANNOTATION]: text })).toEqual({});
  });

  test('recording one rule keeps the records of the others', () => {
    const both = withLastAction(record('a', 'x@s', T0), 'b', { alert: 'y@s', at: new Date(T0).toISOString() });
    expect(Object.keys(parseLastActions({ [LAST_ACTIONS_ANNOTATION]: both }))).toEqual(['a', 'b']);
  });
});

const POLICY = parsePolicy(`
safety: { dryRun: false, cooldown: 1h, allowedNamespaces: [team-a] }
jobTemplates:
  cleanup: { image: 'tools:1.0.0', activeDeadlineSeconds: 60, backoffLimit: 0, ttlSecondsAfterFinished: 60 }
rules:
  - { name: block, match: ['remediation_action="block-ip"'], action: { type: block-ip } }
  - { name: cleanup, match: ['remediation_action="run-job"'], action: { type: run-job, template: cleanup } }
`);

/** A controller with nothing in memory and no journal: a replacement pod. */
function newPod(cluster: FakeCluster): { controller: RemediationController; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { controller: new RemediationController({ policy: POLICY, cluster, log: new AuditLog((l) => lines.push(JSON.parse(l) as Record<string, unknown>)), metrics: new RemediationMetrics() }), lines };
}

/** What the fake's list calls return afterwards: the objects the controller created. */
function created(cluster: FakeCluster): void {
  for (const c of cluster.of('createNetworkPolicy')) {
    const m = c.args[1] as Manifest & { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } };
    if (cluster.networkPolicies.some((n) => n.name === m.metadata.name)) continue;
    const np: NetworkPolicyObject = { namespace: 'team-a', name: m.metadata.name, labels: m.metadata.labels, annotations: m.metadata.annotations, podSelector: {}, policyTypes: ['Ingress'], ingress: [] };
    cluster.networkPolicies.push(np);
  }
  for (const c of cluster.of('createJob')) {
    const m = c.args[1] as Manifest & { metadata: { name: string; annotations: Record<string, string> } };
    if (!cluster.jobs.some((j) => j.name === m.metadata.name)) cluster.jobs.push({ namespace: 'team-a', name: m.metadata.name, annotations: m.metadata.annotations });
  }
}

/**
 * Act on `firstAlert` in one pod, replace the pod, then send each of `later` on its own (so each is
 * judged by the cluster's record rather than by the new pod's own claim a moment before).
 * Resolves to the new pod's decisions as `[fingerprint, decision, result]`.
 */
async function actThenReplace(cluster: FakeCluster, firstAlert: Record<string, unknown>, later: ReadonlyArray<Record<string, unknown>>): Promise<unknown[][]> {
  const first = newPod(cluster);
  first.controller.handle(validatePayload(payload([firstAlert])));
  expect(await first.controller.drain(2000)).toBe(true);
  expect(first.lines.filter((l) => l.msg === 'decision').map((l) => l.decision)).toEqual(['acted']);
  created(cluster);
  const second = newPod(cluster);
  for (const a of later) {
    second.controller.handle(validatePayload(payload([a])));
    expect(await second.controller.drain(2000)).toBe(true);
  }
  return second.lines.filter((l) => l.msg === 'decision').map((l) => [l.fingerprint, l.decision, l.result]);
}

describe('after a pod replacement', () => {
  test('a resent block-ip alert is a duplicate, and a new one for the same workload waits for the cooldown', async () => {
    const cluster = new FakeCluster();
    const block = (fingerprint: string, ip: string): Record<string, unknown> => alert({ remediation_action: 'block-ip', namespace: 'team-a', deployment: 'web', source_ip: ip }, { fingerprint });
    expect(await actThenReplace(cluster, block('b1', '198.51.100.7'), [block('b2', '198.51.100.8'), block('b1', '198.51.100.7')])).toEqual([
      ['b2', 'refused_cooldown', 'cooling_down'],
      ['b1', 'duplicate', 'duplicate'],
    ]);
    expect(cluster.of('createNetworkPolicy')).toHaveLength(1);
    expect(cluster.of('patchNetworkPolicyAnnotations')).toEqual([]);
  });

  test('a run-job alert is a duplicate when resent, and a new one waits for the cooldown', async () => {
    const cluster = new FakeCluster();
    const job = (fingerprint: string): Record<string, unknown> => alert({ remediation_action: 'run-job', namespace: 'team-a' }, { fingerprint });
    expect(await actThenReplace(cluster, job('j1'), [job('j2'), job('j1')])).toEqual([
      ['j2', 'refused_cooldown', 'cooling_down'],
      ['j1', 'duplicate', 'duplicate'],
    ]);
    expect(cluster.of('createJob')).toHaveLength(1);
    expect(new Set(cluster.of('listJobs').map((c) => c.args.join(' ')))).toEqual(new Set(['team-a app.kubernetes.io/managed-by=tenant-monitoring-remediation,remediation.tenant-monitoring.io/template=cleanup']));
  });
});
