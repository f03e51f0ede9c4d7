import { EnvironmentProfile } from '../../core/environment';
import { validateUrl } from '../../core/validation';
import { AlertRule, RuleGroup } from '../model';

/** Where the runbooks of the built-in alerts live (`<base>/<AlertName>.md`). */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/cdk8s-tenant-monitoring/cdk8s-tenant-monitoring/blob/main/docs/runbooks';

/** Options every rule pack takes. */
export interface PackOptions {
  /** Base URL of the runbooks; each alert links `<base>/<AlertName>.md`. @default DEFAULT_RUNBOOK_BASE_URL */
  readonly runbookBaseUrl?: string;
  /** Grafana dashboard URL added to every alert as the `dashboard_url` annotation. @default - no dashboard link (notifications fall back to Grafana's URL) */
  readonly dashboardUrl?: string;
}

/** A pack: the rule groups for one concern, from the environment profile and options. */
export type RulePack<O extends PackOptions = PackOptions> = (profile: EnvironmentProfile, options?: O) => RuleGroup[];

/** The runbook URL of `alert`. */
export function runbookUrl(alert: string, options: PackOptions = {}): string {
  const base = (options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, '');
  return validateUrl(`${base}/${alert}.md`, '<packs>', 'runbookBaseUrl');
}

/** An alert definition without the runbook and dashboard, which `withLinks` fills in. */
export type AlertDefinition = Omit<AlertRule, 'runbookUrl'> & { readonly runbookUrl?: string };

/** Add the runbook URL (from the alert name) and the dashboard link to an alert. */
export function withLinks(def: AlertDefinition, options: PackOptions = {}): AlertRule {
  const annotations = options.dashboardUrl !== undefined
    ? { ...(def.annotations ?? {}), dashboard_url: validateUrl(options.dashboardUrl, '<packs>', 'dashboardUrl') }
    : def.annotations;
  return { ...def, runbookUrl: def.runbookUrl ?? runbookUrl(def.alert, options), ...(annotations ? { annotations } : {}) };
}

/** A number as PromQL prints it (no exponent for the ranges thresholds use). */
export function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}
