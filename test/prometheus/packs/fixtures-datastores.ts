import type { AlertFixture } from './fixtures';
import { InputSeries } from './promtool';

/**
 * Firing and silent inputs of the datastore and endpoint probe packs, spread into ALERT_FIXTURES.
 * Series carry the labels their exporters expose (postgres_exporter 0.19, redis_exporter 1.86,
 * rabbitmq_prometheus per-object metrics, blackbox_exporter 0.28) plus the tenant label of the scrape.
 */
const s = (series: string, values: string): InputSeries => ({ series, values });
const fixture = (evalTime: string, firing: InputSeries[], labels: Array<Record<string, string>>, silent: InputSeries[]): AlertFixture =>
  ({ interval: '1m', evaluationInterval: '1m', evalTime, firing, labels, silent });

const PG = 'tenant="acme", instance="postgres-0:9187", job="postgres"';
const PG_SETTINGS = `${PG}, server="postgres-0:5432"`;
const PG_DB = `${PG}, datid="16384", datname="app"`;
const pgServer = { tenant: 'acme', instance: 'postgres-0:9187' };
const pgTarget = { ...pgServer, job: 'postgres' };
const pgDb = { ...pgServer, datname: 'app' };
const activity = (state: string): string => `${PG_SETTINGS}, datname="app", state="${state}", usename="app", application_name="api", backend_type="client backend", wait_event="", wait_event_type=""`;
const connections = (active: number): InputSeries[] => [
  s(`pg_stat_activity_count{${activity('active')}}`, `${active}x20`),
  s(`pg_stat_activity_count{${activity('idle')}}`, '0x20'),
  s(`pg_settings_max_connections{${PG_SETTINGS}}`, '20x20'),
];

const RD = 'tenant="acme", instance="redis-0:9121", job="redis"';
const rdTarget = { tenant: 'acme', instance: 'redis-0:9121', job: 'redis' };
const rdServer = { tenant: 'acme', instance: 'redis-0:9121' };
const Q = 'tenant="acme", instance="rabbitmq-0:15692", job="rabbitmq", vhost="/", queue="inference"';
const queue = { tenant: 'acme', instance: 'rabbitmq-0:15692', vhost: '/', queue: 'inference' };
const MQ = 'tenant="acme", instance="rabbitmq-0:15692", job="rabbitmq"';
const mqNode = { tenant: 'acme', instance: 'rabbitmq-0:15692' };
const BB = 'tenant="acme", instance="https://api.acme.example/healthz", job="blackbox"';
const probe = { tenant: 'acme', instance: 'https://api.acme.example/healthz', job: 'blackbox' };
const DAY = 86_400;

