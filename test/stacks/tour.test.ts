import * as os from 'node:os';
import * as path from 'node:path';
import { synthesizeApp } from '../../src/core/synth';
import { buildTour } from '../../examples/tour/main';
import { Manifest, validateManifest } from '../support/schema';
import { podTemplates, restrictedViolations } from '../support/pod-security';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the README tour (examples/tour/main.ts)', () => {
  const [chart] = synthesizeApp(buildTour(path.join(os.tmpdir(), 'tour')));
  const objects = chart.objects as unknown as Manifest[];
  const rules = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((r) => (r.spec as Spec).groups.flatMap((g: Spec) => g.rules as Spec[]));

  test('synthesizes valid, restricted objects', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(podTemplates(objects).flatMap(restrictedViolations)).toEqual([]);
  });

  test('adds the custom SLO, tuned and without the silenced alert', () => {
    expect(rules.some((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels?.slo === 'checkout-latency')).toBe(true);
    const errorRate = rules.find((r) => r.alert === 'TenantHighErrorRate') as Spec;
    expect(errorRate.for).toBe('10m');
    expect(errorRate.expr).toContain('0.02');
    expect(rules.some((r) => r.alert === 'BusinessConversionRateDrop')).toBe(false);
  });

  test('has the autoscaler, the drift job, the extra dashboard and the extra receivers', () => {
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'api')).toBe(true);
    expect(objects.some((o) => o.kind === 'CronJob' && o.metadata.name === 'drift-acme-churn-predictor')).toBe(true);
    expect(objects.some((o) => o.kind === 'ConfigMap' && JSON.stringify(o).includes('acme-checkout'))).toBe(true);
    const secret = objects.find((o) => o.kind === 'Secret') as Spec;
    expect(secret.stringData['alertmanager.yaml']).toContain('name: opsgenie');
  });
});
