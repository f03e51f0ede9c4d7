import * as fs from 'node:fs';
import { Matcher } from '../../src/core/matcher';
import { PolicyError, RemediationPolicy, findRule, normalizeBlockAddress, parsePolicy, renderPolicy, resolveTarget, targetKey, validatePolicy } from '../../src/remediation/policy';

const BASE = {
  safety: { allowedNamespaces: ['team-a'] },
  rules: [{ name: 'restart', match: ['remediation_action="restart"'], action: { type: 'restart' } }],
};

function withRule(rule: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { ...BASE, ...extra, rules: [{ name: 'r', match: ['a="b"'], ...rule }] };
}

describe('matching rules', () => {
  test('a rule without matchers never matches (the policy parser rejects one, too)', () => {
    const policy = parsePolicy(renderPolicy(validatePolicy(BASE)));
    expect(findRule({ ...policy, rules: [{ ...policy.rules[0], match: [] }] }, { remediation_action: 'restart' })).toBeUndefined();
    expect(findRule(policy, { remediation_action: 'restart' })?.name).toBe('restart');
  });
});

describe('parsePolicy', () => {
  test('applies the defaults', () => {
    const p = validatePolicy(BASE);
    expect(p.safety).toEqual({ dryRun: true, cooldownSeconds: 600, rateWindowSeconds: 600, perNamespaceCap: 5, globalCap: 20, maxAttempts: 3, allowedNamespaces: ['team-a'], tenantLabel: 'tenant', namespaceTenants: {}, protectedCidrs: [] });
    expect(p.targetLabels).toEqual({ namespace: 'namespace', deployment: 'deployment', statefulset: 'statefulset' });
    expect(p.rules[0]).toEqual({ name: 'restart', match: [Matcher.eq('remediation_action', 'restart')], action: { type: 'restart' }, dryRun: false });
  });

  test('reads every action and renders back to an equal policy', () => {
    const yaml = `
safety: { dryRun: false, cooldown: 5m, rateWindow: 1h, perNamespaceCap: 3, globalCap: 9, maxAttempts: 2, allowedNamespaces: [team-a, team-b] }
targetLabels: { namespace: kubernetes_namespace }
jobTemplates:
  pool-maintenance: { image: "registry.example.com:5000/db-tools:1.4.2", command: [run], env: { MODE: reset } }
rules:
  - { name: restart, match: ['remediation_action="restart"', 'severity=~"critical|page"'], action: { type: restart } }
  - { name: scale-out, match: ['remediation_action="scale"'], action: { type: scale, factor: 1.5, min: 2, max: 12 } }
  - { name: scale-in, match: ['remediation_action="scale-in"'], action: { type: scale, delta: -1, max: 12 }, dryRun: true }
  - { name: block, match: ['remediation_action="block-ip"'], action: { type: block-ip, expiry: 30m, allowFrom: [10.0.0.0/8] } }
  - { name: pool, match: ['remediation_action="run-job"'], action: { type: run-job, template: pool-maintenance } }
`;
    const p = parsePolicy(yaml);
    expect(p.rules.map((r) => r.action)).toEqual([
      { type: 'restart' },
      { type: 'scale', factor: 1.5, min: 2, max: 12 },
      { type: 'scale', delta: -1, min: 1, max: 12 },
      { type: 'block-ip', sourceLabel: 'source_ip', expirySeconds: 1800, allowFrom: ['10.0.0.0/8'], scope: 'workload' },
      { type: 'run-job', template: 'pool-maintenance' },
    ]);
    expect(p.jobTemplates['pool-maintenance']).toEqual({ image: 'registry.example.com:5000/db-tools:1.4.2', command: ['run'], env: { MODE: 'reset' }, activeDeadlineSeconds: 600, backoffLimit: 0, ttlSecondsAfterFinished: 3600 });
    expect(parsePolicy(renderPolicy(p))).toEqual(p);
    expect(renderPolicy(p)).toContain('cooldown: 5m\n');
  });

  test.each<[string, unknown, string]>([
    ['no allow-list', { rules: BASE.rules }, 'policy.safety.allowedNamespaces: is required: list the tenant namespaces the controller may act in'],
    ['a wildcard namespace', { ...BASE, safety: { allowedNamespaces: ['*'] } }, 'policy.safety.allowedNamespaces[0]: got "*"; expected namespace names (DNS labels, no wildcards)'],
    ['an unknown top-level field', { ...BASE, rule: [] }, 'policy.rule: unknown field; allowed: safety, targetLabels, jobTemplates, rules'],
    ['no rules', { ...BASE, rules: [] }, 'policy.rules: got []; expected a non-empty list of rules'],
    ['an unknown action', withRule({ action: { type: 'reboot' } }), 'policy.rules[0].action.type: got "reboot"; allowed: restart, scale, block-ip, run-job'],
    ['a rule without matchers', withRule({ match: [], action: { type: 'restart' } }), 'policy.rules[0].match: expected at least one matcher (a rule never matches every alert)'],
    ['a bad matcher', withRule({ match: ['a=~"["'], action: { type: 'restart' } }), 'policy.rules[0].match[0]: got "a=~\\"[\\"" (invalid regular expression: '],
    ['scale with delta and factor', withRule({ action: { type: 'scale', delta: 1, factor: 2, max: 3 } }), 'policy.rules[0].action: expected exactly one of delta (an integer) and factor (a number > 0)'],
    ['scale without max', withRule({ action: { type: 'scale', delta: 1 } }), 'policy.rules[0].action.max: got nothing; expected an integer >= 1'],
    ['scale with max below min', withRule({ action: { type: 'scale', delta: 1, min: 5, max: 3 } }), 'policy.rules[0].action.max: got 3; expected at least min (5)'],
    ['scale with a factor of 1', withRule({ action: { type: 'scale', factor: 1, max: 3 } }), 'policy.rules[0].action.factor: got 1; expected a number > 0 and <= 10, other than 1'],
    ['kube-system allowed', { ...BASE, safety: { allowedNamespaces: ['team-a', 'kube-system'] } }, 'policy.safety.allowedNamespaces[1]: got "kube-system"; system and platform namespaces (default, kube-system, kube-public, kube-node-lease, monitoring, kube-*) are never acted in'],
    ['monitoring allowed', { ...BASE, safety: { allowedNamespaces: ['monitoring'] } }, 'policy.safety.allowedNamespaces[0]: got "monitoring"; system and platform namespaces'],
    ['a runaway scale max', withRule({ action: { type: 'scale', delta: 2, max: 1e12 } }), 'policy.rules[0].action.max: got 1000000000000; expected an integer >= 1 and <= 1000'],
    ['a runaway scale delta', withRule({ action: { type: 'scale', delta: 5000, max: 10 } }), 'policy.rules[0].action.delta: got 5000; expected a non-zero integer between -100 and 100'],
    ['a runaway global cap', { ...BASE, safety: { allowedNamespaces: ['a'], globalCap: 1e9 } }, 'policy.safety.globalCap: got 1000000000; expected an integer >= 1 and <= 10000'],
    ['a week-long block and more', withRule({ action: { type: 'block-ip', expiry: '30d' } }), 'policy.rules[0].action.expiry: got "30d"; expected a duration like 30s, 10m or 1h30m of at least 1m and at most 7d'],
    ['an owner for a namespace not allowed', { ...BASE, safety: { allowedNamespaces: ['team-a'], namespaceTenants: { 'team-b': 'b' } } }, 'policy.safety.namespaceTenants.team-b: is not in safety.allowedNamespaces (team-a)'],
    ['an allowed namespace without owner', { ...BASE, safety: { allowedNamespaces: ['team-a', 'team-b'], namespaceTenants: { 'team-a': 'a' } } }, 'policy.safety.namespaceTenants: has no tenant for team-b; list the owner of every allowed namespace'],
    ['a bad protected CIDR', { ...BASE, safety: { allowedNamespaces: ['a'], protectedCidrs: ['10.0.0.0'] } }, 'policy.safety.protectedCidrs[0]: got "10.0.0.0"; expected a CIDR such as 10.244.0.0/16'],
    ['an unknown block scope', withRule({ action: { type: 'block-ip', scope: 'cluster' } }), 'policy.rules[0].action.scope: got "cluster"; allowed: workload, namespace'],
    ['a short block expiry', withRule({ action: { type: 'block-ip', expiry: '10s' } }), 'policy.rules[0].action.expiry: got "10s"; expected a duration like 30s, 10m or 1h30m of at least 1m'],
    ['a bad CIDR', withRule({ action: { type: 'block-ip', allowFrom: ['10.0.0.0/33'] } }), 'policy.rules[0].action.allowFrom[0]: got "10.0.0.0/33"; expected a CIDR such as 0.0.0.0/0'],
    ['an unknown job template', withRule({ action: { type: 'run-job', template: 'nope' } }), 'policy.rules[0].action.template: got "nope"; allowed: (no jobTemplates defined)'],
    ['a :latest image', { ...BASE, jobTemplates: { t: { image: 'tools:latest' } } }, 'policy.jobTemplates.t.image: got "tools:latest"; expected a pinned tag, not :latest'],
    ['an untagged image', { ...BASE, jobTemplates: { t: { image: 'tools' } } }, 'policy.jobTemplates.t.image: got "tools"; expected an image with a pinned tag or digest'],
    ['duplicate rule names', { ...BASE, rules: [...BASE.rules, ...BASE.rules] }, 'policy.rules[1].name: got "restart"; rule names must be unique'],
    ['a bad cooldown', { ...BASE, safety: { allowedNamespaces: ['a'], cooldown: '5 minutes' } }, 'policy.safety.cooldown: got "5 minutes"; expected a duration like 30s, 10m or 1h30m of at least 0s'],
  ])('fails on %s', (_name, input, message) => {
    expect(() => validatePolicy(input)).toThrow(PolicyError);
    expect(() => validatePolicy(input)).toThrow(message);
  });

  test('fails on YAML that does not parse', () => {
    expect(() => parsePolicy('rules: [')).toThrow(/^policy\.root: not valid YAML: /);
  });
});

