/**
 * Structural types for the Grafana dashboard JSON model that the library's public signatures use.
 *
 * They describe what the grafana-foundation-sdk's `DashboardBuilder.build()` returns (its `Dashboard`), so SDK
 * builders and built dashboards are accepted as they are. The declarations name these types instead of the SDK's,
 * because the SDK publishes its types only through subpath exports (`@grafana/grafana-foundation-sdk/dashboard`),
 * which a consumer compiling with CommonJS and the default (`node10`) module resolution cannot see.
 */

/** A datasource reference in a dashboard (`{ type, uid }`). */
export interface DashboardDatasourceRef {
  /** The datasource plugin type, e.g. `prometheus`. */
  readonly type?: string;
  /** The datasource UID, or a `${variable}` reference. */
  readonly uid?: string;
}

/** A panel of a dashboard's JSON model; a row (`type: 'row'`) holds its collapsed panels in `panels`. */
export interface DashboardPanelJson {
  /** The panel plugin type (`timeseries`, `stat`, `row`, …). */
  readonly type: string;
  /** The panel id, unique in its dashboard. */
  readonly id?: number;
  /** The panel title. */
  readonly title?: string;
  /** The panel's queries (each a datasource-specific object; Prometheus queries carry `expr`). */
  readonly targets?: readonly unknown[];
  /** The panel's datasource. */
  readonly datasource?: DashboardDatasourceRef;
  /** A row's collapsed panels. */
  readonly panels?: readonly DashboardPanelJson[];
}

/** A dashboard variable of the JSON model. */
export interface DashboardVariableJson {
  /** The variable type (`query`, `constant`, `interval`, …). */
  readonly type: string;
  /** The variable name. */
  readonly name: string;
}

/** A Grafana dashboard's JSON model, as grafana-foundation-sdk's `DashboardBuilder.build()` returns it. */
export interface DashboardJson {
  /** The dashboard UID. */
  readonly uid?: string;
  /** The dashboard title. */
  readonly title?: string;
  /** The schema version of the model. */
  readonly schemaVersion?: number;
  /** The dashboard tags. */
  readonly tags?: readonly string[];
  /** The panels, rows included. */
  readonly panels?: readonly DashboardPanelJson[];
  /** The variables. */
  readonly templating: { readonly list?: readonly DashboardVariableJson[] };
}

/** Anything with a `build()` returning a dashboard: a grafana-foundation-sdk `DashboardBuilder`, for example. */
export interface DashboardJsonBuilder {
  /** Build the dashboard's JSON model. */
  build(): DashboardJson;
}
