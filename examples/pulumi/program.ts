/**
 * A Pulumi program that deploys one monitoring environment (the platform and the example tenants)
 * through the adapter. `index.ts` is the entry point Pulumi runs; tests call `main` under mocks.
 *
 * In your own project, import the adapter from the package instead:
 *   import { CdkAppResources } from 'cdk8s-tenant-monitoring/lib/src/pulumi';
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { ENVIRONMENTS } from '../../src/core/environment';
import { CdkAppResources } from '../../src/pulumi';
import { createEnvironment } from '../../stacks/environment-stack';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';

/** The program's settings (Pulumi config `environment` and `context`). */
export interface ExampleSettings {
  /** The environment to deploy: `dev`, `staging` or `prod`. @default 'dev' */
  readonly environment?: string;
  /** The kubeconfig context to deploy to. @default - the provider's default (current context) */
  readonly context?: string;
}

/** The stack outputs. */
export interface ExampleOutputs {
  /** The environment deployed. */
  readonly environment: string;
  /** The namespaces the environment creates, sorted. */
  readonly namespaces: string[];
  /** How many Kubernetes objects were registered. */
  readonly objects: number;
  /** The deployment component, for programs that build on it. */
  readonly deployment: CdkAppResources;
}

/** Deploy one environment; returns the stack outputs. */
export function main(settings: ExampleSettings = {}): ExampleOutputs {
  const environment = settings.environment ?? 'dev';
  const profile = ENVIRONMENTS[environment];
  if (!profile) throw new Error(`environment: got ${JSON.stringify(environment)}; allowed: one of ${Object.keys(ENVIRONMENTS).join(', ')}`);

  const app = new App();
  createEnvironment(app, { profile, tenants: EXAMPLE_TENANTS });
  const provider = settings.context ? new k8s.Provider('cluster', { context: settings.context }) : undefined;
  const deployment = new CdkAppResources(environment, { app }, provider ? { provider } : {});
  const namespaces = deployment.plan.objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace').map((o) => o.name).sort();
  return { environment, namespaces, objects: deployment.plan.objects.length, deployment };
}

/** Read the settings from the Pulumi stack configuration. */
export function readSettings(config: pulumi.Config = new pulumi.Config()): ExampleSettings {
  return { environment: config.get('environment'), context: config.get('context') };
}
