/**
 * The Pulumi adapter. It is kept out of the package root, so cdk8s users need no Pulumi packages;
 * Pulumi programs import it from its own path:
 * `import { CdkAppResources } from 'cdk8s-tenant-monitoring/lib/src/pulumi'`.
 * @module pulumi
 */
export * from './plan';
export * from './kinds';
export * from './cdk-app-resources';
