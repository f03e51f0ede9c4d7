import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { synthesizeApp } from '../../src/core/synth';
import { ENVIRONMENTS } from '../../src/core/environment';
import { ExampleTenant } from '../../stacks/tenants';
import { createEnvironment, EnvironmentCharts } from '../../stacks/environment-stack';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';
import { Manifest } from './schema';

/** The environments the project ships. */
export const ENVIRONMENT_NAMES = Object.keys(ENVIRONMENTS);

/** An environment synthesized in memory. */
export interface SynthesizedEnvironment {
  readonly app: App;
  readonly charts: EnvironmentCharts;
  /** Every object, in output order. */
  readonly objects: Manifest[];
  /** Objects by chart id. */
  readonly byChart: Map<string, Manifest[]>;
}

/** Synthesize one environment in memory, exactly as `npm run synth` does (without writing files). */
export function synthEnvironment(name: string, tenants: ReadonlyArray<ExampleTenant> = EXAMPLE_TENANTS): SynthesizedEnvironment {
  const app = new App({ outdir: path.join(os.tmpdir(), 'unused-outdir') });
  const charts = createEnvironment(app, { profile: ENVIRONMENTS[name], tenants });
  // The same synthesis `npm run synth` uses: validations, dependency order, objects per chart.
  const byChart = new Map<string, Manifest[]>();
  for (const c of synthesizeApp(app)) byChart.set(c.chart.node.id, c.objects as unknown as Manifest[]);
  return { app, charts, objects: [...byChart.values()].flat(), byChart };
}

/** Objects of one kind. */
export function ofKind(objects: ReadonlyArray<Manifest>, kind: string): Manifest[] {
  return objects.filter((o) => o.kind === kind);
}
