import * as fs from 'node:fs';
import * as path from 'node:path';
import { Images } from '../../src/core/images';
import { DASHBOARD_SIDECAR_LABEL } from '../../src/grafana/grafana-dashboards';
import { checkDashboardSchemas, DashboardUnderTest, formatSchemaErrors, installedGrafanaSchemaVersion } from '../support/grafana-schema';
import { ENVIRONMENT_NAMES, ofKind, synthEnvironment } from '../support/synth';

type Json = Record<string, unknown>;

/** Every dashboard the sidecar loads, in every environment, as synthesized (one copy of each distinct JSON). */
function synthesizedDashboards(): DashboardUnderTest[] {
  const seen = new Map<string, DashboardUnderTest>();
  for (const env of ENVIRONMENT_NAMES) {
    for (const cm of ofKind(synthEnvironment(env).objects, 'ConfigMap')) {
      if (cm.metadata.labels?.[DASHBOARD_SIDECAR_LABEL] !== '1') continue;
      for (const [file, json] of Object.entries((cm as unknown as { data: Record<string, string> }).data)) {
        if (!seen.has(json)) seen.set(json, { name: `${env}/${file}`, dashboard: JSON.parse(json) as unknown });
      }
    }
  }
  return [...seen.values()];
}

const dashboards = synthesizedDashboards();
const byName = (suffix: string): Json => structuredClone(dashboards.find((d) => d.name.endsWith(suffix))!.dashboard) as Json;
const panels = (d: Json): Json[] => (d.panels as Json[]).flatMap((p) => (p.type === 'row' ? (p.panels as Json[]) : [p]));

describe('Grafana schema of the deployed version', () => {
  test('the installed @grafana/schema is the deployed Grafana version, pinned exactly', () => {
    const deployed = /:(\d+\.\d+\.\d+)$/.exec(Images.grafana().reference)?.[1];
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect({ installed: installedGrafanaSchemaVersion(), pinned: pkg.devDependencies['@grafana/schema'] }).toEqual({ installed: deployed, pinned: deployed });
  });

  test('covers the dashboards of every environment', () => {
    expect(new Set(dashboards.map((d) => d.name.split('/')[0]))).toEqual(new Set(ENVIRONMENT_NAMES));
    expect(dashboards.length).toBeGreaterThanOrEqual(7 * ENVIRONMENT_NAMES.length);
  });

  test('every synthesized dashboard conforms', () => {
    expect(formatSchemaErrors(checkDashboardSchemas(dashboards))).toEqual([]);
  });

  // Broken copies of real dashboards: each must produce exactly the error named.
  const broken: ReadonlyArray<[string, () => Json, string, RegExp]> = [
    ['a table without cellOptions', () => {
      const d = byName('/tm-security.json');
      const table = panels(d).find((p) => p.type === 'table')!;
      delete ((table.fieldConfig as Json).defaults as { custom: Json }).custom.cellOptions;
      return d;
    }, '"custom": {', /^Property 'cellOptions' is missing in type '\{ align: "auto"; inspect: false; \}' but required in type/],
    ['an Elasticsearch metric of type "unknown"', () => {
      const d = byName('/tm-security.json');
      const logs = panels(d).find((p) => p.type === 'logs')!;
      (logs.targets as Json[])[0]!.metrics = [{ type: 'unknown', id: '1' }];
      return d;
    }, '{', /Type '"unknown"' is not assignable to type 'MetricAggregationType'\.$/],
    ['a query variable with interval fields', () => {
      const d = byName('/tm-security.json');
      ((d.templating as Json).list as Json[])[0]!.auto = false;
      return d;
    }, '"auto": false', /^Object literal may only specify known properties, and '"auto"' does not exist in type/],
    ['a gauge without the Grafana 13 options', () => {
      const d = byName('_slo.json');
      delete (panels(d).find((p) => p.type === 'gauge')!.options as Json).barShape;
      return d;
    }, '"options": {', /^Property 'barShape' is missing in type/],
    ['a panel option the plugin does not have', () => {
      const d = byName('/tm-security.json');
      (panels(d).find((p) => p.type === 'table')!.options as Json).footer = { show: false, reducer: [], countRows: false };
      return d;
    }, '"footer": {', /^Object literal may only specify known properties, and '"footer"' does not exist in type/],
  ];

  test.each(broken)('fails on %s', (_, breakIt, at, message) => {
    const errors = checkDashboardSchemas([{ name: 'broken', dashboard: breakIt() }]);
    expect(errors.map((e) => e.at)).toEqual([at]);
    expect(errors[0]!.message.split('\n').find((line) => message.test(line.trim()))).toBeDefined();
  });
});
