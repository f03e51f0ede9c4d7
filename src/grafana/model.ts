import { DEFAULT_ANOMALY_SCORE_THRESHOLD, DEFAULT_DRIFT_SCORE_THRESHOLD } from '../core/environment';
import { ValidationError } from '../core/errors';
import { DNS_LABEL_ALLOWED, isDnsLabel } from '../core/validation';
import { createHash } from 'node:crypto';
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardJson, DashboardPanelJson } from './dashboard-json';

export { RULE_METRICS, DOCUMENTED_METRICS, isTenantScopedMetric } from './metrics';
export type { RuleMetric, DocumentedMetric, Exporter, MetricScope } from './metrics';

/** Grafana's limit on the length of a dashboard UID. */
export const GRAFANA_UID_MAX_LENGTH = 40;

/** The UIDs of the Grafana datasources the dashboards query. */
export interface DashboardDatasourceUids {
  /**
   * Prometheus (or a Prometheus-compatible long-term store).
   * @default 'prometheus'
   */
  readonly prometheus?: string;
  /**
   * Elasticsearch datasource over the audit data streams.
   * @default 'elasticsearch-audit'
   */
  readonly audit?: string;
}

/** Thresholds the panels colour against; one place, like a monitoring mixin's config object. */
export interface DashboardThresholds {
  /**
   * Latency objective in seconds (p95 and p99 panels turn red above it).
   * @default 0.2
   */
  readonly latencySloSeconds?: number;
  /**
   * Highest acceptable error ratio (0–1).
   * @default 0.001 (0.1 %)
   */
  readonly errorRatio?: number;
  /**
   * Availability target (0–1), also the SLO objective used for burn rates.
   * @default 0.999 (99.9 %)
   */
  readonly uptimeTarget?: number;
  /**
   * Expected throughput in requests per second (drawn as a target line).
   * @default 100
   */
  readonly throughputTargetRps?: number;
  /**
   * Drift score above which a feature counts as drifted.
   * @default DEFAULT_DRIFT_SCORE_THRESHOLD (0.25, the built-in profiles' and the drift alert's)
   */
  readonly driftScore?: number;
  /**
   * Anomaly z-score above which a series counts as anomalous.
   * @default 3
   */
  readonly anomalyZscore?: number;
  /**
   * Isolation-forest anomaly score (0..1) at or above which a model counts as anomalous.
   * @default DEFAULT_ANOMALY_SCORE_THRESHOLD (0.65, the anomaly job's default)
   */
  readonly anomalyScore?: number;
}

/** What every dashboard function takes. */
export interface DashboardContext {
  /**
   * Tenant the dashboard is for: its `tenant` variable is fixed to this value and every query filters on it.
   * @default - a platform-wide dashboard with a `tenant` variable listing all tenants
   */
  readonly tenant?: string;
  /**
   * Datasource UIDs.
   * @default - the UIDs in DEFAULT_DATASOURCE_UIDS
   */
  readonly datasources?: DashboardDatasourceUids;
  /**
   * Thresholds.
   * @default - the defaults of each DashboardThresholds field
   */
  readonly thresholds?: DashboardThresholds;
}

/** Datasource UIDs used when the context does not name them. */
export const DEFAULT_DATASOURCE_UIDS: Required<DashboardDatasourceUids> = { prometheus: 'prometheus', audit: 'elasticsearch-audit' };

/** Threshold values used when the context does not set them. */
export const DEFAULT_THRESHOLDS: Required<DashboardThresholds> = {
  latencySloSeconds: 0.2,
  errorRatio: 0.001,
  uptimeTarget: 0.999,
  throughputTargetRps: 100,
  driftScore: DEFAULT_DRIFT_SCORE_THRESHOLD,
  anomalyZscore: 3,
  anomalyScore: DEFAULT_ANOMALY_SCORE_THRESHOLD,
};

/** A {@link DashboardContext} with every default applied and every value checked. */
export interface ResolvedDashboardContext {
  /** Tenant, or `undefined` for platform-wide. */
  readonly tenant: string | undefined;
  /** Datasource UIDs. */
  readonly datasources: Required<DashboardDatasourceUids>;
  /** Thresholds. */
  readonly thresholds: Required<DashboardThresholds>;
}


