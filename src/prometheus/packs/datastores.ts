import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { POSTGRES_METRICS as PG, RABBITMQ_METRICS as MQ, REDIS_METRICS as RD } from '../../core/metric-catalogue';
import { AlertRule, RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/**
 * The `remediation_action` label value of the PostgreSQL connection-saturation alert. A
 * remediation policy rule matching `remediation_action="optimise-db-connections"` with a `run-job`
 * action runs the tenant's connection maintenance Job (see docs/guide/remediation.md).
 */
export const OPTIMISE_DB_CONNECTIONS_ACTION = 'optimise-db-connections';

/** Thresholds of the datastore pack (PostgreSQL, Redis, RabbitMQ queues). */
export interface DatastorePackParams {
  /** Sessions over `max_connections` that warn (and request the connection maintenance Job). @default 0.8 */
  readonly postgresConnectionSaturation?: number;
  /** Sessions over `max_connections` that page: new connections are about to be refused. @default 0.95 */
  readonly postgresConnectionExhaustion?: number;
  /** Standby replay lag in seconds that alerts. @default 30 */
  readonly postgresReplicationLagSeconds?: number;
  /** Deadlocks in 5 minutes above which the alert fires. @default 0 (any deadlock) */
  readonly postgresDeadlocksPer5m?: number;
  /** Age in seconds of the oldest running transaction that alerts. @default 300 */
  readonly postgresLongTransactionSeconds?: number;
  /** Seconds a session may sit idle inside an open transaction. @default 120 */
  readonly postgresIdleInTransactionSeconds?: number;
  /** Rolled-back share of transactions that alerts. @default 0.1 */
  readonly postgresRollbackRatio?: number;
  /** Shared-buffer hit ratio below which the alert fires. @default 0.9 */
  readonly postgresCacheHitRatio?: number;
  /** Locks held over the lock table's size (`max_locks_per_transaction × max_connections`). @default 0.8 */
  readonly postgresLockTableUsage?: number;
  /** Used memory over `maxmemory` that alerts. @default 0.9 */
  readonly redisMemorySaturation?: number;
  /** Connected clients over `maxclients` that alert. @default 0.85 */
  readonly redisClientSaturation?: number;
  /** Seconds since a replica's last acknowledgement that alert. @default 10 */
  readonly redisReplicaLagSeconds?: number;
  /** Messages ready in one queue that alert. @default 1000 */
  readonly queueBacklogMessages?: number;
  /** Estimated wait of a new message (backlog over publish rate), seconds. @default 300 */
  readonly queueConsumerLagSeconds?: number;
  /** Unacknowledged messages in one queue that alert. @default 1000 */
  readonly queueUnackedMessages?: number;
  /** Node memory over its high watermark that alerts. @default 0.9 */
  readonly rabbitmqMemorySaturation?: number;
  /** Free disk over the low watermark below which the alert fires. @default 1.5 */
  readonly rabbitmqDiskHeadroom?: number;
  /** Open file descriptors over the limit that alert. @default 0.9 */
  readonly rabbitmqFdSaturation?: number;
}

/** The alerts of the datastore pack and the named thresholds each reads. */
export const DATASTORE_ALERT_THRESHOLDS = {
  PostgresDown: {},
  PostgresConnectionsSaturated: { postgresConnectionSaturation: 'ratio' },
  PostgresConnectionsExhausted: { postgresConnectionExhaustion: 'ratio' },
  PostgresReplicationLagHigh: { postgresReplicationLagSeconds: 'positive' },
  PostgresDeadlocks: { postgresDeadlocksPer5m: 'positive' },
  PostgresLongRunningTransaction: { postgresLongTransactionSeconds: 'positive' },
  PostgresIdleInTransaction: { postgresIdleInTransactionSeconds: 'positive' },
  PostgresHighRollbackRatio: { postgresRollbackRatio: 'ratio' },
  PostgresLowCacheHitRatio: { postgresCacheHitRatio: 'ratio' },
  PostgresLockTableFilling: { postgresLockTableUsage: 'ratio' },
  RedisDown: {},
  RedisMemoryNearLimit: { redisMemorySaturation: 'ratio' },
  RedisEvictingKeys: {},
  RedisOutOfMemoryRefusals: {},
  RedisRejectedConnections: {},
  RedisClientsNearLimit: { redisClientSaturation: 'ratio' },
  RedisReplicationBroken: {},
  RedisReplicaLagging: { redisReplicaLagSeconds: 'positive' },
  RedisReplicaDisconnected: {},
  RedisPersistenceFailing: {},
  QueueBacklogHigh: { queueBacklogMessages: 'positive' },
  QueueConsumerLagHigh: { queueConsumerLagSeconds: 'positive' },
  QueueNoConsumers: {},
  QueueUnackedHigh: { queueUnackedMessages: 'positive' },
  RabbitmqMemoryNearWatermark: { rabbitmqMemorySaturation: 'ratio' },
  RabbitmqDiskNearWatermark: { rabbitmqDiskHeadroom: 'positive' },
  RabbitmqFileDescriptorsNearLimit: { rabbitmqFdSaturation: 'ratio' },
} as const satisfies AlertThresholdTable;

/** Options of the datastore pack. */
export type DatastorePackOptions = PackBuildOptions<DatastorePackParams, typeof DATASTORE_ALERT_THRESHOLDS>;

/**
 * PostgreSQL (postgres_exporter), Redis (redis_exporter) and RabbitMQ queues (rabbitmq_prometheus)
 * of the tenants' applications: availability, saturation against the configured limits,
 * replication, and the backlog and lag of queue consumers. Every series is read with the tenant
 * label its scrape configuration adds.
 */
export function datastorePack(_profile: EnvironmentProfile, options: DatastorePackOptions = {}): RuleGroup[] {
  return buildPack(DATASTORE_ALERT_THRESHOLDS, options, (p) => [postgresGroup(p, options), redisGroup(p, options), queueGroup(p, options)]);
}

/** The labels every per-server PostgreSQL aggregation keeps. */
const PG_SERVER = 'tenant, instance';
/** The labels every per-database PostgreSQL aggregation keeps. */
const PG_DB = 'tenant, instance, datname';
/** The labels every per-queue aggregation keeps. */
const QUEUE = 'tenant, instance, vhost, queue';

function hold(options: DatastorePackOptions, alert: keyof typeof DATASTORE_ALERT_THRESHOLDS, fallback: Duration): Duration {
  return holdFor(options, alert, fallback);
}

function postgresGroup(p: DatastorePackParams, options: DatastorePackOptions): RuleGroup {
  const saturation = p.postgresConnectionSaturation ?? 0.8;
  const exhaustion = p.postgresConnectionExhaustion ?? 0.95;
  const lag = p.postgresReplicationLagSeconds ?? 30;
  const deadlocks = p.postgresDeadlocksPer5m ?? 0;
  const longTx = p.postgresLongTransactionSeconds ?? 300;
  const idleTx = p.postgresIdleInTransactionSeconds ?? 120;
  const rollback = p.postgresRollbackRatio ?? 0.1;
  const cacheHit = p.postgresCacheHitRatio ?? 0.9;
  const locks = p.postgresLockTableUsage ?? 0.8;
  const connections = `sum by (${PG_SERVER}) (${PG.activity}) / max by (${PG_SERVER}) (${PG.maxConnections})`;
  const satHold = hold(options, 'PostgresConnectionsSaturated', Duration.minutes(5));
  const exhHold = hold(options, 'PostgresConnectionsExhausted', Duration.minutes(2));
  const rules: AlertRule[] = [
    withLinks({
      alert: 'PostgresDown',
      expr: `${PG.up} == 0`,
      for: hold(options, 'PostgresDown', Duration.minutes(2)), severity: 'critical',
      summary: 'PostgreSQL {{ $labels.instance }} of {{ $labels.tenant }} is unreachable',
      description: 'The exporter cannot connect to the database server: the server is down, refuses connections, or rejects the exporter\'s credentials.',
    }, options),
    withLinks({
      alert: 'PostgresConnectionsSaturated',
      expr: `${connections} > ${num(saturation)}`,
      for: satHold, severity: 'warning',
      labels: { remediation_action: OPTIMISE_DB_CONNECTIONS_ACTION },
      summary: 'PostgreSQL {{ $labels.instance }} of {{ $labels.tenant }} uses most of its connections',
      description: `Sessions have been above ${num(saturation * 100)} % of max_connections for ${durationWords(satHold)}; the connection maintenance Job is requested.`,
    }, options),
    withLinks({
      alert: 'PostgresConnectionsExhausted',
      expr: `${connections} > ${num(exhaustion)}`,
      for: exhHold, severity: 'critical',
      summary: 'PostgreSQL {{ $labels.instance }} of {{ $labels.tenant }} is about to refuse connections',
      description: `Sessions have been above ${num(exhaustion * 100)} % of max_connections for ${durationWords(exhHold)}; new clients get "too many clients already".`,
    }, options),
    withLinks({
      alert: 'PostgresReplicationLagHigh',
      expr: `max by (${PG_SERVER}) (${PG.replicationLag}) > ${num(lag)}`,
      for: hold(options, 'PostgresReplicationLagHigh', Duration.minutes(5)), severity: 'warning',
      summary: 'PostgreSQL standby {{ $labels.instance }} of {{ $labels.tenant }} lags behind its primary',
      description: `The standby has not replayed received WAL for more than ${num(lag)} seconds; reads from it are stale and a failover would lose recent writes.`,
    }, options),
    withLinks({
      alert: 'PostgresDeadlocks',
      expr: `sum by (${PG_DB}) (increase(${PG.deadlocks}[5m])) > ${num(deadlocks)}`,
      severity: 'warning',
      summary: 'Deadlocks in database {{ $labels.datname }} of {{ $labels.tenant }}',
      description: `More than ${num(deadlocks)} deadlocks in 5 minutes: transactions lock rows in conflicting orders and one of each pair is aborted.`,
    }, options),
    withLinks({
      alert: 'PostgresLongRunningTransaction',
      expr: `max by (${PG_DB}) (${PG.maxTransactionDuration}{state="active"}) > ${num(longTx)}`,
      for: hold(options, 'PostgresLongRunningTransaction', Duration.minutes(1)), severity: 'warning',
      summary: 'A transaction in {{ $labels.datname }} of {{ $labels.tenant }} runs for a long time',
      description: `An active transaction is older than ${num(longTx)} seconds: it holds locks and keeps VACUUM from removing dead rows.`,
    }, options),
    withLinks({
      alert: 'PostgresIdleInTransaction',
      expr: `max by (${PG_DB}) (${PG.maxTransactionDuration}{state="idle in transaction"}) > ${num(idleTx)}`,
      for: hold(options, 'PostgresIdleInTransaction', Duration.minutes(1)), severity: 'warning',
      summary: 'A session in {{ $labels.datname }} of {{ $labels.tenant }} sits idle inside a transaction',
      description: `A client opened a transaction more than ${num(idleTx)} seconds ago and does nothing with it: it holds its locks and a connection slot.`,
    }, options),
    withLinks({
      alert: 'PostgresHighRollbackRatio',
      expr: `sum by (${PG_DB}) (rate(${PG.rollbacks}[5m])) / sum by (${PG_DB}) (rate(${PG.rollbacks}[5m]) + rate(${PG.commits}[5m])) > ${num(rollback)}`,
      for: hold(options, 'PostgresHighRollbackRatio', Duration.minutes(10)), severity: 'warning',
      summary: 'Many transactions of {{ $labels.datname }} of {{ $labels.tenant }} roll back',
      description: `More than ${num(rollback * 100)} % of transactions end in a rollback: application errors, serialization failures or deadlocks.`,
    }, options),
    withLinks({
      alert: 'PostgresLowCacheHitRatio',
      expr: `sum by (${PG_DB}) (rate(${PG.blocksHit}[5m])) / sum by (${PG_DB}) (rate(${PG.blocksHit}[5m]) + rate(${PG.blocksRead}[5m])) < ${num(cacheHit)}`,
      for: hold(options, 'PostgresLowCacheHitRatio', Duration.minutes(15)), severity: 'warning',
      summary: 'Database {{ $labels.datname }} of {{ $labels.tenant }} reads much from disk',
      description: `Fewer than ${num(cacheHit * 100)} % of block reads are served from shared buffers: the working set no longer fits in memory, or queries scan large tables.`,
    }, options),
    withLinks({
      alert: 'PostgresLockTableFilling',
      expr: `sum by (${PG_SERVER}) (${PG.locks}) / max by (${PG_SERVER}) (${PG.maxLocksPerTransaction} * ${PG.maxConnections}) > ${num(locks)}`,
      for: hold(options, 'PostgresLockTableFilling', Duration.minutes(5)), severity: 'warning',
      summary: 'The lock table of PostgreSQL {{ $labels.instance }} of {{ $labels.tenant }} is filling',
      description: `Held locks exceed ${num(locks * 100)} % of max_locks_per_transaction × max_connections; when the shared lock table is full, queries fail with "out of shared memory".`,
    }, options),
  ];
  return { name: 'postgres', rules };
}

function redisGroup(p: DatastorePackParams, options: DatastorePackOptions): RuleGroup {
  const memory = p.redisMemorySaturation ?? 0.9;
  const clients = p.redisClientSaturation ?? 0.85;
  const replicaLag = p.redisReplicaLagSeconds ?? 10;
  const memHold = hold(options, 'RedisMemoryNearLimit', Duration.minutes(5));
  const rules: AlertRule[] = [
    withLinks({
      alert: 'RedisDown',
      expr: `${RD.up} == 0`,
      for: hold(options, 'RedisDown', Duration.minutes(2)), severity: 'critical',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} is unreachable',
      description: 'The exporter cannot reach the Redis server: it is down, not listening, or rejects the exporter\'s password.',
    }, options),
    withLinks({
      alert: 'RedisMemoryNearLimit',
      expr: `${RD.memoryUsed} / (${RD.memoryMax} > 0) > ${num(memory)}`,
      for: memHold, severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} is close to maxmemory',
      description: `Used memory has been above ${num(memory * 100)} % of maxmemory for ${durationWords(memHold)}; at the limit Redis evicts keys or refuses writes, depending on maxmemory-policy.`,
    }, options),
    withLinks({
      alert: 'RedisEvictingKeys',
      expr: `sum by (tenant, instance) (increase(${RD.evictedKeys}[5m])) > 0`,
      severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} evicts keys',
      description: 'Redis reached maxmemory and removes keys to make room: cached data disappears early and callers see more misses.',
    }, options),
    withLinks({
      alert: 'RedisOutOfMemoryRefusals',
      expr: `sum by (tenant, instance) (increase(${RD.errors}{err="OOM"}[5m])) > 0`,
      severity: 'critical',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} refuses writes: out of memory',
      description: 'Redis is at maxmemory and its maxmemory-policy cannot free space, so write commands fail with OOM errors.',
    }, options),
    withLinks({
      alert: 'RedisRejectedConnections',
      expr: `sum by (tenant, instance) (increase(${RD.rejectedConnections}[5m])) > 0`,
      severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} rejects connections',
      description: 'Redis refused new connections because maxclients was reached.',
    }, options),
    withLinks({
      alert: 'RedisClientsNearLimit',
      expr: `${RD.connectedClients} / ${RD.maxClients} > ${num(clients)}`,
      for: hold(options, 'RedisClientsNearLimit', Duration.minutes(5)), severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} is close to maxclients',
      description: `More than ${num(clients * 100)} % of maxclients are connected: a connection leak or a pool sized too large.`,
    }, options),
    withLinks({
      alert: 'RedisReplicationBroken',
      expr: `${RD.masterLinkUp} == 0`,
      for: hold(options, 'RedisReplicationBroken', Duration.minutes(2)), severity: 'critical',
      summary: 'Redis replica {{ $labels.instance }} of {{ $labels.tenant }} lost its primary',
      description: 'The replication link to {{ $labels.master_host }}:{{ $labels.master_port }} is down: the replica serves stale data and cannot take over.',
    }, options),
    withLinks({
      alert: 'RedisReplicaLagging',
      expr: `max by (tenant, instance, slave_ip, slave_port) (${RD.replicaLag}) > ${num(replicaLag)}`,
      for: hold(options, 'RedisReplicaLagging', Duration.minutes(2)), severity: 'warning',
      summary: 'A replica of Redis {{ $labels.instance }} of {{ $labels.tenant }} lags',
      description: `Replica {{ $labels.slave_ip }}:{{ $labels.slave_port }} has not acknowledged the replication stream for more than ${num(replicaLag)} seconds (replicas acknowledge every second).`,
    }, options),
    withLinks({
      alert: 'RedisReplicaDisconnected',
      expr: `${RD.connectedReplicas} < max_over_time(${RD.connectedReplicas}[30m])`,
      for: hold(options, 'RedisReplicaDisconnected', Duration.minutes(2)), severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} has fewer replicas than before',
      description: 'A replica that was connected in the last 30 minutes is gone: redundancy is reduced until it reconnects.',
    }, options),
    withLinks({
      alert: 'RedisPersistenceFailing',
      expr: `${RD.rdbLastSaveOk} == 0 or ${RD.aofLastWriteOk} == 0`,
      for: hold(options, 'RedisPersistenceFailing', Duration.minutes(5)), severity: 'warning',
      summary: 'Redis {{ $labels.instance }} of {{ $labels.tenant }} cannot persist its data',
      description: 'The last RDB snapshot or AOF write failed; a restart would lose the writes since the last successful save, and Redis may refuse writes (stop-writes-on-bgsave-error).',
    }, options),
  ];
  return { name: 'redis', rules };
}

