import { validateManifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';

describe.each(ENVIRONMENT_NAMES)('strict schema validation of %s', (env) => {
  const { objects } = synthEnvironment(env);

  test('synthesizes objects to validate', () => {
    expect(objects.length).toBeGreaterThan(10);
  });

  test('every object matches its upstream schema with no unknown fields', () => {
    const errors = objects.flatMap((o) => validateManifest(o));
    expect(errors).toEqual([]);
  });
});

describe('the validator itself', () => {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ok' } };

  test('accepts a valid core object', () => {
    expect(validateManifest(namespace)).toEqual([]);
  });

  test('fails an unknown field on a core kind', () => {
    expect(validateManifest({ ...namespace, spec: { finalizers: [], bogus: true } })).toEqual([
      'Namespace/ok: /spec must NOT have additional properties (bogus)',
    ]);
  });

  test('fails an unknown field on a custom resource', () => {
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { groups: [{ name: 'g', rules: [{ record: 'a', expr: 'b', bogus: 1 }] }] } };
    expect(validateManifest(rule)).toEqual(['PrometheusRule/r: /spec/groups/0/rules/0 must NOT have additional properties (bogus)']);
  });

  test('fails a wrong type in metadata of a custom resource', () => {
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', labels: { a: 1 } as unknown as Record<string, string> }, spec: { groups: [] } };
    expect(validateManifest(rule)).toEqual(['PrometheusRule/r: /metadata/labels/a must be string']);
  });

  test('fails a kind it has no schema for', () => {
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: no schema for example.com/v1 Widget (looked for io.k8s.api.example.com.v1.Widget and the CRDs in imports/crds)',
    ]);
  });
});
