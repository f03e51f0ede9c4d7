import fc from 'fast-check';
import { ScaleAction, parsePolicy } from '../../../src/remediation/policy';
import { desiredReplicas } from '../../../src/runtime/remediation/actions';
import { ClusterError, parseRetryAfter, withRetry } from '../../../src/runtime/remediation/cluster';
import { DedupStore, alertKey } from '../../../src/runtime/remediation/dedup';
import { DecisionEngine } from '../../../src/runtime/remediation/engine';
import { WebhookAlert } from '../../../src/runtime/remediation/webhook';

const POLICY = parsePolicy(`
safety: { dryRun: false, cooldown: 60s, rateWindow: 10m, perNamespaceCap: 3, globalCap: 5, maxAttempts: 2, allowedNamespaces: [team-a, team-b, team-c] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
  - { name: careful, match: ['remediation_action="careful"'], action: { type: restart }, dryRun: true }
`);

let fp = 0;
function firing(labels: Record<string, string>, extra: Partial<WebhookAlert> = {}): WebhookAlert {
  return { status: 'firing', labels: { remediation_action: 'restart', namespace: 'team-a', ...labels }, annotations: {}, startsAt: '2024-05-01T10:00:00Z', endsAt: '', generatorURL: '', fingerprint: `fp-${++fp}`, ...extra };
}

function engine(opts: { dryRun?: boolean } = {}): { e: DecisionEngine; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { e: new DecisionEngine(POLICY, { ...opts, now: () => clock.t }), clock };
}

describe('DecisionEngine', () => {
  test('acts on a firing alert that matches, and ignores resolved and unmatched ones', () => {
    const { e } = engine();
    expect(e.decide(firing({ deployment: 'web' }), 'g').decision).toBe('execute');
    expect(e.decide(firing({ deployment: 'api' }, { status: 'resolved' }), 'g').decision).toBe('resolved');
    expect(e.decide(firing({ remediation_action: 'nothing', deployment: 'x' }), 'g')).toMatchObject({ decision: 'no_match', reason: 'no rule matches the alert' });
  });

  test('deduplicates by fingerprint and start time, across group keys', () => {
    const { e } = engine();
    const a = firing({ deployment: 'web' });
    expect(e.decide(a, 'g1').decision).toBe('execute');
    expect(e.decide(a, 'g1')).toMatchObject({ decision: 'duplicate', reason: 'alert already being handled' });
    expect(e.decide(a, 'g2').decision).toBe('duplicate');
    const d = e.decide({ ...a, startsAt: '2024-05-01T11:00:00Z', labels: { ...a.labels, deployment: 'other' } }, 'g1');
    expect(d.decision).toBe('execute');
  });

  test('a completed alert stays a duplicate; a failed one may be tried again on redelivery', () => {
    const { e } = engine();
    const ok = firing({ deployment: 'web' });
    e.complete(e.decide(ok, 'g'), 'success', false);
    expect(e.decide(ok, 'g')).toMatchObject({ decision: 'duplicate', reason: 'alert already handled' });
    const bad = firing({ deployment: 'api' });
    e.complete(e.decide(bad, 'g'), 'failure', false);
    expect(e.decide(bad, 'g').decision).toBe('execute');
    const gone = firing({ deployment: 'gone' });
    e.complete(e.decide(gone, 'g'), 'failure', true);
    expect(e.decide(gone, 'g').decision).toBe('duplicate');
  });

  test('cooldown per target, lifted after the cooldown and after a failure', () => {
    const { e, clock } = engine();
    expect(e.decide(firing({ deployment: 'web' }), 'g').decision).toBe('execute');
    expect(e.decide(firing({ deployment: 'web' }), 'g')).toMatchObject({ decision: 'refused_cooldown', reason: 'target Deployment/team-a/web is cooling down for 60s more' });
    expect(e.decide(firing({ statefulset: 'web' }), 'g').decision).toBe('execute');
    clock.t += 60_000;
    const again = e.decide(firing({ deployment: 'web' }), 'g');
    expect(again.decision).toBe('execute');
    e.complete(again, 'failure', false);
    expect(e.decide(firing({ deployment: 'web' }), 'g')).toMatchObject({ decision: 'refused_max_attempts', reason: 'target Deployment/team-a/web had 2 attempts within 600s' });
  });

  test('a refused alert is reconsidered on redelivery once the cooldown is over', () => {
    const { e, clock } = engine();
    e.decide(firing({ deployment: 'web' }), 'g');
    const later = firing({ deployment: 'web' });
    expect(e.decide(later, 'g').decision).toBe('refused_cooldown');
    clock.t += 61_000;
    expect(e.decide(later, 'g').decision).toBe('execute');
  });

  test('per-namespace and global caps within the window', () => {
    const { e, clock } = engine();
    for (const name of ['a', 'b', 'c']) expect(e.decide(firing({ deployment: name }), 'g').decision).toBe('execute');
    expect(e.decide(firing({ deployment: 'd' }), 'g')).toMatchObject({ decision: 'refused_rate_namespace', reason: "namespace 'team-a' reached 3 actions within 600s" });
    expect(e.decide(firing({ namespace: 'team-b', deployment: 'a' }), 'g').decision).toBe('execute');
    expect(e.decide(firing({ namespace: 'team-b', deployment: 'b' }), 'g').decision).toBe('execute');
    expect(e.decide(firing({ namespace: 'team-c', deployment: 'a' }), 'g')).toMatchObject({ decision: 'refused_rate_global', reason: 'reached the global cap of 5 actions within 600s' });
    clock.t += 600_000;
    expect(e.decide(firing({ namespace: 'team-c', deployment: 'a' }), 'g').decision).toBe('execute');
  });

  test('refuses namespaces outside the allow-list and wildcard targets', () => {
    const { e } = engine();
    expect(e.decide(firing({ namespace: 'kube-system', deployment: 'coredns' }), 'g')).toMatchObject({ decision: 'refused_namespace', reason: "namespace 'kube-system' is not in safety.allowedNamespaces" });
    expect(e.decide(firing({ deployment: '*' }), 'g')).toMatchObject({ decision: 'refused_target', reason: 'label \'deployment\' or \'statefulset\' is a wildcard ("*"); refusing' });
    expect(e.decide(firing({ deployment: '' }), 'g').decision).toBe('refused_target');
  });

  test('dry run: from the policy, the command line or the rule, with the same bookkeeping', () => {
    expect(engine().e.dryRun).toBe(false);
    const { e } = engine({ dryRun: true });
    const d = e.decide(firing({ deployment: 'web' }), 'g');
    expect(d).toMatchObject({ decision: 'execute', dryRun: true });
    expect(e.decide(firing({ deployment: 'web' }), 'g').decision).toBe('refused_cooldown');
    expect(engine().e.decide(firing({ remediation_action: 'careful', deployment: 'web' }), 'g')).toMatchObject({ decision: 'execute', dryRun: true });
    expect(new DecisionEngine(parsePolicy('safety: {allowedNamespaces: [a]}\nrules: [{name: r, match: [a="b"], action: {type: restart}}]')).dryRun).toBe(true);
  });
});

