import { Duration } from '../../core/duration';
import { EnvironmentProfile, ManagedControlPlane } from '../../core/environment';
import { ValidationError } from '../../core/errors';
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

/**
 * The control-plane alerts each managed service cannot serve: its provider runs etcd, the
 * scheduler and the controller manager out of reach of the cluster's Prometheus (so their
 * `absent()` alerts would fire for ever). The API server's metrics stay readable through the
 * `kubernetes` Service, so its alerts are kept.
 */
export const MANAGED_CONTROL_PLANE_DROPPED_ALERTS: Readonly<Record<ManagedControlPlane, ReadonlyArray<string>>> = {
  eks: ['EtcdNoLeader', 'KubeSchedulerDown', 'KubeControllerManagerDown'],
  gke: ['EtcdNoLeader', 'KubeSchedulerDown', 'KubeControllerManagerDown'],
  aks: ['EtcdNoLeader', 'KubeSchedulerDown', 'KubeControllerManagerDown'],
};

/**
 * The platform rule group `platform` (not tenant-scoped):
 * - `PlatformComponentDown{component}` when every instance of a shared component is down; the
 *   routing's inhibit rule mutes the alerts that carry the same `component` label while it fires;
 * - the control plane: API server error rate and latency, etcd without a leader, scheduler and
 *   controller manager down. On a managed control plane (`profile.managedControlPlane`) the alerts
 *   of `MANAGED_CONTROL_PLANE_DROPPED_ALERTS` are left out.
 */
export function platformPack(profile: EnvironmentProfile, options: PlatformPackOptions = {}): RuleGroup[] {
  const managed = profile.managedControlPlane;
  if (managed !== undefined && !Object.prototype.hasOwnProperty.call(MANAGED_CONTROL_PLANE_DROPPED_ALERTS, managed)) {
    throw new ValidationError('<packs>', 'profile.managedControlPlane', managed, Object.keys(MANAGED_CONTROL_PLANE_DROPPED_ALERTS).join(', '));
  }
  const dropped = managed ? MANAGED_CONTROL_PLANE_DROPPED_ALERTS[managed] : [];
  return buildPack(PLATFORM_ALERT_THRESHOLDS, options, (p) => buildPlatform(p, options))
    .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertRule(r) || !dropped.includes(r.alert)) }))
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
