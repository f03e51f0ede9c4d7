import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { Dashboard, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardJson, DashboardJsonBuilder } from './dashboard-json';
import { GrafanaDashboard } from '../../imports/grafanadashboard-grafana.integreatly.org';
import { GrafanaFolder } from '../../imports/grafanafolder-grafana.integreatly.org';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { recommendedLabels } from '../core/labels';
import { objectName, stableUid } from '../core/naming';
import { assertAnnotationFits, assertConfigMapFits } from '../core/size-limits';
import { validateDnsLabel } from '../core/validation';
import { ALL_DASHBOARDS, DashboardDefinition, TENANT_VARIABLE } from './dashboards';
import { DashboardDatasourceUids, DashboardThresholds, GRAFANA_UID_MAX_LENGTH, listDashboardDatasourceUids, renderDashboardJson } from './model';

import { DASHBOARD_SIDECAR_LABEL } from '../core/labels';

export { DASHBOARD_SIDECAR_LABEL };
/** The annotation that names the Grafana folder of a dashboard ConfigMap. */
export const DASHBOARD_FOLDER_ANNOTATION = 'grafana_folder';
/** The folder of platform-wide dashboards. */
export const PLATFORM_FOLDER = 'Platform';

/** The tenant a set of dashboards is for (a `TenantSpec` or `ResolvedTenant` fits). */
export interface DashboardTenant {
  /** Tenant id (DNS label). */
  readonly id: string;
  /** Folder title. @default - the id */
  readonly displayName?: string;
}

/** How dashboards are written for grafana-operator v5. */
export interface GrafanaOperatorOptions {
  /** Labels of the `Grafana` instances that import the dashboards. @default { dashboards: 'grafana' } */
  readonly instanceSelector?: Readonly<Record<string, string>>;
  /** Let Grafana instances in other namespaces import them. @default false */
  readonly allowCrossNamespaceImport?: boolean;
  /** How often the operator re-syncs each dashboard. @default '10m' */
  readonly resyncPeriod?: string;
}

/** A user dashboard: a built model, an SDK builder, or a catalogue-style definition built with this set's context. */
export type DashboardSource = DashboardJson | DashboardJsonBuilder | DashboardDefinition;

/** Properties of `GrafanaDashboards`. */
export interface GrafanaDashboardsProps {
  /** The namespace of Grafana and its dashboard sidecar. @default 'monitoring' */
  readonly namespace?: string;
  /** The tenant: dashboards get its folder, a fixed `tenant` variable and tenant-scoped queries. @default - platform-wide dashboards in the 'Platform' folder */
  readonly tenant?: DashboardTenant;
  /** Which catalogue dashboards to build. @default ALL_DASHBOARDS */
  readonly dashboards?: ReadonlyArray<DashboardDefinition>;
  /** Datasource UIDs the dashboards query. @default - DEFAULT_DATASOURCE_UIDS ('prometheus', 'elasticsearch-audit') */
  readonly datasources?: DashboardDatasourceUids;
  /** The environment: its thresholds (latency, error ratio, availability, throughput, drift score, anomaly score and z-score) colour the panels. @default - the dashboards' DEFAULT_THRESHOLDS */
  readonly environment?: EnvironmentProfile;
  /** Threshold overrides, applied over the environment's. @default - none */
  readonly thresholds?: DashboardThresholds;
  /** Folder title. @default - the tenant's display name, or 'Platform' */
  readonly folder?: string;
  /** Write ConfigMaps for the Grafana dashboard sidecar. @default true */
  readonly sidecar?: boolean;
  /** Also (or, with `sidecar: false`, only) write grafana-operator v5 `GrafanaDashboard`s and a `GrafanaFolder`. @default false */
  readonly operator?: boolean | GrafanaOperatorOptions;
  /**
   * The objects are applied with server-side apply. When false, every object is also checked against the 256 KiB
   * annotation limit that client-side `kubectl apply` runs into (it copies the object into an annotation).
   * @default false
   */
  readonly serverSideApply?: boolean;
}

/** One dashboard as written: its UID, object name and measured sizes. */
export interface WrittenDashboard {
  /** Grafana UID. */
  readonly uid: string;
  /** Name of the ConfigMap and/or GrafanaDashboard. */
  readonly objectName: string;
  /** Bytes of the dashboard JSON. */
  readonly jsonBytes: number;
  /** UIDs of the datasources the dashboard queries (see `listDashboardDatasourceUids`). */
  readonly datasourceUids: readonly string[];
}

