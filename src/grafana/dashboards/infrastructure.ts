import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft } from './common';

/**
 * Infrastructure resources: CPU, memory, disk and network I/O of the tenant's pods, database connections, queues
 * and workers. The platform-wide dashboard adds a row of node-level panels (node_exporter), which carry no tenant.
 */
export function infrastructureDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'infrastructure',
    title: 'Infrastructure resources',
    description: 'CPU, memory, disk and network I/O, database connections, queues and workers.',
  });
  d.row('Pods')
    .timeseries({
      title: 'CPU usage per pod',
      description: 'CPU cores used per pod.',
      queries: [{ expr: 'sum by (pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))', legend: '{{pod}}' }],
      unit: 'short',
    })
    .timeseries({
      title: 'Memory per pod',
      description: 'Working-set memory per pod (what the OOM killer looks at).',
      queries: [{ expr: 'sum by (pod) (container_memory_working_set_bytes{container!=""})', legend: '{{pod}}' }],
      unit: 'bytes',
    })
    .timeseries({
      title: 'Disk I/O per pod',
      description: 'Bytes read (positive) and written (negative) per second.',
      queries: [
        { expr: 'sum by (pod) (rate(container_fs_reads_bytes_total[5m]))', legend: 'read {{pod}}' },
        { expr: '-sum by (pod) (rate(container_fs_writes_bytes_total[5m]))', legend: 'write {{pod}}' },
      ],
      unit: 'Bps',
    })
    .timeseries({
      title: 'Network I/O per pod',
      description: 'Bytes received (positive) and sent (negative) per second.',
      queries: [
        { expr: 'sum by (pod) (rate(container_network_receive_bytes_total[5m]))', legend: 'rx {{pod}}' },
        { expr: '-sum by (pod) (rate(container_network_transmit_bytes_total[5m]))', legend: 'tx {{pod}}' },
      ],
      unit: 'Bps',
    })
    .timeseries({
      title: 'Container restarts',
      description: 'Restarts per pod over the last hour.',
      queries: [{ expr: 'sum by (pod) (increase(kube_pod_container_status_restarts_total[1h]))', legend: '{{pod}}' }],
      unit: 'short',
      thresholds: badAbove(1),
    })
    .row('Databases, queues and workers')
    .timeseries({
      title: 'Database connections',
      description: 'Open connections per database against the configured limit.',
      queries: [
        { expr: 'sum by (datname) (pg_stat_activity_count)', legend: '{{datname}}' },
        { expr: 'max(pg_settings_max_connections)', legend: 'limit' },
      ],
      unit: 'short',
    })
    .timeseries({
      title: 'Queue depth',
      description: 'Messages waiting per queue.',
      queries: [{ expr: 'sum by (queue) (rabbitmq_queue_messages_ready)', legend: '{{queue}}' }],
      unit: 'short',
    })
    .timeseries({
      title: 'Workers',
      description: 'Consumers per queue and available worker replicas.',
      queries: [
        { expr: 'sum by (queue) (rabbitmq_queue_consumers)', legend: 'consumers {{queue}}' },
        { expr: 'sum by (deployment) (kube_deployment_status_replicas_available)', legend: 'replicas {{deployment}}' },
      ],
      unit: 'short',
    });
  if (d.ctx.tenant === undefined) {
    d.row('Nodes')
      .timeseries({
        title: 'Node CPU utilisation',
        description: 'Share of CPU time not idle, per node.',
        queries: [{ expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{instance}}' }],
        unit: 'percentunit',
        max: 1,
        thresholds: badAbove(0.85),
      })
      .timeseries({
        title: 'Node memory utilisation',
        description: 'Share of memory in use, per node.',
        queries: [{ expr: '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', legend: '{{instance}}' }],
        unit: 'percentunit',
        max: 1,
        thresholds: badAbove(0.9),
      })
      .timeseries({
        title: 'Node disk usage',
        description: 'Share of each filesystem in use.',
        queries: [{
          expr: '1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"}',
          legend: '{{instance}} {{mountpoint}}',
        }],
        unit: 'percentunit',
        max: 1,
        thresholds: badAbove(0.85),
      })
      .timeseries({
        title: 'Node network I/O',
        description: 'Bytes received (positive) and sent (negative) per node.',
        queries: [
          { expr: 'sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[5m]))', legend: 'rx {{instance}}' },
          { expr: '-sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))', legend: 'tx {{instance}}' },
        ],
        unit: 'Bps',
      });
  }
  return d.build();
}
