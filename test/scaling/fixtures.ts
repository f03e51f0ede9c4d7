import { Chart, Testing } from 'cdk8s';
import { IScalable, Scalable } from '../../src/scaling';
import { Manifest } from '../support/schema';

/** A synthesized object, as much of it as the scaling tests read. */
export interface Obj extends Manifest {
  readonly spec: Record<string, unknown>;
}

/** The value at a dotted path (`spec.triggers.0.metadata.query`) of synthesized JSON. */
export function pick(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** A fresh chart in a fresh app. */
export function newChart(): Chart {
  return Testing.chart();
}

/** The `acme/api` Deployment: one container with CPU and memory requests. */
export function apiTarget(overrides: Partial<IScalable> = {}): IScalable {
  return {
    ...Scalable.fromDeploymentName(undefined, 'acme', 'api', { containersWithRequests: ['api'], podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } }),
    ...overrides,
  };
}

/** Synthesize and return the objects of one kind. */
export function objectsOf(chart: Chart, kind: string): Obj[] {
  return (Testing.synth(chart) as Obj[]).filter((o) => o.kind === kind);
}

/** Synthesize and return the single object of one kind. */
export function only(chart: Chart, kind: string): Obj {
  const found = objectsOf(chart, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