describe('DedupStore', () => {
  test('expires entries after the TTL, refreshed by every sighting', () => {
    const s = new DedupStore({ ttlMs: 100 });
    s.set('k', 'done', 'g', 0);
    expect(s.lookup('k', 90)).toBe('done');
    expect(s.lookup('k', 180)).toBe('done');
    expect(s.lookup('k', 281)).toBeUndefined();
  });

  test('keeps at most maxEntries, dropping the least recently seen', () => {
    const s = new DedupStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) s.set(k, 'done', 'g', 0);
    s.lookup('a', 1);
    s.set('d', 'done', 'g', 2);
    expect(s.size).toBe(3);
    expect(s.lookup('b', 3)).toBeUndefined();
    expect(s.lookup('a', 3)).toBe('done');
  });

  test('prune drops expired entries only', () => {
    const s = new DedupStore({ ttlMs: 10 });
    s.set('old', 'done', 'g', 0);
    s.set('new', 'done', 'g', 8);
    s.prune(12);
    expect(s.size).toBe(1);
  });

  test('the alert key is fingerprint and start time', () => {
    expect(alertKey({ status: 'firing', labels: {}, annotations: {}, startsAt: 'T', endsAt: '', generatorURL: '', fingerprint: 'abc' })).toBe('abc@T');
  });
});