/**
 * Apply defaults and check a dashboard context.
 *
 * @throws Error naming the field, the value and what is allowed.
 */
export function resolveDashboardContext(ctx: DashboardContext): ResolvedDashboardContext {
  if (ctx.tenant !== undefined && !isDnsLabel(ctx.tenant)) {
    throw new ValidationError('DashboardContext', 'tenant', ctx.tenant, DNS_LABEL_ALLOWED);
  }
  const thresholds = { ...DEFAULT_THRESHOLDS, ...ctx.thresholds };
  for (const field of ['errorRatio', 'uptimeTarget', 'anomalyScore'] as const) {
    const v = thresholds[field];
    if (!(v > 0 && v < 1)) {
      throw new ValidationError('DashboardContext', `thresholds.${field}`, v, 'a ratio strictly between 0 and 1');
    }
  }
  for (const field of ['latencySloSeconds', 'throughputTargetRps', 'driftScore', 'anomalyZscore'] as const) {
    const v = thresholds[field];
    if (!(Number.isFinite(v) && v > 0)) {
      throw new ValidationError('DashboardContext', `thresholds.${field}`, v, 'a positive number');
    }
  }
  const datasources = { ...DEFAULT_DATASOURCE_UIDS, ...ctx.datasources };
  for (const [field, uid] of Object.entries(datasources)) {
    if (!/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) {
      throw new ValidationError('DashboardContext', `datasources.${field}`, uid, "a Grafana UID: 1-40 characters of a-z, A-Z, 0-9, '-' and '_'");
    }
  }
  return { tenant: ctx.tenant, datasources, thresholds };
}

/**
 * Shorten a UID to Grafana's 40 characters: UIDs that fit are kept, longer ones keep their first 31 characters and
 * end with 8 hex characters of the SHA-256 of the whole UID, so they stay deterministic and distinct.
 */
export function fitGrafanaUid(uid: string): string {
  if (uid.length <= GRAFANA_UID_MAX_LENGTH) {
    return uid;
  }
  const hash = createHash('sha256').update(uid).digest('hex').slice(0, 8);
  return `${uid.slice(0, GRAFANA_UID_MAX_LENGTH - 9)}-${hash}`;
}

/**
 * The UID of a dashboard: `tm-<name>` platform-wide, `tm-<tenant>_<name>` for a tenant (tenant ids never contain
 * `_`, so the two forms cannot collide), shortened with a hash beyond 40 characters. It is a public contract:
 * links and bookmarks use it.
 */
export function dashboardUid(name: string, tenant?: string): string {
  return fitGrafanaUid(tenant === undefined ? `tm-${name}` : `tm-${tenant}_${name}`);
}

/** A PromQL query found in a dashboard, with where it is. */
export interface DashboardQuery {
  /** Title of the panel holding the query. */
  readonly panel: string;
  /** The query's refId. */
  readonly refId: string;
  /** The PromQL expression. */
  readonly expr: string;
}

/** The SDK's view of a dashboard JSON model (the public signatures take the structural {@link DashboardJson}). */
function sdkDashboard(dashboard: DashboardJson): Dashboard {
  return dashboard as Dashboard;
}

function panelsOf(dashboard: DashboardJson): Panel[] {
  const out: Panel[] = [];
  for (const p of sdkDashboard(dashboard).panels ?? []) {
    if (p.type === 'row') {
      out.push(...(p as RowPanel).panels);
    } else {
      out.push(p as Panel);
    }
  }
  return out;
}

/** Every PromQL expression of a dashboard's panels (rows included), in panel order. */
export function listDashboardQueries(dashboard: DashboardJson): readonly DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets ?? []) {
      // Targets are an open union in the SDK; a Prometheus query is the one carrying a string `expr`.
      const t = target as { expr?: unknown; refId?: unknown };
      if (typeof t.expr === 'string') {
        queries.push({ panel: panel.title ?? '', refId: typeof t.refId === 'string' ? t.refId : '', expr: t.expr });
      }
    }
  }
  return queries;
}

/**
 * The UIDs of the datasources a dashboard names: those of its panels, their queries and its variables, each once, in
 * order of first use. References through a variable (`${ds}`) are left out: they resolve in the browser.
 */
