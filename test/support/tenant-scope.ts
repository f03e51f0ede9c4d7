import { parse } from 'yaml';
import { EnvironmentProfile } from '../../src/core/environment';
import { TENANT_LABEL } from '../../src/core/labels';
import { tenantDatasourceUid } from '../../src/grafana/datasources';
import { Manifest } from './schema';

/** A datasource as Grafana's provisioning file holds it. */
export type ProvisionedDatasource = Record<string, unknown> & { readonly uid: string; readonly url: string; readonly jsonData?: Record<string, unknown>; readonly secureJsonData?: Record<string, unknown> };

/** What the check reads: the provisioned datasources and the objects that serve them. */
export interface TenantScopeInput {
  readonly datasources: ReadonlyArray<ProvisionedDatasource>;
  readonly objects: ReadonlyArray<Manifest>;
  readonly tenants: ReadonlyArray<string>;
  readonly profile: EnvironmentProfile;
  /** The platform Prometheus URL a label proxy must forward to. */
  readonly platformPrometheusUrl: string;
}

/** The datasources of the synthesized Grafana (`grafana-datasources` ConfigMap). */
export function provisionedDatasources(objects: ReadonlyArray<Manifest>): ProvisionedDatasource[] {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-datasources') as unknown as { data: Record<string, string> };
  return (parse(cm.data['datasources.yaml']!) as { datasources: ProvisionedDatasource[] }).datasources;
}

function headers(ds: ProvisionedDatasource): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(ds.jsonData ?? {})) {
    const m = /^httpHeaderName(\d+)$/.exec(k);
    if (m) out.set(String(v).toLowerCase(), ds.secureJsonData?.[`httpHeaderValue${m[1]}`]);
  }
  return out;
}

interface Container { readonly image: string; readonly args?: string[]; readonly ports?: { name: string; containerPort: number }[] }
interface Deployment extends Manifest { readonly spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } } }
interface Service extends Manifest { readonly spec: { selector: Record<string, string>; ports: { port: number; targetPort?: string | number }[] } }

/** Why the datasource's URL does not reach a prom-label-proxy fixed to `tenant`, or undefined when it does. */
function proxyProblem(url: URL, tenant: string, input: TenantScopeInput): string | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc$/.exec(url.hostname);
  if (!m) return `${url.host} is not an in-cluster Service`;
  const [, name, namespace] = m;
  const service = input.objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace) as Service | undefined;
  if (!service) return `no Service ${namespace}/${name}`;
  const port = service.spec.ports.find((p) => p.port === Number(url.port));
  if (!port) return `Service ${namespace}/${name} has no port ${url.port}`;
  const selected = input.objects.filter((o): o is Deployment => o.kind === 'Deployment' && o.metadata.namespace === namespace
    && Object.entries(service.spec.selector).every(([k, v]) => (o as Deployment).spec.template.metadata.labels[k] === v));
  const proxies = selected.flatMap((d) => d.spec.template.spec.containers)
    .filter((c) => c.image.split(':')[0]!.endsWith('/prom-label-proxy') && c.ports?.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort));
  if (selected.length === 0 || proxies.length === 0) return `Service ${namespace}/${name} does not lead to a prom-label-proxy`;
  for (const c of proxies) {
    const args = c.args ?? [];
    const values = args.filter((a) => a.startsWith('-label-value=')).map((a) => a.slice('-label-value='.length));
    const problems = [
      ...(args.includes(`-label=${TENANT_LABEL}`) ? [] : [`not -label=${TENANT_LABEL}`]),
      ...(values.length === 1 && values[0] === tenant ? [] : [`-label-value ${JSON.stringify(values)}, not ["${tenant}"]`]),
      ...(args.some((a) => /^-(header-name|query-param|regex-match)/.test(a)) ? ['the tenant is taken from the request'] : []),
      ...(args.includes(`-upstream=${input.platformPrometheusUrl}`) ? [] : [`upstream is not ${input.platformPrometheusUrl}`]),
    ];
    if (problems.length > 0) return `the prom-label-proxy behind ${namespace}/${name} enforces ${problems.join(', ')}`;
  }
  return undefined;
}

/**
 * Every tenant's metrics datasource must be scoped to the tenant: either it sends the tenant header to the shared
 * long-term store (which serves only that tenant's data), or it reads through a prom-label-proxy fixed to
 * `tenant=<id>` in front of the platform Prometheus. Returns one message per datasource that is not.
 */
export function tenantScopeViolations(input: TenantScopeInput): string[] {
  const rw = input.profile.remoteWrite;
  return input.tenants.flatMap((tenant) => {
    const uid = tenantDatasourceUid('prometheus', tenant);
    const ds = input.datasources.find((d) => d.uid === uid);
    if (!ds) return [`${uid}: not provisioned`];
    const url = new URL(ds.url);
    const header = rw?.tenantHeader ?? 'X-Scope-OrgID';
    const sent = headers(ds).get(header.toLowerCase());
    if (rw !== undefined && sent === tenant && url.origin === new URL(rw.queryUrl ?? rw.url).origin) return [];
    const problem = proxyProblem(url, tenant, input);
    if (problem === undefined) return [];
    const viaHeader = sent === undefined ? `no ${header} header` : `${header}: ${String(sent)} to ${url.origin}`;
    return [`${uid}: not scoped to tenant ${tenant} (${viaHeader}; ${problem})`];
  });
}
