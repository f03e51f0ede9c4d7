import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * Type-checks dashboard JSON against the `Dashboard` model of the installed `@grafana/schema`, the package Grafana
 * publishes with each release. Each dashboard becomes `const dashboard: StrictDashboard = <json>;` and the
 * TypeScript compiler reports every field the model does not allow, every missing required field and every wrong
 * value, with excess property checks on nested objects.
 *
 * The plain `Dashboard` type leaves panel options, field config and queries open (`Record<string, unknown>`), so
 * `StrictDashboard` narrows each panel by its `type` to that panel plugin's `Options` and `FieldConfig` from the same
 * package. TS enums in those types (`LegendDisplayMode`, `ThresholdsMode`, …) are mapped to the union of their
 * string values so JSON literals can match them. The package no longer ships the Elasticsearch query model, so
 * Elasticsearch queries are checked against the metric aggregation types of the foundation SDK the dashboards
 * are built with (`MetricAggregationType`).
 */

/** Where the installed @grafana/schema lives. */
export const GRAFANA_SCHEMA_DIR = path.dirname(require.resolve('@grafana/schema/package.json'));

/** The version of the installed @grafana/schema. */
export function installedGrafanaSchemaVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(GRAFANA_SCHEMA_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

// The SDK exports no package.json; its elasticsearch entry point sits at dist/elasticsearch/index.js.
const SDK_DIR = path.resolve(path.dirname(require.resolve('@grafana/grafana-foundation-sdk/elasticsearch')), '../..');

/** Panel plugins whose options are checked, with their module in @grafana/schema and whether it has a FieldConfig. */
const PANELS: ReadonlyArray<{ readonly type: string; readonly module: string; readonly fieldConfig: boolean }> = [
  { type: 'timeseries', module: 'timeseries', fieldConfig: true },
  { type: 'stat', module: 'stat', fieldConfig: false },
  { type: 'gauge', module: 'gauge', fieldConfig: false },
  { type: 'table', module: 'table', fieldConfig: true },
  { type: 'logs', module: 'logs', fieldConfig: false },
];

function composable(module: string): string {
  return path.join(GRAFANA_SCHEMA_DIR, 'dist/types/raw/composable', module, 'panelcfg/x/types.gen').replace(/\\/g, '/');
}

function typesModule(): string {
  const imports = PANELS.map((p) => `import type * as ${p.module} from '${composable(p.module)}';`).join('\n');
  const panels = PANELS.map((p) => `PanelOf<'${p.type}', ${p.module}.Options, ${p.fieldConfig ? `${p.module}.FieldConfig` : 'Record<string, never>'}>`).join('\n  | ');
  const es = path.join(SDK_DIR, 'dist/elasticsearch/types.gen').replace(/\\/g, '/');
  return `import type { Dashboard, DataQuery, DataSourceRef, FieldConfig, FieldConfigSource, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type { MetricAggregationType } from '${es}';
${imports}

/** A type as JSON can spell it: string enums become the union of their values. */
type Json<T> = T extends string ? (string extends T ? string : \`\${T}\`)
  : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<Json<U>>
  : T extends object ? { [K in keyof T]: Json<T[K]> }
  : T;

type PrometheusQuery = Json<DataQuery> & { datasource?: { type: 'prometheus'; uid: string }; expr: string; [key: string]: unknown };
type ElasticsearchMetric = { type: MetricAggregationType; id: string; field?: string; hide?: boolean; settings?: Record<string, unknown> };
type ElasticsearchQuery = Json<DataQuery> & { datasource: { type: 'elasticsearch'; uid: string }; metrics?: ElasticsearchMetric[]; [key: string]: unknown };
type Query = PrometheusQuery | ElasticsearchQuery;

type FieldSource<F> = Omit<Json<FieldConfigSource>, 'defaults'> & { defaults: Omit<Json<FieldConfig>, 'custom'> & { custom?: Json<F> } };
type PanelOf<T extends string, O, F> = Omit<Json<Panel>, 'type' | 'options' | 'fieldConfig' | 'targets' | 'datasource'> & {
  type: T; datasource?: Json<DataSourceRef>; options?: Json<O>; fieldConfig?: FieldSource<F>; targets?: Query[];
};
type TypedPanel =
  | ${panels};
type TypedRow = Omit<Json<RowPanel>, 'panels' | 'type'> & { type: 'row'; panels: TypedPanel[] };

/** Dashboard of the installed @grafana/schema with each panel checked against its plugin's model. */
export type StrictDashboard = Omit<Json<Dashboard>, 'panels' | 'templating'> & {
  panels?: Array<TypedPanel | TypedRow>;
  templating?: { list?: Array<Json<VariableModel>> };
};
`;
}

/** A dashboard to check. */
export interface DashboardUnderTest {
  /** A name for messages (unique in one call), e.g. `prod/tm-security.json`. */
  readonly name: string;
  /** The dashboard JSON model. */
  readonly dashboard: unknown;
}

/** One schema error: the dashboard, the line of its pretty-printed JSON, the compiler's message. */
export interface SchemaError {
  readonly dashboard: string;
  readonly line: number;
  /** The JSON line the error points at, trimmed. */
  readonly at: string;
  readonly message: string;
}

/** Type-check dashboards; returns every error (an empty list when all conform). */
export function checkDashboardSchemas(dashboards: ReadonlyArray<DashboardUnderTest>): SchemaError[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-schema-'));
  try {
    fs.writeFileSync(path.join(dir, 'schema-types.ts'), typesModule());
    const files = new Map<string, DashboardUnderTest>();
    dashboards.forEach((d, i) => {
      const file = path.join(dir, `dashboard-${i}.ts`);
      fs.writeFileSync(file, `import type { StrictDashboard } from './schema-types';\nexport const dashboard: StrictDashboard = ${JSON.stringify(d.dashboard, null, 1)};\n`);
      files.set(file, d);
    });
    const program = ts.createProgram([...files.keys()], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      baseUrl: dir,
      paths: { '@grafana/schema': [path.join(GRAFANA_SCHEMA_DIR, 'dist/types/index.d.ts')] },
      types: [],
    });
    const errors: SchemaError[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const file = diagnostic.file;
      const under = file ? files.get(path.resolve(file.fileName)) : undefined;
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (file === undefined || under === undefined || diagnostic.start === undefined) {
        // An error in the generated types themselves: the harness is wrong, report it as such.
        errors.push({ dashboard: file?.fileName ?? '<program>', line: 0, at: '', message });
        continue;
      }
      const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
      errors.push({ dashboard: under.name, line: line + 1, at: file.text.split('\n')[line]!.trim(), message });
    }
    return errors;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per error, for readable test failures. */
export function formatSchemaErrors(errors: ReadonlyArray<SchemaError>): string[] {
  return errors.map((e) => `${e.dashboard}:${e.line}: ${e.at} — ${e.message.split('\n').slice(-1)[0]}`);
}
