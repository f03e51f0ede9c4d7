import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { groupOf } from './plan';

/** A `@pulumi/kubernetes` resource class: `k8s.core.v1.Namespace`, `k8s.apps.v1.Deployment`, … */
export type KubernetesResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The built-in API groups and the `@pulumi/kubernetes` module that holds their classes. */
const BUILT_IN_GROUPS: Readonly<Record<string, string>> = {
  '': 'core',
  'admissionregistration.k8s.io': 'admissionregistration',
  'apiextensions.k8s.io': 'apiextensions',
  'apiregistration.k8s.io': 'apiregistration',
  'apps': 'apps',
  'auditregistration.k8s.io': 'auditregistration',
  'autoscaling': 'autoscaling',
  'batch': 'batch',
  'certificates.k8s.io': 'certificates',
  'coordination.k8s.io': 'coordination',
  'discovery.k8s.io': 'discovery',
  'events.k8s.io': 'events',
  'extensions': 'extensions',
  'flowcontrol.apiserver.k8s.io': 'flowcontrol',
  'networking.k8s.io': 'networking',
  'node.k8s.io': 'node',
  'policy': 'policy',
  'rbac.authorization.k8s.io': 'rbac',
  'resource.k8s.io': 'resource',
  'scheduling.k8s.io': 'scheduling',
  'settings.k8s.io': 'settings',
  'storage.k8s.io': 'storage',
  'storagemigration.k8s.io': 'storagemigration',
};

const cache = new Map<string, KubernetesResourceClass | undefined>();

/**
 * The typed `@pulumi/kubernetes` class for a built-in kind (`v1` `Namespace` is
 * `k8s.core.v1.Namespace`, `apps/v1` `Deployment` is `k8s.apps.v1.Deployment`), or `undefined`
 * for kinds the provider has no class for: custom resources, and built-in kinds newer than the
 * installed provider. Those are deployed as `k8s.apiextensions.CustomResource`.
 */
export function typedResourceClass(apiVersion: string, kind: string): KubernetesResourceClass | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!cache.has(key)) cache.set(key, lookup(apiVersion, kind));
  return cache.get(key);
}

function lookup(apiVersion: string, kind: string): KubernetesResourceClass | undefined {
  const group = groupOf(apiVersion);
  const moduleName = Object.prototype.hasOwnProperty.call(BUILT_IN_GROUPS, group) ? BUILT_IN_GROUPS[group] : undefined;
  if (moduleName === undefined || kind.endsWith('List') || kind.endsWith('Patch')) return undefined;
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  // The provider's modules are plain objects of classes; this is the one untyped boundary.
  const groupModule = property(k8s as unknown as Record<string, unknown>, moduleName);
  const versionModule = groupModule && property(groupModule, version);
  const candidate = versionModule && versionModule[kind];
  return isResourceClass(candidate) ? candidate : undefined;
}

function property(obj: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

function isResourceClass(v: unknown): v is KubernetesResourceClass {
  return typeof v === 'function' && v.prototype instanceof pulumi.CustomResource;
}