describe('withRetry', () => {
  const sleeps: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    sleeps.push(ms);
  };
  beforeEach(() => sleeps.splice(0));

  test('retries 409, 429, 5xx and timeouts with doubling delays', async () => {
    const errors = [409, 429, 503, 0];
    const r = await withRetry(async (n) => {
      if (n <= errors.length) throw new ClusterError(errors[n - 1], 'x');
      return 'ok';
    }, { sleep, baseDelayMs: 100, attempts: 5 });
    expect(r).toEqual({ value: 'ok', tries: 5 });
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(100 * 2 ** i * 0.8);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i * 1.2);
    });
  });

  test.each([403, 404, 422])('fails at once on %i', async (status) => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new ClusterError(status, 'denied');
      }, { sleep }),
    ).rejects.toMatchObject({ status, tries: 1 });
    expect(calls).toBe(1);
  });

  test('waits at least the Retry-After, fails at once on one beyond maxRetryAfterMs, and starts no retry after the deadline', async () => {
    let n = 0;
    await expect(withRetry(async () => (n++ === 0 ? Promise.reject(new ClusterError(429, 'slow down', 1500)) : 'ok'), { sleep })).resolves.toMatchObject({ value: 'ok', tries: 2 });
    expect(sleeps[sleeps.length - 1]).toBeGreaterThanOrEqual(1500);
    await expect(withRetry(async () => Promise.reject(new ClusterError(429, 'come back tomorrow', 86_400_000)), { sleep })).rejects.toMatchObject({ status: 429, tries: 1 });
    await expect(withRetry(async () => Promise.reject(new ClusterError(503, 'busy')), { sleep, attempts: 10, deadline: Date.now() - 1 })).rejects.toMatchObject({ status: 503, tries: 1 });
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(2000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  test('fails after the last attempt', async () => {
    await expect(withRetry(async () => Promise.reject(new ClusterError(500, 'boom')), { sleep, attempts: 3, maxDelayMs: 150 })).rejects.toMatchObject({ status: 500, tries: 3 });
    expect(sleeps.every((ms) => ms <= 180)).toBe(true);
  });
});

describe('desiredReplicas', () => {
  const action = (a: Partial<ScaleAction>): ScaleAction => ({ type: 'scale', min: 1, max: 10, ...a });

  test('applies delta or factor within the bounds', () => {
    expect(desiredReplicas(action({ delta: 2 }), 3)).toBe(5);
    expect(desiredReplicas(action({ factor: 1.5 }), 3)).toBe(5);
    expect(desiredReplicas(action({ delta: -5 }), 3)).toBe(1);
    expect(desiredReplicas(action({ delta: 20 }), 3)).toBe(10);
    expect(desiredReplicas(action({ delta: 20 }), 3, { minReplicas: 2, maxReplicas: 6 })).toBe(6);
  });

  test('a scale-out never scales in, and a scale-in never scales out', () => {
    // A "+2, max 10" rule on a 50-replica Deployment whose HPA keeps at least 20 replicas.
    expect(desiredReplicas(action({ delta: 2 }), 50, { minReplicas: 20, maxReplicas: 100 })).toBe(50);
    expect(desiredReplicas(action({ factor: 2 }), 12)).toBe(12);
    expect(desiredReplicas(action({ delta: -1, min: 1 }), 3, { minReplicas: 5, maxReplicas: 10 })).toBe(3);
    expect(desiredReplicas(action({ delta: 2 }), 3, { minReplicas: 6, maxReplicas: 8 })).toBe(6);
    expect(desiredReplicas(action({ delta: -3 }), 9, { minReplicas: 7, maxReplicas: 20 })).toBe(7);
  });

  test('the result moves only in the rule direction and stays within the policy and autoscaler bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: -20, max: 20 }).filter((d) => d !== 0), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 50 }), (cur, delta, min, span, hpaMin, hpaMax) => {
        const a = action({ delta, min, max: min + span + 1 });
        const hpa = { minReplicas: Math.min(hpaMin, hpaMax), maxReplicas: hpaMax };
        const r = desiredReplicas(a, cur, hpa);
        const lo = Math.max(a.min, hpa.minReplicas);
        const hi = Math.min(a.max, hpa.maxReplicas);
        if (delta > 0) expect(r).toBeGreaterThanOrEqual(cur);
        else expect(r).toBeLessThanOrEqual(cur);
        if (r !== cur && delta > 0) expect(r).toBeLessThanOrEqual(hi);
        if (r !== cur && delta < 0) expect(r).toBeGreaterThanOrEqual(lo);
        if (lo <= hi && cur >= lo && cur <= hi) {
          expect(r).toBeGreaterThanOrEqual(lo);
          expect(r).toBeLessThanOrEqual(hi);
        }
      }),
    );
  });
});
