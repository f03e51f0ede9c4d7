import { EnvironmentProfile } from '../../core/environment';
import { ErrorLocation } from '../../core/errors';
import { RuleGroup } from '../model';
import { AlertOverrideLayers, resolveAlertOverrides, selectAlertOverrides, TypedAlertOverrides, validateAlertOverrides } from '../overrides';
import { DEFAULT_SLO_ALERT_THRESHOLDS, defaultSloRuleGroups } from '../slo';
import { ANOMALY_ALERT_THRESHOLDS, anomalyPack, AnomalyPackParams } from './anomaly';
import { APPLICATION_ALERT_THRESHOLDS, applicationPack, ApplicationPackParams } from './application';
import { BUSINESS_ALERT_THRESHOLDS, businessPack, BusinessPackParams } from './business';
import { PackOptions } from './common';
import { DATASTORE_ALERT_THRESHOLDS, datastorePack, DatastorePackParams } from './datastores';
import { ML_ALERT_THRESHOLDS, mlPack, MlPackParams } from './ml';
import { PLATFORM_ALERT_THRESHOLDS, platformPack, PlatformPackParams } from './platform';
import { PROBE_ALERT_THRESHOLDS, probePack, ProbePackParams } from './probes';
import { SECURITY_ALERT_THRESHOLDS, securityPack, SecurityPackParams } from './security';
import { SYSTEM_ALERT_THRESHOLDS, systemPack, SystemPackParams } from './system';

export * from './common';
export * from './system';
export * from './application';
export * from './ml';
export * from './business';
export * from './security';
export * from './anomaly';
export * from './platform';
export * from './datastores';
export * from './probes';

/** Every alert of the default tenant rules (SLOs, capacity and the packs) and its named thresholds. */
export const TENANT_ALERT_THRESHOLDS = {
  ...DEFAULT_SLO_ALERT_THRESHOLDS,
  ...SYSTEM_ALERT_THRESHOLDS,
  ...APPLICATION_ALERT_THRESHOLDS,
  ...ML_ALERT_THRESHOLDS,
  ...BUSINESS_ALERT_THRESHOLDS,
  ...SECURITY_ALERT_THRESHOLDS,
  ...ANOMALY_ALERT_THRESHOLDS,
  ...DATASTORE_ALERT_THRESHOLDS,
  ...PROBE_ALERT_THRESHOLDS,
} as const;

/**
 * Per-alert overrides of the default tenant rules, typed: alert names and each alert's threshold
 * names are checked by the compiler (and again at synth).
 *
 * @example
 * const overrides: TenantAlertOverrides = {
 *   TenantHighErrorRate: { thresholds: { errorRatio: 0.02 }, for: Duration.minutes(10) },
 *   BusinessCostPerRequestHigh: { disable: true },
 * };
 */
export type TenantAlertOverrides = TypedAlertOverrides<typeof TENANT_ALERT_THRESHOLDS>;

/** Per-alert overrides of the platform rules, typed. */
export type PlatformAlertOverrides = TypedAlertOverrides<typeof PLATFORM_ALERT_THRESHOLDS>;

/** Options of the default tenant rules: common options plus each pack's named parameters and per-alert overrides. */
export interface TenantRuleOptions extends PackOptions {
  readonly system?: SystemPackParams;
  readonly application?: ApplicationPackParams;
  readonly ml?: MlPackParams;
  readonly business?: BusinessPackParams;
  readonly security?: SecurityPackParams;
  readonly anomaly?: AnomalyPackParams;
  /** Thresholds of the PostgreSQL, Redis and queue alerts. @default - the pack's defaults */
  readonly datastores?: DatastorePackParams;
  /** Thresholds of the endpoint probe alerts. @default - the pack's defaults */
  readonly probes?: ProbePackParams;
  /**
   * Per-alert overrides in two layers, the tenant's over the environment's. An unknown alert or
   * threshold fails with the list of valid names.
   * @default - no overrides
   */
  readonly alertOverrides?: AlertOverrideLayers<TenantAlertOverrides>;
  /** Where override errors are reported (a construct or a path). @default '<packs>' */
  readonly location?: ErrorLocation;
}

/**
 * Every rule group a tenant gets: the default SLOs and capacity alert, and the system,
 * application, ML, business, security, anomaly, datastore and endpoint probe packs, with the per-alert overrides applied.
 * Render them for the tenant (e.g. with `PrometheusRules({ tenant })`) to scope every selector to it.
 */
export function defaultTenantRuleGroups(profile: EnvironmentProfile, _tenant: string, options: TenantRuleOptions = {}): RuleGroup[] {
  const common: PackOptions = { runbookBaseUrl: options.runbookBaseUrl, dashboardUrl: options.dashboardUrl };
  const overrides = resolveAlertOverrides(options.alertOverrides ?? {}, TENANT_ALERT_THRESHOLDS, options.location ?? '<packs>', 'alertOverrides', 'the tenant rule packs');
  return [
    ...defaultSloRuleGroups(profile, { ...common, overrides: selectAlertOverrides(overrides, DEFAULT_SLO_ALERT_THRESHOLDS) }),
    ...systemPack(profile, { ...common, params: options.system, overrides: selectAlertOverrides(overrides, SYSTEM_ALERT_THRESHOLDS) }),
    ...applicationPack(profile, { ...common, params: options.application, overrides: selectAlertOverrides(overrides, APPLICATION_ALERT_THRESHOLDS) }),
    ...mlPack(profile, { ...common, params: options.ml, overrides: selectAlertOverrides(overrides, ML_ALERT_THRESHOLDS) }),
    ...businessPack(profile, { ...common, params: options.business, overrides: selectAlertOverrides(overrides, BUSINESS_ALERT_THRESHOLDS) }),
    ...securityPack(profile, { ...common, params: options.security, overrides: selectAlertOverrides(overrides, SECURITY_ALERT_THRESHOLDS) }),
    ...anomalyPack(profile, { ...common, params: options.anomaly, overrides: selectAlertOverrides(overrides, ANOMALY_ALERT_THRESHOLDS) }),
    ...datastorePack(profile, { ...common, params: options.datastores, overrides: selectAlertOverrides(overrides, DATASTORE_ALERT_THRESHOLDS) }),
    ...probePack(profile, { ...common, params: options.probes, overrides: selectAlertOverrides(overrides, PROBE_ALERT_THRESHOLDS) }),
  ];
}

/** Options of the platform rules. */
export interface PlatformRuleOptions extends PackOptions {
  /** The platform pack's named parameters. @default - the pack's defaults */
  readonly platform?: PlatformPackParams;
  /** Per-alert overrides of the platform alerts (shared components and control plane). @default - no overrides */
  readonly alertOverrides?: PlatformAlertOverrides;
  /** Where override errors are reported (a construct or a path). @default '<packs>' */
  readonly location?: ErrorLocation;
}

/**
 * The platform's own rule groups (not tenant-scoped): shared components and the control plane
 * (less what a managed control plane, `profile.managedControlPlane`, cannot serve).
 */
export function platformRuleGroups(profile: EnvironmentProfile, options: PlatformRuleOptions = {}): RuleGroup[] {
  const overrides = options.alertOverrides ?? {};
  validateAlertOverrides(overrides, PLATFORM_ALERT_THRESHOLDS, options.location ?? '<packs>', 'alertOverrides', 'the platform rule packs');
  return platformPack(profile, { runbookBaseUrl: options.runbookBaseUrl, dashboardUrl: options.dashboardUrl, params: options.platform, overrides });
}