function queueGroup(p: DatastorePackParams, options: DatastorePackOptions): RuleGroup {
  const backlog = p.queueBacklogMessages ?? 1000;
  const lag = p.queueConsumerLagSeconds ?? 300;
  const unacked = p.queueUnackedMessages ?? 1000;
  const memory = p.rabbitmqMemorySaturation ?? 0.9;
  const disk = p.rabbitmqDiskHeadroom ?? 1.5;
  const fds = p.rabbitmqFdSaturation ?? 0.9;
  const backlogHold = hold(options, 'QueueBacklogHigh', Duration.minutes(10));
  const ready = `sum by (${QUEUE}) (${MQ.messagesReady})`;
  const rules: AlertRule[] = [
    withLinks({
      alert: 'QueueBacklogHigh',
      expr: `${ready} > ${num(backlog)}`,
      for: backlogHold, severity: 'warning',
      summary: 'Queue {{ $labels.queue }} of {{ $labels.tenant }} has a backlog',
      description: `More than ${num(backlog)} messages have been waiting for ${durationWords(backlogHold)}: workers do not keep up with producers.`,
    }, options),
    withLinks({
      alert: 'QueueConsumerLagHigh',
      // Little's law: at the current arrival rate, a message published now waits backlog / rate.
      expr: `${ready} / (sum by (${QUEUE}) (rate(${MQ.messagesPublished}[5m])) > 0) > ${num(lag)}`,
      for: hold(options, 'QueueConsumerLagHigh', Duration.minutes(10)), severity: 'warning',
      summary: 'Consumers of queue {{ $labels.queue }} of {{ $labels.tenant }} lag behind',
      description: `The backlog is more than ${num(lag)} seconds of arrivals: a message published now waits that long before a worker takes it.`,
    }, options),
    withLinks({
      alert: 'QueueNoConsumers',
      expr: `sum by (${QUEUE}) (${MQ.consumers}) == 0 and ${ready} > 0`,
      for: hold(options, 'QueueNoConsumers', Duration.minutes(5)), severity: 'critical',
      summary: 'Queue {{ $labels.queue }} of {{ $labels.tenant }} has messages and no consumer',
      description: 'No worker consumes the queue while messages wait: the workers are down, crash-looping, or subscribed elsewhere.',
    }, options),
    withLinks({
      alert: 'QueueUnackedHigh',
      expr: `sum by (${QUEUE}) (${MQ.messagesUnacked}) > ${num(unacked)}`,
      for: hold(options, 'QueueUnackedHigh', Duration.minutes(15)), severity: 'warning',
      summary: 'Workers of queue {{ $labels.queue }} of {{ $labels.tenant }} hold many unacknowledged messages',
      description: `More than ${num(unacked)} messages are delivered and not acknowledged: workers are stuck, slow, or forget to ack.`,
    }, options),
    withLinks({
      alert: 'RabbitmqMemoryNearWatermark',
      expr: `sum by (tenant, instance) (${MQ.residentMemory}) / sum by (tenant, instance) (${MQ.residentMemoryLimit}) > ${num(memory)}`,
      for: hold(options, 'RabbitmqMemoryNearWatermark', Duration.minutes(5)), severity: 'warning',
      summary: 'RabbitMQ node {{ $labels.instance }} of {{ $labels.tenant }} nears its memory watermark',
      description: `Memory use is above ${num(memory * 100)} % of the high watermark; at the watermark the node blocks every publisher.`,
    }, options),
    withLinks({
      alert: 'RabbitmqDiskNearWatermark',
      expr: `sum by (tenant, instance) (${MQ.diskAvailable}) / sum by (tenant, instance) (${MQ.diskAvailableLimit}) < ${num(disk)}`,
      for: hold(options, 'RabbitmqDiskNearWatermark', Duration.minutes(5)), severity: 'warning',
      summary: 'RabbitMQ node {{ $labels.instance }} of {{ $labels.tenant }} runs out of disk',
      description: `Free disk is less than ${num(disk)} times the low watermark; below the watermark the node blocks every publisher.`,
    }, options),
    withLinks({
      alert: 'RabbitmqFileDescriptorsNearLimit',
      expr: `sum by (tenant, instance) (${MQ.openFds}) / sum by (tenant, instance) (${MQ.maxFds}) > ${num(fds)}`,
      for: hold(options, 'RabbitmqFileDescriptorsNearLimit', Duration.minutes(5)), severity: 'warning',
      summary: 'RabbitMQ node {{ $labels.instance }} of {{ $labels.tenant }} nears its file descriptor limit',
      description: `More than ${num(fds * 100)} % of file descriptors are open; at the limit the node refuses new connections.`,
    }, options),
  ];
  return { name: 'queues', rules };
}
