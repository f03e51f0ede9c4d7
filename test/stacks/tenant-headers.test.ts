import { parse } from 'yaml';
import { ENVIRONMENTS } from '../../src/core/environment';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, ofKind, synthEnvironment } from '../support/synth';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const HEADER = 'X-Scope-OrgID';
const TENANTS = ['acme-ai', 'globex-ml'];

/** Every tenant id the objects send in the tenant header, wherever it appears. */
function headerValues(objects: ReadonlyArray<Manifest>): string[] {
  const values: string[] = [];
  const visit = (node: unknown, parent?: Record<string, unknown>): void => {
    if (Array.isArray(node)) node.forEach((n) => visit(n));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === HEADER && typeof v === 'string') values.push(v);
        // Grafana provisioning: httpHeaderNameN / secureJsonData.httpHeaderValueN.
        if (/^httpHeaderName\d+$/.test(k) && v === HEADER) values.push(String(((parent ?? {}).secureJsonData as Record<string, string>)?.[k.replace('Name', 'Value')]));
        // KEDA prometheus trigger: customHeaders "Name=value,...".
        if (k === 'customHeaders' && typeof v === 'string') for (const pair of v.split(',')) if (pair.startsWith(`${HEADER}=`)) values.push(pair.slice(HEADER.length + 1));
        visit(v, node as Record<string, unknown>);
      }
    } else if (typeof node === 'string' && node.includes(HEADER) && /^apiVersion: 1\n/.test(node)) {
      visit(parse(node));
    }
  };
  objects.forEach((o) => visit(o));
  return values;
}

describe.each(ENVIRONMENT_NAMES)('tenant headers in %s', (env) => {
  const { byChart } = synthEnvironment(env);
  const platform = byChart.get('platform') as Manifest[];
  const shared = ENVIRONMENTS[env].remoteWrite !== undefined;

  test(shared ? 'every tenant object sends only its own tenant id' : 'no object sends a tenant header (no shared store)', () => {
    for (const t of TENANTS) {
      const values = headerValues(byChart.get(`tenant-${t}`) as Manifest[]);
      for (const v of values) expect(v).toBe(t);
    }
    if (!shared) expect(headerValues([...byChart.values()].flat())).toEqual([]);
    // The scan finds headers where they are: the KEDA triggers of globex-ml, and in the platform
    // each tenant's datasource (remote write sends none: the gateway sets them from the tenant label).
    if (shared) {
      expect(headerValues(byChart.get('tenant-globex-ml') as Manifest[])).toEqual(['globex-ml', 'globex-ml']);
      expect(headerValues(platform).sort()).toEqual(['acme-ai', 'globex-ml']);
    }
  });

  if (!shared) return;

  test('remote write sends every series, tenant label intact, through one queue to the gateway that sets the header from it', () => {
    const [prometheus] = ofKind(platform, 'Prometheus');
    const queues = (prometheus.spec as Spec).remoteWrite as Spec[];
    expect(queues).toEqual([{ name: 'tenants', url: ENVIRONMENTS[env].remoteWrite?.url }]);
  });

  test('each tenant\'s Grafana metrics datasource carries its header; no other datasource does', () => {
    const cm = ofKind(platform, 'ConfigMap').find((c) => c.metadata.name === 'grafana-datasources') as Manifest & { data: Record<string, string> };
    const datasources = parse(cm.data['datasources.yaml']).datasources as Spec[];
    const withHeader = datasources.filter((d) => Object.values(d.jsonData ?? {}).includes(HEADER));
    expect(withHeader.map((d) => [d.uid, d.secureJsonData.httpHeaderValue1])).toEqual(TENANTS.map((t) => [`prometheus-${t}`, t]));
  });

  test('KEDA triggers of a tenant query the shared store with that tenant\'s header', () => {
    const scaled = ofKind(byChart.get('tenant-globex-ml') as Manifest[], 'ScaledObject');
    expect(scaled.length).toBe(1);
    for (const trigger of (scaled[0].spec as Spec).triggers) {
      expect(trigger.metadata.customHeaders).toBe(`${HEADER}=globex-ml`);
      expect(trigger.metadata.serverAddress).toBe(ENVIRONMENTS[env].remoteWrite?.queryUrl);
    }
  });
});
