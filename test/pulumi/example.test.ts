import { App } from 'cdk8s';
import { DEV } from '../../src/core/environment';
import { synthesizeApp } from '../../src/core/synth';
import { createEnvironment } from '../../stacks/environment-stack';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';
import { registered, resetRegistrations } from './harness';

// Loaded after the harness installed Pulumi's mocks.
const example: typeof import('../../examples/pulumi/program') = require('../../examples/pulumi/program');
const entryPoint: typeof import('../../examples/pulumi/index') = require('../../examples/pulumi/index');

/** The dev environment's objects as `npm run synth` produces them. */
function devObjects(): Array<Record<string, unknown>> {
  const app = new App();
  createEnvironment(app, { profile: DEV, tenants: EXAMPLE_TENANTS });
  return synthesizeApp(app).flatMap((c) => c.objects);
}

describe('examples/pulumi', () => {
  test('deploys every object of the dev environment, one resource each', async () => {
    resetRegistrations();
    const out = example.main();
    const regs = await registered([...out.deployment.resources.values(), ...out.deployment.charts.values(), out.deployment]);
    const objects = devObjects();
    const kube = regs.filter((r) => r.type.startsWith('kubernetes:'));
    expect(kube).toHaveLength(objects.length);
    expect(out.objects).toBe(objects.length);
    const expectedNamespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => (o.metadata as { name: string }).name).sort();
    expect(out.namespaces).toEqual(expectedNamespaces);
    expect(out.namespaces).toEqual(expect.arrayContaining(['acme-ai', 'globex-ml']));
    expect(kube.filter((r) => r.type === 'kubernetes:core/v1:Namespace').map((r) => r.name).sort()).toEqual(
      expect.arrayContaining(['tenant-acme-ai/Namespace/acme-ai', 'tenant-globex-ml/Namespace/globex-ml']));
    expect(kube.find((r) => r.name === 'tenant-acme-ai/PrometheusRule/acme-ai/tenant-rules')?.type).toBe('kubernetes:monitoring.coreos.com/v1:PrometheusRule');
    // No explicit provider unless a context is configured.
    expect(regs.filter((r) => r.type === 'pulumi:providers:kubernetes')).toEqual([]);
  });

  test('deploys through a provider for the configured context', async () => {
    resetRegistrations();
    const out = example.main({ environment: 'prod', context: 'prod-cluster' });
    const regs = await registered([...out.deployment.resources.values(), out.deployment]);
    expect(out.environment).toBe('prod');
    expect(regs.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => [r.name, r.inputs.context])).toEqual([['cluster', 'prod-cluster']]);
  });

  test('the entry point Pulumi runs returns the stack outputs', () => {
    resetRegistrations();
    expect(typeof entryPoint).toBe('function');
    const outputs = entryPoint();
    expect(outputs).toEqual({ environment: 'dev', namespaces: example.main().namespaces, objects: devObjects().length });
  });

  test('fails on an unknown environment', () => {
    expect(() => example.main({ environment: 'qa' })).toThrow('environment: got "qa"; allowed: one of dev, staging, prod');
  });
});
