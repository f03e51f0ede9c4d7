import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  ConstantVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  Panel,
  QueryVariableBuilder,
  RowBuilder,
  Threshold,
  ThresholdsConfig,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableModel,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardDatasourceRef, DashboardJson, DashboardPanelJson } from '../dashboard-json';
import { PanelBuilder as GaugeBuilder } from '@grafana/grafana-foundation-sdk/gauge';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { isTenantScopedMetric } from '../metrics';
import { DashboardContext, dashboardUid, fitDashboardToGrafana, resolveDashboardContext, ResolvedDashboardContext } from '../model';
import { injectLabelMatcher } from '../../prometheus/tenant-matcher';

/** The name of the dashboards' tenant variable. */
export const TENANT_VARIABLE = 'tenant';

/** One PromQL query of a panel, written without the tenant matcher (it is added to every tenant-scoped selector). */
export interface QuerySpec {
  /** PromQL expression. */
  readonly expr: string;
  /**
   * Legend format, e.g. `{{route}}`.
   * @default - Grafana's default legend
   */
  readonly legend?: string;
  /**
   * Query only the latest value (stat, gauge and table panels).
   * @default false
   */
  readonly instant?: boolean;
}

/** What the panel helpers take. */
export interface PanelSpec {
  /** Panel title. */
  readonly title: string;
  /** What the panel shows and how to read it. */
  readonly description: string;
  /** Queries. */
  readonly queries: readonly QuerySpec[];
  /**
   * Grafana unit id (`s`, `percentunit`, `reqps`, `bytes`, …).
   * @default - no unit
   */
  readonly unit?: string;
  /**
   * Width in grid columns (of 24).
   * @default 12
   */
  readonly span?: number;
  /**
   * Threshold steps after the base colour.
   * @default - no thresholds
   */
  readonly thresholds?: PanelThresholds;
  /**
   * Axis or gauge minimum.
   * @default - automatic
   */
  readonly min?: number;
  /**
   * Axis or gauge maximum.
   * @default - automatic
   */
  readonly max?: number;
}

/** Threshold colouring: a base colour and the steps above it. */
export interface PanelThresholds {
  /** Colour below the first step. */
  readonly base: string;
  /** Steps in ascending order. */
  readonly steps: readonly { readonly value: number; readonly color: string }[];
}

/** Green below `value`, red from it. */
export function badAbove(value: number): PanelThresholds {
  return { base: 'green', steps: [{ value, color: 'red' }] };
}

/** Red below `value`, green from it. */
export function goodAbove(value: number): PanelThresholds {
  return { base: 'red', steps: [{ value, color: 'green' }] };
}

/** How a dashboard is named: its stable name (part of the UID) and human title. */
export interface DashboardIdentity {
  /** Stable name, lowercase words joined by `-`. */
  readonly name: string;
  /** Title shown in Grafana. */
  readonly title: string;
  /** What the dashboard is for. */
  readonly description: string;
}

/**
 * Any panel builder of the foundation SDK (what `DashboardDraft.custom` takes): a builder of a panel whose id and
 * size the draft sets.
 */
export interface AnyPanelBuilder {
  /** Build the panel's JSON model. */
  build(): DashboardPanelJson;
  /** Set the panel id. */
  id(id: number): unknown;
  /** Set the panel width in grid columns (of 24). */
  span(w: number): unknown;
  /** Set the panel height in grid rows. */
  height(h: number): unknown;
}

/** The panel builders of the SDK the draft fills in itself. */
type SdkPanelBuilder = cog.Builder<Panel> & {
  id(id: number): unknown;
  title(t: string): unknown;
  description(d: string): unknown;
  span(w: number): unknown;
  height(h: number): unknown;
  datasource(ref: common.DataSourceRef): unknown;
  withTarget(target: cog.Builder<cog.Dataquery>): unknown;
  unit(unit: string): unknown;
  thresholds(t: cog.Builder<ThresholdsConfig>): unknown;
  min(v: number): unknown;
  max(v: number): unknown;
};

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A dashboard being composed: wraps the SDK's DashboardBuilder with the project's conventions (UID, tags, the
 * tenant variable, panel ids, the tenant matcher on every query, datasource references).
 */
export class DashboardDraft {
  /** The resolved context. */
  public readonly ctx: ResolvedDashboardContext;
  private readonly builder: DashboardBuilder;
  private nextId = 1;

  public constructor(context: DashboardContext, identity: DashboardIdentity) {
    this.ctx = resolveDashboardContext(context);
    const tenant = this.ctx.tenant;
    this.builder = new DashboardBuilder(tenant === undefined ? identity.title : `${identity.title} (${tenant})`)
      .uid(dashboardUid(identity.name, tenant))
      .description(identity.description)
      .tags(['tenant-monitoring', identity.name, tenant === undefined ? 'platform' : `tenant:${tenant}`])
      .timezone('browser')
      .time({ from: 'now-6h', to: 'now' })
      .refresh('1m')
      .tooltip(DashboardCursorSync.Crosshair)
      .readonly()
      .withVariable(this.tenantVariable());
  }

