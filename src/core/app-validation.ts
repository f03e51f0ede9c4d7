import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationErrors } from './errors';
import { DASHBOARD_SIDECAR_LABEL, TENANT_NAMESPACE_LABEL, TENANT_OBJECT_LABEL } from './labels';
import { K8S_LABEL_VALUE_ALLOWED, validateKubernetesLabelValue } from './validation';

/** An object of the app with the JSON it renders to. */
export interface RenderedObject {
  /** The construct. */
  readonly node: ApiObject;
  /** What it renders to. */
  readonly json: Record<string, unknown>;
}

interface Metadata {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Allowed text for an object's identity within one output. */
export const UNIQUE_OBJECT_ALLOWED = 'one object per kind, namespace and name in one output (one platform per output, each tenant in one chart)';
/**
 * The tenants of the app `scope` belongs to: every value of the tenant label (`TENANT_OBJECT_LABEL`) on its
 * objects, which a `TenantMonitoringStack` and `MonitoringPlatform.addTenant` both set.
 */
export function registeredTenants(scope: IConstruct): ReadonlySet<string> {
  const tenants = new Set<string>();
  for (const c of scope.node.root.node.findAll()) {
    const tenant = ApiObject.isApiObject(c) ? c.metadata.getLabel(TENANT_OBJECT_LABEL) : undefined;
    if (tenant !== undefined) tenants.add(tenant);
  }
  return tenants;
}

/** Allowed text for a dashboard UID. */
export const DASHBOARD_UID_ALLOWED = 'a dashboard UID not used by another dashboard of the output (every tenant\'s dashboards load into one Grafana)';
/** Allowed text for an object name's length. */
export const OBJECT_NAME_ALLOWED = 'a Kubernetes object name of at most 253 characters';

/**
 * The checks that need every object of the app at once, as messages naming the construct path, the field and what
 * is allowed (empty when all pass):
 *
 * - two objects of one kind with one namespace and name (two platforms in one output, a tenant in two charts): the
 *   second would overwrite the first when applied;
 * - names over 253 characters and label values that are not Kubernetes label values (over 63 characters, say);
 * - an object labelled for one tenant in the namespace of another tenant (a tenant-isolation hole);
 * - two dashboards with one UID, among the sidecar's ConfigMaps or among grafana-operator `GrafanaDashboard`s: one
 *   Grafana would show only one of them.
 */
export function validateAppObjects(objects: ReadonlyArray<RenderedObject>): string[] {
  const errors = new ValidationErrors();
  const byIdentity = new Map<string, ApiObject>();
  const namespaceTenant = new Map<string, string>();
  const dashboardUids = new Map<string, ApiObject>();
  const checkDashboardUid = (node: ApiObject, via: string, field: string, uid: string) => {
    const first = dashboardUids.get(`${via} ${uid}`);
    if (first === undefined) dashboardUids.set(`${via} ${uid}`, node);
    else errors.add(node, field, uid, DASHBOARD_UID_ALLOWED, `also used by ${first.node.path}`);
  };
  for (const { json } of objects) {
    const meta = (json.metadata ?? {}) as Metadata;
    const tenant = meta.labels?.[TENANT_OBJECT_LABEL];
    if (json.kind === 'Namespace' && meta.name !== undefined && tenant !== undefined && meta.labels?.[TENANT_NAMESPACE_LABEL] === 'true') namespaceTenant.set(meta.name, tenant);
  }
  for (const { node, json } of objects) {
    const meta = (json.metadata ?? {}) as Metadata;
    const name = meta.name ?? '';
    const identity = `${String(json.apiVersion).split('/')[0]} ${String(json.kind)} ${meta.namespace ?? ''}/${name}`;
    const first = byIdentity.get(identity);
    if (first !== undefined) {
      errors.add(node, 'metadata.name', `${String(json.kind)} ${meta.namespace === undefined ? '' : `${meta.namespace}/`}${name}`, UNIQUE_OBJECT_ALLOWED, `also written by ${first.node.path}`);
    } else {
      byIdentity.set(identity, node);
    }
    if (name.length > 253) errors.add(node, 'metadata.name', name, OBJECT_NAME_ALLOWED, `${name.length} characters`);
    for (const [key, value] of Object.entries(meta.labels ?? {})) {
      if (value.length > 63) errors.add(node, `metadata.labels.${key}`, value, K8S_LABEL_VALUE_ALLOWED, `${value.length} characters`);
      else errors.capture(() => validateKubernetesLabelValue(value, node, `metadata.labels.${key}`));
    }
    if (json.kind === 'ConfigMap' && meta.labels?.[DASHBOARD_SIDECAR_LABEL] !== undefined) {
      for (const key of Object.keys((json.data ?? {}) as Record<string, string>)) {
        if (key.endsWith('.json')) checkDashboardUid(node, 'sidecar', `data.${key}`, key.slice(0, -'.json'.length));
      }
    }
    const spec = json.spec as { readonly uid?: unknown } | undefined;
    if (json.kind === 'GrafanaDashboard' && typeof spec?.uid === 'string') checkDashboardUid(node, 'operator', 'spec.uid', spec.uid);
    const tenant = meta.labels?.[TENANT_OBJECT_LABEL];
    const owner = meta.namespace === undefined ? undefined : namespaceTenant.get(meta.namespace);
    if (tenant !== undefined && owner !== undefined && owner !== tenant) {
      errors.add(node, 'metadata.namespace', meta.namespace, `the namespace of tenant "${tenant}" or a shared one, not another tenant's`, `the namespace of tenant "${owner}"`);
    }
  }
  return errors.all;
}
