import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the system pack (named so a later per-alert override can set each). */
export interface SystemPackParams {
  /** CPU usage over the CPU limit. @default profile.thresholds.cpuSaturation */
  readonly cpuSaturation?: number;
  /** Working-set memory over the memory limit. @default profile.thresholds.memorySaturation */
  readonly memorySaturation?: number;
  /** Used over capacity of a persistent volume. @default profile.thresholds.diskSaturation */
  readonly diskSaturation?: number;
  /** Dropped packets per second of a pod. @default 10 */
  readonly packetDropsPerSecond?: number;
  /** How far ahead the predictive alerts look. @default Duration.hours(4) */
  readonly predictionHorizon?: Duration;
}

/** The alerts of the system pack and the named thresholds each reads. */
export const SYSTEM_ALERT_THRESHOLDS = {
  TenantCpuSaturation: { cpuSaturation: 'ratio' },
  TenantMemorySaturation: { memorySaturation: 'ratio' },
  TenantDiskSaturation: { diskSaturation: 'ratio' },
  TenantNetworkPacketDrops: { packetDropsPerSecond: 'positive' },
  TenantDiskFullPredicted: { predictionHorizon: 'duration' },
  TenantMemoryExhaustionPredicted: { predictionHorizon: 'duration' },
} as const satisfies AlertThresholdTable;

/** Options of the system pack. */
export type SystemPackOptions = PackBuildOptions<SystemPackParams, typeof SYSTEM_ALERT_THRESHOLDS>;

/** Saturation of tenant workloads: CPU, memory, disk, network, and predicted disk-full / memory exhaustion. */
export function systemPack(profile: EnvironmentProfile, options: SystemPackOptions = {}): RuleGroup[] {
  return buildPack(SYSTEM_ALERT_THRESHOLDS, options, (p) => buildSystem(profile, p, options));
}

function buildSystem(profile: EnvironmentProfile, p: SystemPackParams, options: SystemPackOptions): RuleGroup[] {
  const cpuHold = holdFor(options, 'TenantCpuSaturation', Duration.minutes(15));
  const memHold = holdFor(options, 'TenantMemorySaturation', Duration.minutes(15));
  const cpu = p.cpuSaturation ?? profile.thresholds.cpuSaturation;
  const mem = p.memorySaturation ?? profile.thresholds.memorySaturation;
  const disk = p.diskSaturation ?? profile.thresholds.diskSaturation;
  const horizon = (p.predictionHorizon ?? Duration.hours(4)).toSeconds();
  return [{
    name: 'system',
    rules: [
      withLinks({
        alert: 'TenantCpuSaturation',
        expr: `sum by (tenant, namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m])) / sum by (tenant, namespace, pod) (kube_pod_container_resource_limits{resource="cpu"}) > ${num(cpu)}`,
        for: cpuHold, severity: 'warning',
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} uses most of its CPU limit',
        description: `CPU usage has been above ${num(cpu * 100)} % of the limit for ${durationWords(cpuHold)}; requests slow down through throttling.`,
      }, options),
      withLinks({
        alert: 'TenantMemorySaturation',
        expr: `sum by (tenant, namespace, pod) (container_memory_working_set_bytes{container!=""}) / sum by (tenant, namespace, pod) (kube_pod_container_resource_limits{resource="memory"}) > ${num(mem)}`,
        for: memHold, severity: 'warning',
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} is close to its memory limit',
        description: `The working set has been above ${num(mem * 100)} % of the memory limit for ${durationWords(memHold)}; the pod risks an OOM kill.`,
      }, options),
      withLinks({
        alert: 'TenantDiskSaturation',
        expr: `kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > ${num(disk)}`,
        for: holdFor(options, 'TenantDiskSaturation', Duration.minutes(10)), severity: 'warning',
        summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is filling up',
        description: `More than ${num(disk * 100)} % of the volume is used.`,
      }, options),
      withLinks({
        alert: 'TenantNetworkPacketDrops',
        expr: `sum by (tenant, namespace, pod) (rate(container_network_receive_packets_dropped_total[5m]) + rate(container_network_transmit_packets_dropped_total[5m])) > ${num(p.packetDropsPerSecond ?? 10)}`,
        for: holdFor(options, 'TenantNetworkPacketDrops', Duration.minutes(10)), severity: 'warning',
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} drops network packets',
        description: `The pod drops more than ${num(p.packetDropsPerSecond ?? 10)} packets per second: its network is saturated or misconfigured.`,
      }, options),
      withLinks({
        alert: 'TenantDiskFullPredicted',
        expr: `predict_linear(kubelet_volume_stats_available_bytes[6h], ${num(horizon)}) < 0`,
        for: holdFor(options, 'TenantDiskFullPredicted', Duration.minutes(30)), severity: 'critical',
        summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} will be full within hours',
        description: `At the growth of the last 6 hours the volume runs out of space within ${num(horizon / 3600)} hours.`,
      }, options),
      withLinks({
        alert: 'TenantMemoryExhaustionPredicted',
        expr: `sum by (tenant, namespace, pod) (predict_linear(container_memory_working_set_bytes{container!=""}[1h], ${num(horizon)})) > sum by (tenant, namespace, pod) (kube_pod_container_resource_limits{resource="memory"})`,
        for: holdFor(options, 'TenantMemoryExhaustionPredicted', Duration.minutes(30)), severity: 'warning',
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} will exceed its memory limit within hours',
        description: `At the growth of the last hour the working set passes the memory limit within ${num(horizon / 3600)} hours (a leak, or a limit set too low).`,
      }, options),
    ],
  }];
}