  /** The Prometheus datasource reference. */
  public get prometheus(): DashboardDatasourceRef {
    return { type: 'prometheus', uid: this.ctx.datasources.prometheus };
  }

  /** Add a row header. */
  public row(title: string): this {
    this.builder.withRow(new RowBuilder(title).id(this.nextId++));
    return this;
  }

  /** Add a time series panel. */
  public timeseries(spec: PanelSpec): this {
    const panel = new TimeseriesBuilder().fillOpacity(10).showPoints(common.VisibilityMode.Never);
    if (spec.thresholds !== undefined) {
      // Draw thresholds (objectives, targets) as lines so the series can be read against them.
      panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
    }
    return this.add(panel, spec);
  }

  /** Add a single-value panel (last value). */
  public stat(spec: PanelSpec): this {
    const panel = new StatBuilder()
      .graphMode(common.BigValueGraphMode.Area)
      .colorMode(common.BigValueColorMode.Value)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return this.add(panel, { ...spec, queries: spec.queries.map((q) => ({ ...q, instant: true })) });
  }

  /** Add a gauge (last value against min/max and thresholds). */
  public gauge(spec: PanelSpec): this {
    const panel = new GaugeBuilder()
      .showThresholdMarkers(true)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return this.add(panel, { ...spec, queries: spec.queries.map((q) => ({ ...q, instant: true })) });
  }

  /** Add a table of the latest values, one row per series. */
  public table(spec: PanelSpec): this {
    return this.add(new TableBuilder().cellOptions({ type: common.TableCellDisplayMode.Auto }), { ...spec, queries: spec.queries.map((q) => ({ ...q, instant: true })) }, PromQueryFormat.Table);
  }

  /** Add a panel built elsewhere (e.g. over another datasource); the draft assigns its id and size. */
  public custom(panel: AnyPanelBuilder, span: number = 12): this {
    panel.id(this.nextId++);
    panel.span(span);
    panel.height(8);
    // Every SDK panel builder is such a builder; the public signature names the structural type only.
    this.builder.withPanel(panel as cog.Builder<Panel>);
    return this;
  }

  /** The built dashboard JSON model, in the deployed Grafana's schema ({@link fitDashboardToGrafana}). */
  public build(): DashboardJson {
    return fitDashboardToGrafana(this.builder.build());
  }

  /** Add the tenant matcher to every tenant-scoped selector of `expr`. */
  public scoped(expr: string): string {
    const matcher = this.ctx.tenant === undefined
      ? { label: TENANT_VARIABLE, op: '=~', value: `$${TENANT_VARIABLE}` }
      : { label: TENANT_VARIABLE, op: '=', value: `$${TENANT_VARIABLE}` };
    return injectLabelMatcher(expr, matcher, { applies: isTenantScopedMetric, location: `dashboard ${this.ctx.tenant ?? 'platform'}` });
  }

  private add(panel: SdkPanelBuilder, spec: PanelSpec, format?: PromQueryFormat): this {
    panel.id(this.nextId++);
    panel.title(spec.title);
    panel.description(spec.description);
    panel.span(spec.span ?? 12);
    panel.height(8);
    panel.datasource(this.prometheus);
    spec.queries.forEach((q, i) => {
      const target = new DataqueryBuilder().expr(this.scoped(q.expr)).refId(REF_IDS[i]!).datasource(this.prometheus);
      if (q.legend !== undefined) {
        target.legendFormat(q.legend);
      }
      if (q.instant === true) {
        target.instant();
      }
      if (format !== undefined) {
        target.format(format);
      }
      panel.withTarget(target);
    });
    if (spec.unit !== undefined) {
      panel.unit(spec.unit);
    }
    if (spec.thresholds !== undefined) {
      const steps: Threshold[] = [{ value: null, color: spec.thresholds.base }, ...spec.thresholds.steps.map((s) => ({ ...s }))];
      panel.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps));
    }
    if (spec.min !== undefined) {
      panel.min(spec.min);
    }
    if (spec.max !== undefined) {
      panel.max(spec.max);
    }
    this.builder.withPanel(panel);
    return this;
  }

  private tenantVariable(): cog.Builder<VariableModel> {
    const tenant = this.ctx.tenant;
    if (tenant !== undefined) {
      // A constant variable is hidden and cannot be changed from the UI or the URL: the tenant is fixed.
      return new ConstantVariableBuilder(TENANT_VARIABLE).label('Tenant').value(tenant);
    }
    return new QueryVariableBuilder(TENANT_VARIABLE)
      .label('Tenant')
      .datasource(this.prometheus)
      .query('label_values(up, tenant)')
      .refresh(VariableRefresh.OnDashboardLoad)
      .sort(VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.+');
  }
}
