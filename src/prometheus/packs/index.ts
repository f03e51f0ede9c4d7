import { EnvironmentProfile } from '../../core/environment';
import { RuleGroup } from '../model';
import { defaultSloRuleGroups } from '../slo';
import { anomalyPack, AnomalyPackParams } from './anomaly';
import { applicationPack, ApplicationPackParams } from './application';
import { businessPack, BusinessPackParams } from './business';
import { PackOptions } from './common';
import { mlPack, MlPackParams } from './ml';
import { platformPack, PlatformPackParams } from './platform';
import { securityPack, SecurityPackParams } from './security';
import { systemPack, SystemPackParams } from './system';

export * from './common';
export * from './system';
export * from './application';
export * from './ml';
export * from './business';
export * from './security';
export * from './anomaly';
export * from './platform';

/** Options of the default tenant rules: common options plus each pack's named parameters. */
export interface TenantRuleOptions extends PackOptions {
  readonly system?: SystemPackParams;
  readonly application?: ApplicationPackParams;
  readonly ml?: MlPackParams;
  readonly business?: BusinessPackParams;
  readonly security?: SecurityPackParams;
  readonly anomaly?: AnomalyPackParams;
}

/**
 * Every rule group a tenant gets: the default SLOs and capacity alert, and the system,
 * application, ML, business, security and anomaly packs. Render them for the tenant (e.g. with
 * `PrometheusRules({ tenant })`) to scope every selector to it.
 */
export function defaultTenantRuleGroups(profile: EnvironmentProfile, _tenant: string, options: TenantRuleOptions = {}): RuleGroup[] {
  const common: PackOptions = { runbookBaseUrl: options.runbookBaseUrl, dashboardUrl: options.dashboardUrl };
  return [
    ...defaultSloRuleGroups(profile, common),
    ...systemPack(profile, { ...common, params: options.system }),
    ...applicationPack(profile, { ...common, params: options.application }),
    ...mlPack(profile, { ...common, params: options.ml }),
    ...businessPack(profile, { ...common, params: options.business }),
    ...securityPack(profile, { ...common, params: options.security }),
    ...anomalyPack(profile, { ...common, params: options.anomaly }),
  ];
}

/** The platform's own rule groups (not tenant-scoped). */
export function platformRuleGroups(profile: EnvironmentProfile, options: PackOptions & { readonly platform?: PlatformPackParams } = {}): RuleGroup[] {
  return platformPack(profile, { runbookBaseUrl: options.runbookBaseUrl, dashboardUrl: options.dashboardUrl, params: options.platform });
}
