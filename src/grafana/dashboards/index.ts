import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { apiPerformanceDashboard } from './api-performance';
import { businessKpisDashboard } from './business-kpis';
import { infrastructureDashboard } from './infrastructure';
import { machineLearningDashboard } from './machine-learning';
import { securityDashboard } from './security';
import { sloDashboard } from './slo';
import { systemOverviewDashboard } from './system-overview';

export { apiPerformanceDashboard, businessKpisDashboard, infrastructureDashboard, machineLearningDashboard, securityDashboard, sloDashboard, systemOverviewDashboard };
export { DashboardDraft, TENANT_VARIABLE, badAbove, goodAbove } from './common';
export type { AnyPanelBuilder, DashboardIdentity, PanelSpec, PanelThresholds, QuerySpec } from './common';
export { SLO_WINDOWS } from './slo';

/** A dashboard of the catalogue: its stable name (part of its UID and file name) and the function that builds it. */
export interface DashboardDefinition {
  /** Stable name, e.g. `api-performance`; also the last part of the UID. */
  readonly name: string;
  /** Title shown in Grafana. */
  readonly title: string;
  /** Builds the dashboard for a tenant or platform-wide. */
  readonly build: (ctx: DashboardContext) => DashboardJson;
}

/** Every dashboard the platform ships, in display order. */
export const ALL_DASHBOARDS: readonly DashboardDefinition[] = [
  { name: 'system-overview', title: 'System overview', build: systemOverviewDashboard },
  { name: 'api-performance', title: 'API performance', build: apiPerformanceDashboard },
  { name: 'infrastructure', title: 'Infrastructure resources', build: infrastructureDashboard },
  { name: 'machine-learning', title: 'Machine learning', build: machineLearningDashboard },
  { name: 'security', title: 'Security', build: securityDashboard },
  { name: 'business-kpis', title: 'Business KPIs', build: businessKpisDashboard },
  { name: 'slo', title: 'SLO / error budget', build: sloDashboard },
];
