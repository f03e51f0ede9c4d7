/**
 * The synthesized prod environment blocks a flooding address end to end: its SecurityRequestFlood
 * alert (as Prometheus labels it) meets a rule of its remediation policy, resolves to a target in
 * the tenant's own namespace, and the block derived against the tenant's synthesized
 * NetworkPolicies admits nothing they did not already admit.
 */
import { findRule, parsePolicy, resolveTarget } from '../../src/remediation/policy';
import { NetworkPolicyObject } from '../../src/runtime/remediation/cluster';
import { blockNetworkPolicy, policiesAdmitting } from '../../src/runtime/remediation/manifests';
import { ofKind, synthEnvironment } from '../support/synth';

interface Rule { readonly alert?: string; readonly labels?: Record<string, string> }
interface NetworkPolicyManifest {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
  readonly spec: { readonly podSelector: NetworkPolicyObject['podSelector']; readonly policyTypes?: string[]; readonly ingress?: NetworkPolicyObject['ingress'] };
}

const { objects } = synthEnvironment('prod');
const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'remediation-controller-policy') as unknown as { data: Record<string, string> };
const policy = parsePolicy(configMap.data['policy.yaml']);
const tenant = policy.safety.allowedNamespaces[0];

test('the prod flood alert reaches a block-ip rule and a target in its own namespace', () => {
  // The built-in packs are evaluated once for all tenants (the platform's shared pack rules); the
  // alert carries the tenant and namespace of its source series.
  const rules = ofKind(objects, 'PrometheusRule') as unknown as Array<{ spec: { groups: Array<{ rules: Rule[] }> } }>;
  const flood = rules.flatMap((r) => r.spec.groups.flatMap((g) => g.rules)).find((r) => r.alert === 'SecurityRequestFlood');
  expect(flood).toBeDefined();
  // The labels Prometheus gives the alert: the rule's labels and the expression's `by (tenant, namespace, source_ip)`.
  const labels = { ...flood?.labels, alertname: 'SecurityRequestFlood', tenant, namespace: tenant, source_ip: '203.0.113.7' };
  const rule = findRule(policy, labels);
  expect(rule?.action).toMatchObject({ type: 'block-ip', scope: 'namespace' });
  const target = rule !== undefined ? resolveTarget(policy, rule, labels) : undefined;
  expect(target).toEqual({ ok: true, target: { kind: 'namespace', namespace: tenant }, sourceIp: '203.0.113.7' });
  expect(rule !== undefined ? resolveTarget(policy, rule, { ...labels, tenant: policy.safety.allowedNamespaces[1] }) : undefined).toMatchObject({ ok: false });

  const existing: NetworkPolicyObject[] = (ofKind(objects, 'NetworkPolicy') as unknown as NetworkPolicyManifest[])
    .filter((n) => n.metadata.namespace === tenant)
    .map((n) => ({ namespace: tenant, name: n.metadata.name, annotations: {}, labels: n.metadata.labels ?? {}, podSelector: n.spec.podSelector, policyTypes: n.spec.policyTypes ?? [], ingress: n.spec.ingress ?? [] }));
  expect(existing.length).toBeGreaterThan(0);
  // Default deny plus scrape: nothing admits the address, so the block holds ...
  expect(policiesAdmitting(existing, {}, '203.0.113.7')).toEqual([]);
  const action = rule?.action.type === 'block-ip' ? rule.action : undefined;
  const np = action !== undefined ? blockNetworkPolicy({ namespace: tenant }, {}, '203.0.113.7', action, new Date(0), existing) : undefined;
  // ... and the block itself admits no address range (it used to admit 0.0.0.0/0 minus the address).
  expect((np?.spec as { ingress: unknown[] }).ingress).toEqual([]);
});