export function listDashboardDatasourceUids(dashboard: DashboardJson): readonly string[] {
  const refs: unknown[] = [];
  for (const panel of panelsOf(dashboard)) {
    refs.push(panel.datasource, ...(panel.targets ?? []).map((t) => (t as { datasource?: unknown }).datasource));
  }
  for (const variable of sdkDashboard(dashboard).templating.list ?? []) refs.push(variable.datasource);
  const uids = refs
    .map((r) => (r !== null && typeof r === 'object' ? (r as { uid?: unknown }).uid : undefined))
    .filter((u): u is string => typeof u === 'string' && !u.startsWith('$'));
  return [...new Set(uids)];
}

/** Every panel of a dashboard except row headers, rows' children included. */
export function listDashboardPanels(dashboard: DashboardJson): readonly DashboardPanelJson[] {
  return panelsOf(dashboard);
}

/**
 * Gauge options Grafana 13 requires (its gauge panel was rebuilt) that the SDK's gauge builder does not know; the values
 * are Grafana's own defaults, so a gauge looks as it did.
 */
const GAUGE_OPTIONS: Readonly<Record<string, unknown>> = { barShape: 'flat', barWidthFactor: 0.5, effects: {}, segmentCount: 1, segmentSpacing: 0.3, shape: 'gauge' };

/** Fields the SDK writes on every variable that Grafana's model allows on interval variables only. */
const INTERVAL_VARIABLE_FIELDS = ['auto', 'auto_min', 'auto_count'] as const;

function fitVariable(variable: VariableModel): VariableModel {
  if (variable.type === 'interval') return variable;
  const fitted: VariableModel = { ...variable };
  for (const field of INTERVAL_VARIABLE_FIELDS) delete fitted[field];
  return fitted;
}

function fitPanel(panel: Panel): Panel {
  // Panel options are untyped in the SDK (`any`); they are read here as the JSON object they are.
  const options = panel.options as Record<string, unknown> | undefined;
  if (panel.type === 'gauge') {
    return { ...panel, options: { ...GAUGE_OPTIONS, ...options } };
  }
  if (panel.type !== 'table') return panel;
  // Grafana 12.2 moved the table footer from the panel options to the field config (`custom.footer.reducers`).
  const { footer, ...rest } = options ?? {};
  const old = footer as { show?: boolean; reducer?: string[] } | undefined;
  const custom = { ...(panel.fieldConfig?.defaults.custom as Record<string, unknown> | undefined) };
  custom.cellOptions ??= { type: 'auto' };
  if (old?.show === true && custom.footer === undefined) custom.footer = { reducers: old.reducer ?? [] };
  return {
    ...panel,
    options: rest,
    fieldConfig: { ...panel.fieldConfig, defaults: { ...panel.fieldConfig?.defaults, custom }, overrides: panel.fieldConfig?.overrides ?? [] },
  };
}

/**
 * Bring a dashboard built with the grafana-foundation-sdk to the JSON model of the Grafana the platform deploys
 * (`@grafana/schema` of that version, checked in the tests): variables lose the interval-only fields the SDK adds to
 * every variable, tables get a `cellOptions` and the field-config footer, gauges get the options Grafana 13 requires.
 * Idempotent; everything else is kept as built.
 */
export function fitDashboardToGrafana(json: DashboardJson): DashboardJson {
  const dashboard = sdkDashboard(json);
  return {
    ...dashboard,
    panels: dashboard.panels?.map((p) => p.type === 'row'
      ? { ...(p as RowPanel), panels: (p as RowPanel).panels.map(fitPanel) }
      : fitPanel(p as Panel)),
    templating: { ...dashboard.templating, list: dashboard.templating.list?.map(fitVariable) },
  };
}

/**
 * Serialize a dashboard the way it is stored in a ConfigMap or a GrafanaDashboard: compact JSON of the model
 * {@link fitDashboardToGrafana} returns. Its length in
 * bytes is what counts against the 1 MiB ConfigMap and 256 KiB annotation limits.
 */
export function renderDashboardJson(dashboard: DashboardJson): string {
  return JSON.stringify(fitDashboardToGrafana(dashboard));
}
