// The Pulumi adapter: `import { CdkAppResources } from 'cdk8s-tenant-monitoring/lib/src/pulumi'`.
// Kept out of the package root so cdk8s users do not need @pulumi/pulumi or @pulumi/kubernetes.
export * from './plan';
export * from './kinds';
export * from './cdk-app-resources';
