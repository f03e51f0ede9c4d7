import { Manifest } from '../support/schema';
import { matchesSelector, NetworkModel } from '../support/network-reachability';

// Tiny hand-written cases of the evaluator's semantics, each the smallest that tells a correct
// reading of the NetworkPolicy API from a plausible wrong one.

type Ports = ReadonlyArray<{ name?: string; containerPort: number; protocol?: string }>;
const namespace = (name: string, labels: Record<string, string> = {}): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const deployment = (ns: string, name: string, labels: Record<string, string>, ports: Ports = [{ name: 'http', containerPort: 8080 }]): Manifest => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1', ports }] } } },
});
const policy = (ns: string, name: string, spec: Record<string, unknown>): Manifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });

const BASE: Manifest[] = [
  namespace('a', { team: 'a' }), namespace('b', { team: 'b' }),
  deployment('a', 'client', { app: 'client' }),
  deployment('a', 'other', { app: 'other' }),
  deployment('b', 'server', { app: 'server' }, [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9102 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }]),
];
const model = (...policies: Manifest[]) => NetworkModel.fromManifests([...BASE, ...policies]);
const allows = (m: NetworkModel, from: string, to: string, port: number, protocol = 'TCP') => m.allows(m.pod(from), m.pod(to), port, protocol);

describe('NetworkPolicy evaluator', () => {
  test('without policies everything is allowed', () => {
    const m = model();
    expect(allows(m, 'a/client', 'b/server', 8080)).toBe(true);
    expect(allows(m, 'b/server', 'a/client', 8080)).toBe(true);
  });

  test('a pod is isolated by any policy that selects it, and only for that policy type', () => {
    const m = model(policy('b', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }));
    expect(allows(m, 'a/client', 'b/server', 8080)).toBe(false);
    // Egress of the server is not isolated, and a policy in b does not isolate pods of a.
    expect(allows(m, 'b/server', 'a/client', 8080)).toBe(true);
  });

  test('policies are additive: the union of the rules of every policy selecting the pod', () => {
    const fromApp = (app: string) => ({ podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app } } }] }] });
    const one = model(policy('b', 'client', fromApp('client')));
    expect([allows(one, 'a/client', 'b/server', 8080), allows(one, 'a/other', 'b/server', 8080)]).toEqual([true, false]);
    const both = model(policy('b', 'client', fromApp('client')), policy('b', 'other', fromApp('other')));
    expect([allows(both, 'a/client', 'b/server', 8080), allows(both, 'a/other', 'b/server', 8080)]).toEqual([true, true]);
  });

  test('both sides must allow: egress of the source and ingress of the destination', () => {
    const egressOnlyToB = policy('a', 'egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }] });
    const ingressNone = policy('b', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(allows(model(egressOnlyToB), 'a/client', 'b/server', 8080)).toBe(true);
    expect(allows(model(egressOnlyToB), 'a/client', 'a/other', 8080)).toBe(false);
    expect(allows(model(egressOnlyToB, ingressNone), 'a/client', 'b/server', 8080)).toBe(false);
  });

  test('policyTypes defaults to Ingress, plus Egress when the policy has egress rules', () => {
    const ingressDefault = model(policy('b', 'p', { podSelector: {} }));
    expect(allows(ingressDefault, 'a/client', 'b/server', 8080)).toBe(false);
    expect(allows(ingressDefault, 'b/server', 'a/client', 8080)).toBe(true);
    const withEgress = model(policy('b', 'p', { podSelector: {}, ingress: [{}], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }));
    expect(allows(withEgress, 'b/server', 'a/client', 8080)).toBe(false);
    expect(allows(withEgress, 'a/client', 'b/server', 8080)).toBe(true);
  });

  test('named ports resolve against the destination container ports; endPort gives a range; protocols differ', () => {
    const on = (ports: unknown[]) => model(policy('b', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports }] }));
    const named = on([{ port: 'metrics' }]);
    expect([allows(named, 'a/client', 'b/server', 9102), allows(named, 'a/client', 'b/server', 8080)]).toEqual([true, false]);
    // A name the destination does not have matches nothing, and a name matches only its own protocol.
    expect(allows(on([{ port: 'nope' }]), 'a/client', 'b/server', 9102)).toBe(false);
    expect(allows(on([{ port: 'dns', protocol: 'TCP' }]), 'a/client', 'b/server', 53, 'UDP')).toBe(false);
    expect(allows(on([{ port: 'dns', protocol: 'UDP' }]), 'a/client', 'b/server', 53, 'UDP')).toBe(true);
    const range = on([{ port: 8000, endPort: 9000 }]);
    expect([allows(range, 'a/client', 'b/server', 8080), allows(range, 'a/client', 'b/server', 9102)]).toEqual([true, false]);
    // A port entry without a port is every port of its protocol.
    expect(allows(on([{ protocol: 'UDP' }]), 'a/client', 'b/server', 53, 'UDP')).toBe(true);
    expect(allows(on([{ protocol: 'UDP' }]), 'a/client', 'b/server', 8080)).toBe(false);
  });

  test('namespace and pod selector in one peer must both match; in two peers either matches', () => {
    const sameNs = { namespaceSelector: { matchLabels: { team: 'a' } } };
    const client = { podSelector: { matchLabels: { app: 'client' } } };
    const and = model(policy('b', 'p', { podSelector: {}, ingress: [{ from: [{ ...sameNs, ...client }] }] }));
    expect([allows(and, 'a/client', 'b/server', 8080), allows(and, 'a/other', 'b/server', 8080)]).toEqual([true, false]);
    const or = model(policy('b', 'p', { podSelector: {}, ingress: [{ from: [sameNs, client] }] }));
    expect([allows(or, 'a/client', 'b/server', 8080), allows(or, 'a/other', 'b/server', 8080)]).toEqual([true, true]);
    // A pod selector alone selects pods of the policy's own namespace only.
    const podOnly = model(policy('b', 'p', { podSelector: {}, ingress: [{ from: [client] }] }));
    expect(allows(podOnly, 'a/client', 'b/server', 8080)).toBe(false);
  });

  test('matchExpressions: In, NotIn, Exists, DoesNotExist; an empty selector matches everything', () => {
    const labels = { app: 'client', tier: 'web' };
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: ['client', 'x'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'missing', operator: 'In', values: ['client'] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['client'] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['client'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(matchesSelector({ matchLabels: { app: 'client' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });

  test('an ipBlock of every address is read as matching pods too; a narrower one matches no pod', () => {
    const to = (cidr: string) => model(policy('a', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr, except: ['10.0.0.0/8'] } }], ports: [{ port: 8080 }] }] }));
    expect(allows(to('0.0.0.0/0'), 'a/client', 'b/server', 8080)).toBe(true);
    expect(allows(to('10.0.0.1/32'), 'a/client', 'b/server', 8080)).toBe(false);
  });

  test('an empty from or to admits every peer', () => {
    const m = model(policy('b', 'p', { podSelector: {}, ingress: [{ from: [], ports: [{ port: 'http' }] }] }));
    expect(allows(m, 'a/client', 'b/server', 8080)).toBe(true);
    expect(allows(m, 'a/client', 'b/server', 9102)).toBe(false);
  });

  test('the full matrix counts every pod pair and every destination port', () => {
    const { pairs, checks, allowed } = model(policy('b', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })).connections();
    // 3 workloads + the stand-ins (kube-dns, the ECK operator, a pod of an unrelated namespace).
    expect(pairs).toBe(6 * 6);
    expect(checks).toBeGreaterThan(pairs);
    expect(allowed.some((c) => c.to.id === 'b/server')).toBe(false);
  });
});