describe('rules and targets', () => {
  const policy: RemediationPolicy = parsePolicy(`
safety: { allowedNamespaces: [team-a] }
jobTemplates: { pool: { image: "tools:1.0" } }
rules:
  - { name: first, match: ['alertname="A"'], action: { type: restart } }
  - { name: second, match: ['alertname=~"A|B"'], action: { type: block-ip } }
  - { name: job, match: ['alertname="J"'], action: { type: run-job, template: pool } }
`);

  test('the first matching rule wins', () => {
    expect(findRule(policy, { alertname: 'A' })?.name).toBe('first');
    expect(findRule(policy, { alertname: 'B' })?.name).toBe('second');
    expect(findRule(policy, { alertname: 'C' })).toBeUndefined();
  });

  test('resolves a Deployment, else a StatefulSet, from the labels', () => {
    const rule = policy.rules[0];
    expect(resolveTarget(policy, rule, { namespace: 'team-a', deployment: 'web' })).toEqual({ ok: true, target: { kind: 'workload', workload: { kind: 'Deployment', namespace: 'team-a', name: 'web' } } });
    const sts = resolveTarget(policy, rule, { namespace: 'team-a', statefulset: 'db' });
    expect(sts).toEqual({ ok: true, target: { kind: 'workload', workload: { kind: 'StatefulSet', namespace: 'team-a', name: 'db' } } });
    if (sts.ok) expect(targetKey(sts.target, rule)).toBe('StatefulSet/team-a/db');
  });

  test.each<[string, Record<string, string>, string]>([
    ['no namespace', { deployment: 'web' }, "label 'namespace' is empty or missing"],
    ['a wildcard namespace', { namespace: '*', deployment: 'web' }, 'label \'namespace\' is a wildcard ("*"); refusing'],
    ['no workload', { namespace: 'team-a' }, "label 'deployment' or 'statefulset' is empty or missing"],
    ['an empty workload', { namespace: 'team-a', deployment: '' }, "label 'deployment' or 'statefulset' is empty or missing"],
    ['a wildcard workload', { namespace: 'team-a', deployment: 'web-*' }, 'label \'deployment\' or \'statefulset\' is a wildcard ("web-*"); refusing'],
    ['a regex workload', { namespace: 'team-a', deployment: '.*' }, 'label \'deployment\' or \'statefulset\' is a wildcard (".*"); refusing'],
    ['a malformed workload', { namespace: 'team-a', deployment: 'Web_App' }, 'label \'deployment\' or \'statefulset\' value "Web_App" is not a valid object name'],
  ])('refuses a target with %s', (_name, labels, reason) => {
    expect(resolveTarget(policy, policy.rules[0], labels)).toEqual({ ok: false, reason });
  });

  test('block-ip needs an IP in its source label', () => {
    expect(resolveTarget(policy, policy.rules[1], { namespace: 'team-a', deployment: 'web', source_ip: 'evil' })).toEqual({ ok: false, reason: 'label \'source_ip\': "evil" is not an IP address' });
    expect(resolveTarget(policy, policy.rules[1], { namespace: 'team-a', deployment: 'web', source_ip: '2001:db8::1' })).toMatchObject({ ok: true, sourceIp: '2001:db8::1' });
  });

  test.each<[string, string]>([
    ['127.0.0.1', 'address 127.0.0.1 is loopback; refusing to block it'],
    ['127.1.2.3', 'address 127.1.2.3 is loopback; refusing to block it'],
    ['::1', 'address ::1 is loopback; refusing to block it'],
    ['0.0.0.0', 'address 0.0.0.0 is unspecified ("this network"); refusing to block it'],
    ['::', 'address :: is unspecified; refusing to block it'],
    ['169.254.169.254', 'address 169.254.169.254 is link-local; refusing to block it'],
    ['fe80::1', 'address fe80::1 is link-local; refusing to block it'],
    ['fe80::1%eth0', 'address "fe80::1%eth0" has a zone id; only global addresses can be blocked'],
    ['::ffff:127.0.0.1', 'address 127.0.0.1 is loopback; refusing to block it'],
    ['224.0.0.1', 'address 224.0.0.1 is multicast; refusing to block it'],
    ['10.244.3.7', 'address 10.244.3.7 is in the protected range 10.244.0.0/16 (safety.protectedCidrs); refusing to block it'],
    ['::ffff:10.244.3.7', 'address 10.244.3.7 is in the protected range 10.244.0.0/16 (safety.protectedCidrs); refusing to block it'],
    ['10.96.0.10', 'address 10.96.0.10 is in the protected range 10.96.0.0/12 (safety.protectedCidrs); refusing to block it'],
    ['203.0.113.9/32', '"203.0.113.9/32" is not an IP address'],
    ['', '"" is not an IP address'],
  ])('block-ip refuses %j', (raw, reason) => {
    expect(normalizeBlockAddress(raw, ['10.244.0.0/16', '10.96.0.0/12'])).toEqual({ ok: false, reason });
  });

  test.each<[string, string, 4 | 6]>([
    ['203.0.113.9', '203.0.113.9', 4],
    ['::ffff:203.0.113.9', '203.0.113.9', 4],
    ['::FFFF:cb00:7109', '203.0.113.9', 4],
    ['0:0:0:0:0:ffff:cb00:7109', '203.0.113.9', 4],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', 6],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1', 6],
  ])('block-ip normalises %j to %j', (raw, ip, family) => {
    expect(normalizeBlockAddress(raw)).toEqual({ ok: true, ip, family });
  });

  test('acts only when the alert tenant owns the namespace', () => {
    const owned = parsePolicy(`
safety: { allowedNamespaces: [team-a, team-b], namespaceTenants: { team-a: team-a, team-b: team-b } }
rules: [{ name: first, match: ['alertname="A"'], action: { type: restart } }]
`);
    const rule = owned.rules[0];
    expect(resolveTarget(owned, rule, { tenant: 'team-a', namespace: 'team-b', deployment: 'web' })).toEqual({
      ok: false,
      reason: 'alert of tenant "team-a" (label \'tenant\') names namespace \'team-b\', which belongs to tenant "team-b"; refusing to act across tenants',
    });
    expect(resolveTarget(owned, rule, { namespace: 'team-b', deployment: 'web' })).toMatchObject({ ok: false, reason: expect.stringContaining('alert of tenant ""') });
    expect(resolveTarget(owned, rule, { tenant: 'team-b', namespace: 'team-b', deployment: 'web' })).toMatchObject({ ok: true });
  });

  test('a namespace-wide block needs no workload label', () => {
    const p = parsePolicy(`
safety: { allowedNamespaces: [team-a] }
rules: [{ name: flood, match: ['alertname="F"'], action: { type: block-ip, scope: namespace } }]
`);
    const r = resolveTarget(p, p.rules[0], { namespace: 'team-a', source_ip: '::ffff:203.0.113.9' });
    expect(r).toEqual({ ok: true, target: { kind: 'namespace', namespace: 'team-a' }, sourceIp: '203.0.113.9' });
    if (r.ok) expect(targetKey(r.target, p.rules[0])).toBe('Namespace/team-a/flood');
  });

  test('run-job targets the namespace', () => {
    const r = resolveTarget(policy, policy.rules[2], { namespace: 'team-a' });
    expect(r).toEqual({ ok: true, target: { kind: 'namespace', namespace: 'team-a' } });
    if (r.ok) expect(targetKey(r.target, policy.rules[2])).toBe('Job/team-a/pool');
  });
});

test('the example policy parses and renders back to itself', () => {
  const p = parsePolicy(fs.readFileSync(`${__dirname}/../../examples/remediation/policy.yaml`, 'utf8'));
  expect(p.rules.map((r) => `${r.name}:${r.action.type}`)).toEqual(['restart-crashloop:restart', 'scale-out-latency:scale', 'block-abusive-client:block-ip', 'db-pool-maintenance:run-job']);
  expect(p.safety.dryRun).toBe(true);
  expect(parsePolicy(renderPolicy(p))).toEqual(p);
});
