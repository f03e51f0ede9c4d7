import { Duration } from '../../core/duration';
import { CONTROL_PLANE_COMPONENTS, ControlPlaneComponent, EnvironmentProfile, ManagedControlPlane } from '../../core/environment';
import { ErrorLocation, ValidationError } from '../../core/errors';
import { isAlertRule, RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

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
  /** Share of API server requests answered with a 5xx that alerts. @default 0.05 */
  readonly apiserverErrorRatio?: number;
  /** p99 API server request latency (except WATCH and CONNECT) in seconds that alerts. @default 1 */
  readonly apiserverLatencyP99Seconds?: number;
}

/** The alerts of the platform pack (shared components and control plane) and the named thresholds each reads. */
export const PLATFORM_ALERT_THRESHOLDS = {
  PlatformComponentDown: {},
  KubeApiserverErrorRate: { apiserverErrorRatio: 'ratio' },
  KubeApiserverLatencyHigh: { apiserverLatencyP99Seconds: 'positive' },
  EtcdNoLeader: {},
  KubeSchedulerDown: {},
  KubeControllerManagerDown: {},
} as const satisfies AlertThresholdTable;

/** Options of the platform pack. */
export type PlatformPackOptions = PackBuildOptions<PlatformPackParams, typeof PLATFORM_ALERT_THRESHOLDS>;

/** The alerts that watch each control-plane component: they exist only while the platform scrapes it. */
export const CONTROL_PLANE_ALERTS: Readonly<Record<ControlPlaneComponent, ReadonlyArray<string>>> = {
  'apiserver': ['KubeApiserverErrorRate', 'KubeApiserverLatencyHigh'],
  'etcd': ['EtcdNoLeader'],
  'kube-scheduler': ['KubeSchedulerDown'],
  'kube-controller-manager': ['KubeControllerManagerDown'],
};

/**
 * The control-plane components each managed service runs out of reach of the cluster's
 * Prometheus. The API server's metrics stay readable through the `kubernetes` Service.
 */
export const MANAGED_CONTROL_PLANE_UNREACHABLE: Readonly<Record<ManagedControlPlane, ReadonlyArray<ControlPlaneComponent>>> = {
  eks: ['etcd', 'kube-scheduler', 'kube-controller-manager'],
  gke: ['etcd', 'kube-scheduler', 'kube-controller-manager'],
  aks: ['etcd', 'kube-scheduler', 'kube-controller-manager'],
};

/**
 * The control-plane components the platform scrapes (`profile.scrapedControlPlane`), checked:
 * known names, each once, and none that the managed control plane (`profile.managedControlPlane`)
 * keeps out of reach.
 */
export function scrapedControlPlane(profile: EnvironmentProfile, location: ErrorLocation = '<packs>'): ControlPlaneComponent[] {
  const managed = profile.managedControlPlane;
  if (managed !== undefined && !Object.prototype.hasOwnProperty.call(MANAGED_CONTROL_PLANE_UNREACHABLE, managed)) {
    throw new ValidationError(location, 'profile.managedControlPlane', managed, Object.keys(MANAGED_CONTROL_PLANE_UNREACHABLE).join(', '));
  }
  const unreachable = managed ? MANAGED_CONTROL_PLANE_UNREACHABLE[managed] : [];
  const reachable = CONTROL_PLANE_COMPONENTS.filter((c) => !unreachable.includes(c));
  const listed = profile.scrapedControlPlane ?? [];
  listed.forEach((c, i) => {
    const field = `profile.scrapedControlPlane[${i}]`;
    if (!reachable.includes(c)) {
      const why = managed && CONTROL_PLANE_COMPONENTS.includes(c) ? ` (${managed} runs ${unreachable.join(', ')} out of reach)` : '';
      throw new ValidationError(location, field, c, `${reachable.join(', ')}${why}`);
    }
    if (listed.indexOf(c) !== i) throw new ValidationError(location, field, c, 'each component once');
  });
  // In the order of CONTROL_PLANE_COMPONENTS, so the output does not depend on how the list is written.
  return CONTROL_PLANE_COMPONENTS.filter((c) => listed.includes(c));
}

/**
 * The platform rule group `platform` (not tenant-scoped):
 * - `PlatformComponentDown{component}` when every instance of a shared component is down; the
 *   routing's inhibit rule mutes the alerts that carry the same `component` label while it fires;
 * - the control plane, for the components the platform scrapes (`profile.scrapedControlPlane`,
 *   see {@link CONTROL_PLANE_ALERTS}): API server error rate and latency, etcd without a leader,
 *   scheduler and controller manager down. A component nobody scrapes gets no alert.
 */