export const DATASTORE_FIXTURES: Readonly<Record<string, AlertFixture>> = {
  // postgres
  PostgresDown: fixture('5m', [s(`pg_up{${PG}}`, '0x10')], [pgTarget], [s(`pg_up{${PG}}`, '1x10')]),
  // 17 of 20 connections (85 %): above the 80 % warning, under the 95 % page.
  PostgresConnectionsSaturated: fixture('10m', connections(17), [pgServer], connections(10)),
  PostgresConnectionsExhausted: fixture('5m', connections(20), [pgServer], connections(17)),
  PostgresReplicationLagHigh: fixture('10m',
    [s(`pg_replication_lag_seconds{${PG}}`, '120x20')], [pgServer],
    [s(`pg_replication_lag_seconds{${PG}}`, '0x20')]),
  PostgresDeadlocks: fixture('10m',
    [s(`pg_stat_database_deadlocks{${PG_DB}}`, '0+1x20')], [pgDb],
    [s(`pg_stat_database_deadlocks{${PG_DB}}`, '3x20')]),
  // An idle-in-transaction session as old as the firing one must not count as a long active transaction.
  PostgresLongRunningTransaction: fixture('5m',
    [s(`pg_stat_activity_max_tx_duration{${activity('active')}}`, '600x10')], [pgDb],
    [s(`pg_stat_activity_max_tx_duration{${activity('active')}}`, '10x10'), s(`pg_stat_activity_max_tx_duration{${activity('idle in transaction')}}`, '600x10')]),
  PostgresIdleInTransaction: fixture('5m',
    [s(`pg_stat_activity_max_tx_duration{${activity('idle in transaction')}}`, '600x10')], [pgDb],
    [s(`pg_stat_activity_max_tx_duration{${activity('idle in transaction')}}`, '30x10'), s(`pg_stat_activity_max_tx_duration{${activity('active')}}`, '600x10')]),
  PostgresHighRollbackRatio: fixture('20m',
    [s(`pg_stat_database_xact_rollback{${PG_DB}}`, '0+30x30'), s(`pg_stat_database_xact_commit{${PG_DB}}`, '0+60x30')], [pgDb],
    [s(`pg_stat_database_xact_rollback{${PG_DB}}`, '0+1x30'), s(`pg_stat_database_xact_commit{${PG_DB}}`, '0+600x30')]),
  PostgresLowCacheHitRatio: fixture('25m',
    [s(`pg_stat_database_blks_hit{${PG_DB}}`, '0+500x30'), s(`pg_stat_database_blks_read{${PG_DB}}`, '0+500x30')], [pgDb],
    [s(`pg_stat_database_blks_hit{${PG_DB}}`, '0+9900x30'), s(`pg_stat_database_blks_read{${PG_DB}}`, '0+100x30')]),
  // 1,100 locks against 64 × 20 = 1,280 lock table entries (86 %).
  PostgresLockTableFilling: fixture('10m',
    [s(`pg_locks_count{${PG}, datname="app", mode="rowexclusivelock"}`, '1100x20'), s(`pg_settings_max_locks_per_transaction{${PG_SETTINGS}}`, '64x20'), s(`pg_settings_max_connections{${PG_SETTINGS}}`, '20x20')],
    [pgServer],
    [s(`pg_locks_count{${PG}, datname="app", mode="rowexclusivelock"}`, '100x20'), s(`pg_settings_max_locks_per_transaction{${PG_SETTINGS}}`, '64x20'), s(`pg_settings_max_connections{${PG_SETTINGS}}`, '20x20')]),
  // redis
  RedisDown: fixture('5m', [s(`redis_up{${RD}}`, '0x10')], [rdTarget], [s(`redis_up{${RD}}`, '1x10')]),
  // Without maxmemory (0) Redis has no limit to approach, however much it uses.
  RedisMemoryNearLimit: fixture('10m',
    [s(`redis_memory_used_bytes{${RD}}`, '3900000x20'), s(`redis_memory_max_bytes{${RD}}`, '4194304x20')], [rdTarget],
    [s(`redis_memory_used_bytes{${RD}}`, '3900000x20'), s(`redis_memory_max_bytes{${RD}}`, '0x20')]),
  RedisEvictingKeys: fixture('10m', [s(`redis_evicted_keys_total{${RD}}`, '0+10x20')], [rdServer], [s(`redis_evicted_keys_total{${RD}}`, '5x20')]),
  // Other error replies (a client's wrong command) are not memory refusals.
  RedisOutOfMemoryRefusals: fixture('10m',
    [s(`redis_errors_total{${RD}, err="OOM"}`, '0+100x20')], [rdServer],
    [s(`redis_errors_total{${RD}, err="ERR"}`, '0+100x20'), s(`redis_errors_total{${RD}, err="OOM"}`, '7x20')]),
  RedisRejectedConnections: fixture('10m', [s(`redis_rejected_connections_total{${RD}}`, '0+1x20')], [rdServer], [s(`redis_rejected_connections_total{${RD}}`, '2x20')]),
  RedisClientsNearLimit: fixture('10m',
    [s(`redis_connected_clients{${RD}}`, '9000x20'), s(`redis_config_maxclients{${RD}}`, '10000x20')], [rdTarget],
    [s(`redis_connected_clients{${RD}}`, '100x20'), s(`redis_config_maxclients{${RD}}`, '10000x20')]),
  RedisReplicationBroken: fixture('5m',
    [s(`redis_master_link_up{${RD}, master_host="redis-primary", master_port="6379"}`, '0x10')], [{ ...rdTarget, master_host: 'redis-primary', master_port: '6379' }],
    [s(`redis_master_link_up{${RD}, master_host="redis-primary", master_port="6379"}`, '1x10')]),
  RedisReplicaLagging: fixture('5m',
    [s(`redis_connected_slave_lag_seconds{${RD}, slave_ip="10.0.0.9", slave_port="6379", slave_state="online"}`, '30x10')], [{ ...rdServer, slave_ip: '10.0.0.9', slave_port: '6379' }],
    [s(`redis_connected_slave_lag_seconds{${RD}, slave_ip="10.0.0.9", slave_port="6379", slave_state="online"}`, '1x10')]),
  RedisReplicaDisconnected: fixture('15m', [s(`redis_connected_slaves{${RD}}`, '2x10 1x10')], [rdTarget], [s(`redis_connected_slaves{${RD}}`, '2x20')]),
  RedisPersistenceFailing: fixture('10m',
    [s(`redis_rdb_last_bgsave_status{${RD}}`, '0x20'), s(`redis_aof_last_write_status{${RD}}`, '1x20')], [rdTarget],
    [s(`redis_rdb_last_bgsave_status{${RD}}`, '1x20'), s(`redis_aof_last_write_status{${RD}}`, '1x20')]),
  // queues (RabbitMQ per-object metrics)
  QueueBacklogHigh: fixture('15m', [s(`rabbitmq_queue_messages_ready{${Q}}`, '5000x30')], [queue], [s(`rabbitmq_queue_messages_ready{${Q}}`, '10x30')]),
  // 30,000 waiting at one arrival per second: a new message waits over 8 hours; 100 waiting is under 2 minutes.
  QueueConsumerLagHigh: fixture('20m',
    [s(`rabbitmq_queue_messages_ready{${Q}}`, '30000x30'), s(`rabbitmq_queue_messages_published_total{${Q}}`, '0+60x30')], [queue],
    [s(`rabbitmq_queue_messages_ready{${Q}}`, '100x30'), s(`rabbitmq_queue_messages_published_total{${Q}}`, '0+60x30')]),
  // An empty queue without consumers is idle, not stuck.
  QueueNoConsumers: fixture('10m',
    [s(`rabbitmq_queue_consumers{${Q}}`, '0x20'), s(`rabbitmq_queue_messages_ready{${Q}}`, '50x20')], [queue],
    [s(`rabbitmq_queue_consumers{${Q}}`, '0x20'), s(`rabbitmq_queue_messages_ready{${Q}}`, '0x20')]),
  QueueUnackedHigh: fixture('20m', [s(`rabbitmq_queue_messages_unacked{${Q}}`, '5000x30')], [queue], [s(`rabbitmq_queue_messages_unacked{${Q}}`, '10x30')]),
  RabbitmqMemoryNearWatermark: fixture('10m',
    [s(`rabbitmq_process_resident_memory_bytes{${MQ}}`, '950000000x20'), s(`rabbitmq_resident_memory_limit_bytes{${MQ}}`, '1000000000x20')], [mqNode],
    [s(`rabbitmq_process_resident_memory_bytes{${MQ}}`, '500000000x20'), s(`rabbitmq_resident_memory_limit_bytes{${MQ}}`, '1000000000x20')]),
  RabbitmqDiskNearWatermark: fixture('10m',
    [s(`rabbitmq_disk_space_available_bytes{${MQ}}`, '60000000x20'), s(`rabbitmq_disk_space_available_limit_bytes{${MQ}}`, '50000000x20')], [mqNode],
    [s(`rabbitmq_disk_space_available_bytes{${MQ}}`, '5000000000x20'), s(`rabbitmq_disk_space_available_limit_bytes{${MQ}}`, '50000000x20')]),
  RabbitmqFileDescriptorsNearLimit: fixture('10m',
    [s(`rabbitmq_process_open_fds{${MQ}}`, '950x20'), s(`rabbitmq_process_max_fds{${MQ}}`, '1000x20')], [mqNode],
    [s(`rabbitmq_process_open_fds{${MQ}}`, '100x20'), s(`rabbitmq_process_max_fds{${MQ}}`, '1000x20')]),
  // endpoint probes (blackbox_exporter)
  EndpointProbeFailed: fixture('5m', [s(`probe_success{${BB}}`, '0x10')], [probe], [s(`probe_success{${BB}}`, '1x10')]),
  EndpointProbeSlow: fixture('20m', [s(`probe_duration_seconds{${BB}}`, '3x30')], [probe], [s(`probe_duration_seconds{${BB}}`, '0.2x30')]),
  // Expiry timestamps relative to the test's clock (0 at the start): 7 days warns, 60 days does not.
  EndpointCertificateExpiringSoon: fixture('20m',
    [s(`probe_ssl_earliest_cert_expiry{${BB}}`, `${7 * DAY}x30`)], [probe],
    [s(`probe_ssl_earliest_cert_expiry{${BB}}`, `${60 * DAY}x30`)]),
  EndpointCertificateExpiryCritical: fixture('10m',
    [s(`probe_ssl_earliest_cert_expiry{${BB}}`, `${DAY}x20`)], [probe],
    [s(`probe_ssl_earliest_cert_expiry{${BB}}`, `${7 * DAY}x20`)]),
};
