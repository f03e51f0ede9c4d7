import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { RuleGroup } from '../model';
import { PackOptions, withLinks } from './common';

/** The shared components whose outage `PlatformComponentDown` reports (scrape job names). */
export const DEFAULT_PLATFORM_COMPONENTS: ReadonlyArray<string> = [
  'prometheus', 'alertmanager', 'grafana', 'pushgateway', 'jaeger-collector', 'remediation-controller',
];

/** Parameters of the platform pack. */
export interface PlatformPackParams {
  /** Scrape jobs of the shared components. @default DEFAULT_PLATFORM_COMPONENTS */
  readonly components?: ReadonlyArray<string>;
  /** How long every instance must be down. @default Duration.minutes(3) */
  readonly for?: Duration;
}

/**
 * Platform rules (not tenant-scoped): `PlatformComponentDown{component}` when every instance of a
 * shared component is down. The routing's inhibit rule mutes the alerts that carry the same
 * `component` label while it fires.
 */
export function platformPack(_profile: EnvironmentProfile, options: PackOptions & { readonly params?: PlatformPackParams } = {}): RuleGroup[] {
  const components = options.params?.components ?? DEFAULT_PLATFORM_COMPONENTS;
  const jobs = components.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');
  return [{
    name: 'platform',
    tenantScoped: false,
    rules: [withLinks({
      alert: 'PlatformComponentDown',
      expr: `label_replace(max by (job) (up{job=~"${jobs}"}) == 0, "component", "$1", "job", "(.+)")`,
      for: options.params?.for ?? Duration.minutes(3), severity: 'critical',
      summary: 'Shared component {{ $labels.component }} is down',
      description: 'Every instance of the component is down; alerts that depend on it are muted while this fires.',
    }, options)],
  }];
}