/**
 * A tenant's (or the platform's) Grafana dashboards, built with the grafana-foundation-sdk: one ConfigMap per
 * dashboard in the monitoring namespace, labelled `grafana_dashboard: "1"` for the sidecar and annotated with the
 * tenant's folder, and optionally grafana-operator v5 `GrafanaDashboard`s with a `GrafanaFolder`.
 *
 * Object names and UIDs are deterministic: `dashboard-<tenant|platform>-<name>` and `tm-<tenant>_<name>`
 * (`tm-<name>` platform-wide). Every object is measured at synth: a ConfigMap over 1 MiB, or (without
 * server-side apply) any object whose last-applied annotation would pass 256 KiB, fails with the sizes.
 *
 * @example
 * const dashboards = new GrafanaDashboards(this, 'Dashboards', { tenant: { id: 'acme', displayName: 'ACME' }, environment: PROD });
 * dashboards.addDashboard(new DashboardBuilder('Checkout').uid('acme-checkout').withPanel(...));
 */
export class GrafanaDashboards extends Construct {
  /** The namespace the objects are written to. */
  public readonly namespace: string;
  /** The folder title. */
  public readonly folder: string;
  /** The tenant, or undefined platform-wide. */
  public readonly tenantId: string | undefined;
  /** Whether the dashboards are written as ConfigMaps for the Grafana dashboard sidecar. */
  public readonly sidecar: boolean;
  private readonly written: WrittenDashboard[] = [];
  private readonly operator: Required<GrafanaOperatorOptions> | undefined;
  private readonly serverSideApply: boolean;
  private readonly folderRef: string | undefined;
  private readonly context: { tenant?: string; datasources?: DashboardDatasourceUids; thresholds: DashboardThresholds };
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: GrafanaDashboardsProps = {}) {
    super(scope, id);
    this.namespace = validateDnsLabel(props.namespace ?? 'monitoring', this, 'namespace');
    const tenant = props.tenant;
    if (tenant !== undefined) validateDnsLabel(tenant.id, this, 'tenant.id');
    this.tenantId = tenant?.id;
    this.folder = props.folder ?? (tenant ? tenant.displayName ?? tenant.id : PLATFORM_FOLDER);
    if (this.folder.trim() === '') throw new ValidationError(this, 'folder', this.folder, 'a non-empty folder title');
    this.sidecar = props.sidecar ?? true;
    const operator = props.operator === true ? {} : props.operator === false ? undefined : props.operator;
    this.operator = operator === undefined ? undefined : {
      instanceSelector: operator.instanceSelector ?? { dashboards: 'grafana' },
      allowCrossNamespaceImport: operator.allowCrossNamespaceImport ?? false,
      resyncPeriod: operator.resyncPeriod ?? '10m',
    };
    if (!this.sidecar && !this.operator) {
      throw new ValidationError(this, 'sidecar', false, 'sidecar: true or an operator option (dashboards must be written somewhere)');
    }
    this.serverSideApply = props.serverSideApply ?? false;
    const env = props.environment?.thresholds;
    this.context = {
      tenant: tenant?.id,
      datasources: props.datasources,
      thresholds: {
        ...(env ? {
          latencySloSeconds: env.latencyP95Seconds, errorRatio: env.errorRatio, uptimeTarget: env.availability, throughputTargetRps: env.throughputTargetRps,
          anomalyZscore: env.anomalyZScore, anomalyScore: env.anomalyScore, driftScore: env.driftScore,
        } : {}),
        ...props.thresholds,
      },
    };
    this.labels = recommendedLabels({ name: 'grafana-dashboards', component: 'dashboards', instance: tenant?.id ?? 'platform', tenant: tenant?.id });

    if (this.operator) {
      this.folderRef = objectName(['dashboards', tenant?.id ?? 'platform']);
      const folder = new GrafanaFolder(this, 'Folder', {
        metadata: { name: this.folderRef, namespace: this.namespace, labels: this.labels },
        spec: {
          instanceSelector: { matchLabels: { ...this.operator.instanceSelector } },
          allowCrossNamespaceImport: this.operator.allowCrossNamespaceImport || undefined,
          title: this.folder,
          uid: stableUid(['tm-folder', tenant?.id ?? 'platform'], GRAFANA_UID_MAX_LENGTH),
          resyncPeriod: this.operator.resyncPeriod,
        },
      });
      this.checkAnnotation(folder);
    }

    const definitions = props.dashboards ?? ALL_DASHBOARDS;
    for (const d of definitions) this.addDashboard(d);
  }

  /** The dashboards written so far, in order. */
  public get dashboards(): ReadonlyArray<WrittenDashboard> {
    return [...this.written];
  }

  /**
   * Add a dashboard: a catalogue `DashboardDefinition` (built with this set's tenant, datasources and thresholds),
   * an SDK builder, or a built dashboard. It must have a UID, unique in this set; for a tenant, its `tenant`
   * variable (if any) must be a constant fixed to the tenant.
   */
  public addDashboard(source: DashboardSource): WrittenDashboard {
    const index = this.written.length;
    const dashboard = this.build(source);
    const uid = dashboard.uid;
    if (typeof uid !== 'string' || !/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) {
      throw new ValidationError(this, `dashboards[${index}].uid`, uid, 'a Grafana UID: 1-40 characters of a-z A-Z 0-9 - _ (set it with .uid(...))');
    }
    this.checkTenantVariable(dashboard, index);
    // Catalogue dashboards are named by their stable name; others by their UID.
    const key = isDefinition(source) ? source.name : uid;
    const name = objectName(['dashboard', this.tenantId ?? 'platform', key]);
    const clash = this.written.find((w) => w.uid === uid || w.objectName === name);
    if (clash) {
      throw new ValidationError(this, `dashboards[${index}].uid`, uid, 'a UID and object name not used by another dashboard of this set', `clashes with ${clash.uid} (${clash.objectName})`);
    }
    const json = renderDashboardJson(dashboard);
    if (this.sidecar) {
      const data = { [`${uid}.json`]: json };
      assertConfigMapFits(this, `${this.namespace}/${name}`, data);
      this.checkAnnotation(new k8s.KubeConfigMap(this, `ConfigMap-${key}`, {
        metadata: {
          name,
          namespace: this.namespace,
          labels: { ...this.labels, [DASHBOARD_SIDECAR_LABEL]: '1' },
          annotations: { [DASHBOARD_FOLDER_ANNOTATION]: this.folder },
        },
        data,
      }));
    }
    if (this.operator) {
      this.checkAnnotation(new GrafanaDashboard(this, `GrafanaDashboard-${key}`, {
        metadata: { name, namespace: this.namespace, labels: this.labels },
        spec: {
          instanceSelector: { matchLabels: { ...this.operator.instanceSelector } },
          allowCrossNamespaceImport: this.operator.allowCrossNamespaceImport || undefined,
          folderRef: this.folderRef,
          uid,
          json,
          resyncPeriod: this.operator.resyncPeriod,
        },
      }));
    }
    const written = { uid, objectName: name, jsonBytes: Buffer.byteLength(json, 'utf8'), datasourceUids: listDashboardDatasourceUids(dashboard) };
    this.written.push(written);
    return written;
  }

  private build(source: DashboardSource): Dashboard {
    // The SDK's Dashboard is the same JSON model as the structural DashboardJson the public signature names.
    if (isDefinition(source)) return source.build(this.context) as Dashboard;
    if ('build' in source && typeof source.build === 'function') return source.build() as Dashboard;
    return source as Dashboard;
  }

  private checkTenantVariable(dashboard: Dashboard, index: number): void {
    if (this.tenantId === undefined) return;
    const variable = (dashboard.templating?.list ?? []).find((v: VariableModel) => v.name === TENANT_VARIABLE);
    if (variable && !(variable.type === 'constant' && variable.query === this.tenantId)) {
      throw new ValidationError(this, `dashboards[${index}].templating.${TENANT_VARIABLE}`, `${variable.type}:${String(variable.query ?? '')}`,
        `no tenant variable, or a constant variable fixed to "${this.tenantId}" (the tenant cannot be switched)`);
    }
  }

  private checkAnnotation(obj: ApiObject): void {
    if (!this.serverSideApply) assertAnnotationFits(this, obj.toJson() as Record<string, unknown>);
  }
}

/** A catalogue definition (name, title, build(ctx)) rather than an SDK builder or a built dashboard. */
function isDefinition(source: DashboardSource): source is DashboardDefinition {
  const s = source as Partial<DashboardDefinition>;
  return typeof s.name === 'string' && typeof s.title === 'string' && typeof s.build === 'function';
}
