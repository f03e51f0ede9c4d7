import { Testing } from 'cdk8s';
import { DEV } from '../../src/core/environment';
import { TenantMonitoringStack } from '../../src/tenancy/tenant-monitoring-stack';
import { Manifest } from '../support/schema';

/** The fields of a NetworkPolicy spec these tests read. */
interface PolicySpec {
  readonly ingress?: ReadonlyArray<{ readonly ports?: unknown }>;
  readonly egress?: unknown;
}

function policies(port?: string): Map<string, PolicySpec> {
  const chart = Testing.chart();
  new TenantMonitoringStack(chart, 'acme', { tenant: { id: 'acme', contacts: { team: 'acme' } }, environment: DEV, scrape: port ? { port } : undefined });
  const objs = Testing.synth(chart) as Manifest[];
  return new Map(objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => [o.metadata.name, o.spec as PolicySpec]));
}
const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };

describe('TenantNamespace network policies', () => {
  const byName = policies();

  test('are default-deny plus DNS, scraping and telemetry, nothing else', () => {
    expect([...byName.keys()].sort()).toEqual(['allow-dns-egress', 'allow-monitoring-scrape', 'allow-telemetry-egress', 'default-deny-all']);
    expect(byName.get('default-deny-all')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('admit only the platform Prometheus pods, on the port the ServiceMonitor names', () => {
    const prometheus = { ...monitoring, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'platform' } } };
    expect(byName.get('allow-monitoring-scrape')).toEqual({
      podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [prometheus], ports: [{ protocol: 'TCP', port: 'metrics' }] }],
    });
    expect(policies('prom').get('allow-monitoring-scrape')?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 'prom' }]);
  });

  test('send traces only to the tenant\'s own collector, on the OTLP ports', () => {
    expect(byName.get('allow-telemetry-egress')?.egress).toEqual([{
      to: [{ ...monitoring, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': 'jaeger-acme' } } }],
      ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }],
    }]);
  });
});