export function platformPack(profile: EnvironmentProfile, options: PlatformPackOptions = {}): RuleGroup[] {
  const scraped = scrapedControlPlane(profile);
  const left = CONTROL_PLANE_COMPONENTS.filter((c) => !scraped.includes(c)).flatMap((c) => CONTROL_PLANE_ALERTS[c]);
  return buildPack(PLATFORM_ALERT_THRESHOLDS, options, (p) => buildPlatform(p, options))
    .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertRule(r) || !left.includes(r.alert)) }))
    .filter((g) => g.rules.length > 0);
}

function buildPlatform(p: PlatformPackParams, options: PlatformPackOptions): RuleGroup[] {
  const components = p.components ?? DEFAULT_PLATFORM_COMPONENTS;
  const jobs = components.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');
  const errorRatio = p.apiserverErrorRatio ?? 0.05;
  const p99 = p.apiserverLatencyP99Seconds ?? 1;
  const errorHold = holdFor(options, 'KubeApiserverErrorRate', Duration.minutes(10));
  const latencyHold = holdFor(options, 'KubeApiserverLatencyHigh', Duration.minutes(10));
  const etcdHold = holdFor(options, 'EtcdNoLeader', Duration.minutes(1));
  const schedulerHold = holdFor(options, 'KubeSchedulerDown', Duration.minutes(15));
  const managerHold = holdFor(options, 'KubeControllerManagerDown', Duration.minutes(15));
  return [{
    name: 'platform',
    tenantScoped: false,
    rules: [
      withLinks({
        alert: 'PlatformComponentDown',
        expr: `label_replace(max by (job) (up{job=~"${jobs}"}) == 0, "component", "$1", "job", "(.+)")`,
        for: p.for ?? Duration.minutes(3), severity: 'critical',
        summary: 'Shared component {{ $labels.component }} is down',
        description: 'Every instance of the component is down; alerts that depend on it are muted while this fires.',
      }, options),
      // The control plane.
      withLinks({
        alert: 'KubeApiserverErrorRate',
        expr: `sum(rate(apiserver_request_total{job="apiserver", code=~"5.."}[5m])) / sum(rate(apiserver_request_total{job="apiserver"}[5m])) > ${num(errorRatio)}`,
        for: errorHold, severity: 'critical',
        summary: 'The Kubernetes API server answers many requests with 5xx',
        description: `More than ${num(errorRatio * 100)} % of API server requests have failed for ${durationWords(errorHold)}; controllers, deployments and scaling stall.`,
      }, options),
      withLinks({
        alert: 'KubeApiserverLatencyHigh',
        expr: `histogram_quantile(0.99, sum by (verb, le) (rate(apiserver_request_duration_seconds_bucket{job="apiserver", verb!~"WATCH|CONNECT"}[5m]))) > ${num(p99)}`,
        for: latencyHold, severity: 'warning',
        summary: 'The Kubernetes API server answers {{ $labels.verb }} requests slowly',
        description: `The p99 latency of {{ $labels.verb }} requests has been above ${num(p99)} s for ${durationWords(latencyHold)}.`,
      }, options),
      withLinks({
        alert: 'EtcdNoLeader',
        expr: 'etcd_server_has_leader{job="etcd"} == 0',
        for: etcdHold, severity: 'critical',
        summary: 'etcd member {{ $labels.instance }} has no leader',
        description: `The etcd member has had no leader for ${durationWords(etcdHold)}: the cluster state cannot change.`,
      }, options),
      withLinks({
        alert: 'KubeSchedulerDown',
        expr: 'absent(up{job="kube-scheduler"} == 1)',
        for: schedulerHold, severity: 'critical',
        summary: 'No Kubernetes scheduler is up',
        description: `No kube-scheduler target has been up for ${durationWords(schedulerHold)}: new pods stay Pending.`,
      }, options),
      withLinks({
        alert: 'KubeControllerManagerDown',
        expr: 'absent(up{job="kube-controller-manager"} == 1)',
        for: managerHold, severity: 'critical',
        summary: 'No Kubernetes controller manager is up',
        description: `No kube-controller-manager target has been up for ${durationWords(managerHold)}: deployments, replica sets and nodes are not reconciled.`,
      }, options),
    ],
  }];
}
