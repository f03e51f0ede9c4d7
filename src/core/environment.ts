import { Duration } from './duration';
import { ValidationError } from './errors';
import { ApiServerAccess, NetworkPeer } from './network';
import { TenantTier } from './tenant';

/** Escalation levels, from automatic remediation (L1) to vendor / emergency (L4). */
export type EscalationLevel = 'L1' | 'L2' | 'L3' | 'L4';

/** All escalation levels in order. */
export const ESCALATION_LEVELS: ReadonlyArray<EscalationLevel> = ['L1', 'L2', 'L3', 'L4'];

/** Kinds of notification channel an environment may use. */
export type ReceiverKind = 'slack' | 'email' | 'pagerduty' | 'discord' | 'teams' | 'webhook';

/** Alertmanager notification timing for one escalation level. */
export interface LevelTiming {
  /** How long to wait to buffer alerts of the same group before the first notification. */
  readonly groupWait: Duration;
  /** How long to wait before notifying about new alerts added to a group. */
  readonly groupInterval: Duration;
  /** How long to wait before re-sending a notification that is still firing. */
  readonly repeatInterval: Duration;
  /** How long an alert may fire at this level before it escalates to the next one. */
  readonly escalateAfter: Duration;
}

/** Replica counts of the shared components. */
export interface ReplicaCounts {
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly grafana: number;
  readonly jaeger: number;
  readonly pushgateway: number;
}

/** How long data is kept. */
export interface RetentionSettings {
  /** Prometheus TSDB retention. */
  readonly metrics: Duration;
  /** Application logs in Elasticsearch, in days. */
  readonly logsDays: number;
  /** Traces in Elasticsearch, in days. */
  readonly tracesDays: number;
  /** Audit events, in days (bounded by GDPR limits in the logging model). */
  readonly auditDays: number;
}

/** Service-level thresholds that the default SLOs and alerts use. */
export interface Thresholds {
  /** API latency objective at p95, in seconds. */
  readonly latencyP95Seconds: number;
  /** Largest acceptable error ratio (0.001 = 0.1 %). */
  readonly errorRatio: number;
  /** Availability objective (0.999 = 99.9 %). */
  readonly availability: number;
  /** Throughput target in requests per second; the capacity alert fires near it. */
  readonly throughputTargetRps: number;
  /** CPU saturation that alerts, as a ratio of capacity. */
  readonly cpuSaturation: number;
  /** Memory saturation that alerts, as a ratio of capacity. */
  readonly memorySaturation: number;
  /** Disk usage that alerts, as a ratio of capacity. */
  readonly diskSaturation: number;
  /**
   * Isolation-forest anomaly score (`ml_anomaly_score`, on its 0..1 scale) at or
   * above which a point is anomalous: the anomaly job's threshold, the `MlAnomalyScoreSustained`
   * alert and the dashboards' red line all read it.
   */
  readonly anomalyScore: number;
  /**
   * |z| of a key series (`tenant:key_series:zscore`) against its baseline that counts as anomalous:
   * the `TenantAnomalyZScoreHigh` alert and the dashboards' red line read it.
   */
  readonly anomalyZScore: number;
  /**
   * Drift score (`ml_drift_score`, any method) above which a feature counts as drifted: the
   * `MlFeatureDriftScoreHigh` alert and the machine-learning dashboard's red line read it.
   */
  readonly driftScore: number;
}

/** A managed Kubernetes service whose provider runs the control plane: Amazon EKS, Google GKE or Azure AKS. */
export type ManagedControlPlane = 'eks' | 'gke' | 'aks';

/** A control-plane component the platform Prometheus can scrape; its name is the scrape job's name. */
export type ControlPlaneComponent = 'apiserver' | 'etcd' | 'kube-scheduler' | 'kube-controller-manager';

/** Every control-plane component, in the order the platform renders their scrape jobs. */
export const CONTROL_PLANE_COMPONENTS: ReadonlyArray<ControlPlaneComponent> = ['apiserver', 'etcd', 'kube-scheduler', 'kube-controller-manager'];

/** Remote write to a shared long-term store (Mimir, Cortex, Thanos Receive). */
export interface RemoteWriteSettings {
  /** The remote-write URL. */
  readonly url: string;
  /** The store's read (query) URL used by per-tenant Grafana datasources. @default - the remote-write URL's origin + /prometheus */
  readonly queryUrl?: string;
  /** The header that carries the tenant id. @default 'X-Scope-OrgID' */
  readonly tenantHeader?: string;
  /**
   * Where the store's write endpoint is, for Prometheus's egress policy. Needed when `url` is not
   * an in-cluster Service URL (`<service>.<namespace>.svc`): then give its address range
   * (`NetworkPeer.cidr('10.20.0.0/16')`) or its pods (`NetworkPeer.pods('mimir', {...})`).
   * @default - every pod of the Service's namespace named by `url`, on the URL's port
   */
  readonly network?: NetworkPeer;
  /**
   * How each tenant's samples reach its tenant id in the store.
   * @default RemoteWriteTenancy.queuePerTenant()
   */
  readonly tenancy?: RemoteWriteTenancy;
}

/**
 * How remote write keeps each tenant's samples under its tenant id in the long-term store.
 *
 * - `queuePerTenant()`: one remote-write queue per tenant, each keeping only that tenant's series
 *   and sending its tenant header. Every queue has its own shards, buffers and WAL reader, so
 *   Prometheus's memory and CPU grow with the number of tenants.
 * - `byLabel()`: one queue for all series, to a tenant-aware gateway in front of the store that
 *   reads the `tenant` label of each series and forwards it under that tenant's header (Mimir or
 *   Cortex behind cortex-tenant, which splits each write request by a label). Series without the
 *   label go to `defaultTenant`. Prometheus's cost no longer depends on the number of tenants.
 */
export class RemoteWriteTenancy {
  /** One queue per tenant, each with its tenant header (the store's own write endpoint as `url`). */
  public static queuePerTenant(): RemoteWriteTenancy {
    return new RemoteWriteTenancy('queue-per-tenant', 'platform');
  }

  /**
   * One queue to a gateway that splits by the `tenant` label (`url` is the gateway's write endpoint).
   * `options.defaultTenant` is the tenant id the gateway gives series without a tenant label (the
   * platform's own), default `'platform'`; it must be a DNS label.
   */
  public static byLabel(options: { readonly defaultTenant?: string } = {}): RemoteWriteTenancy {
    const tenant = options.defaultTenant ?? 'platform';
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(tenant)) {
      throw new ValidationError('<RemoteWriteTenancy>', 'defaultTenant', options.defaultTenant, 'a DNS label (lower-case letters, digits and -, at most 63)');
    }
    return new RemoteWriteTenancy('by-label', tenant);
  }

  private constructor(
    /** Which mechanism: a queue per tenant, or one queue to a gateway that splits by label. */
    public readonly kind: 'queue-per-tenant' | 'by-label',
    /** The tenant id of the platform's own series (those without a tenant label). */
    public readonly defaultTenant: string,
  ) {}
}

/**
 * The load an environment is sized for. Prometheus and Alertmanager requests and limits are
 * computed from it and the number of registered tenants (`prometheusResources`,
 * `alertmanagerResources`), not fixed.
 */
export interface ExpectedLoad {
  /** Active (head) series one tenant brings, across all its targets. @default DEFAULT_SERIES_PER_TENANT (5,000) */
  readonly seriesPerTenant?: number;
  /** Active series of the platform's own components and shared exporters. @default DEFAULT_PLATFORM_SERIES (50,000) */
  readonly platformSeries?: number;
}

/**
 * The scale-out profile for installations that outgrow one Prometheus: Prometheus Operator
 * `shards` split the scrape targets (each shard keeps the targets whose `__address__` hashes to
 * it), and rules are evaluated once, over all shards, by a ThanosRuler that queries a Thanos
 * Query in front of the shards' Thanos sidecars. The shards evaluate no rules themselves: an
 * aggregation on one shard would see only its share of the targets.
 */
export interface ScaleOutSettings {
  /** Prometheus Operator shards (each with `replicas.prometheus` replicas). At least 1. */
  readonly shards: number;
  /**
   * The Thanos Query HTTP URL the ThanosRuler evaluates its rules against, e.g.
   * `http://thanos-query.thanos.svc:9090`. The Query must have the shards' sidecars as stores
   * (e.g. `--endpoint=dnssrv+_grpc._tcp.prometheus-operated.monitoring.svc`).
   */
  readonly queryUrl: string;
  /**
   * The Thanos Query pods, admitted to the shards' sidecar gRPC port, and where `queryUrl` is when
   * it is not an in-cluster Service URL.
   * @default - every pod of the namespace of the Service named by `queryUrl`
   */
  readonly queryNetwork?: NetworkPeer;
  /** ThanosRuler replicas. @default - replicas.prometheus */
  readonly rulerReplicas?: number;
}

/**
 * Everything that differs between environments, as data. Environments differ in these values
 * only, never in code paths.
 */
export interface EnvironmentProfile {
  /** The environment's name: the output folder and the `environment` label. */
  readonly name: string;
  /** Replica counts of shared components. */
  readonly replicas: ReplicaCounts;
  /** Data retention. */
  readonly retention: RetentionSettings;
  /** Prometheus persistent volume size. */
  readonly prometheusStorage: string;
  /** Prometheus scrape and rule evaluation interval. */
  readonly scrapeInterval: Duration;
  /** Alert thresholds and SLO targets. */
  readonly thresholds: Thresholds;
  /** Which kinds of receiver are used in this environment. */
  readonly receivers: ReadonlyArray<ReceiverKind>;
  /** Notification timing and escalation delay per level. */
  readonly escalation: Readonly<Record<EscalationLevel, LevelTiming>>;
  /** Whether automation (remediation) only reports what it would do. */
  readonly automationDryRun: boolean;
  /** Default trace sampling probability (0..1). */
  readonly traceSamplingRate: number;
  /** Optional remote write to shared long-term storage. @default - none */
  readonly remoteWrite?: RemoteWriteSettings;
  /**
   * The managed Kubernetes service the environment runs on. Its provider runs the control plane,
   * so the control-plane alerts that cannot work there (etcd, scheduler, controller manager) are
   * left out of the platform rules.
   * @default - a self-managed control plane: every control-plane alert
   */
  readonly managedControlPlane?: ManagedControlPlane;
  /**
   * The Kubernetes API server's addresses. Only the pods that call the API (Prometheus service
   * discovery, the Grafana dashboard sidecar, the remediation controller) may reach it, and a
   * NetworkPolicy can name it only by address.
   * @default - any address on ports 443 and 6443 (from those pods only)
   */
  readonly apiServer?: ApiServerAccess;
  /**
   * The control-plane components the platform Prometheus scrapes. Each one listed gets a scrape
   * job (named after the component) in the platform's additional scrape configuration, and the
   * platform rules get its alerts; a component not listed gets neither, so no alert watches a
   * target nobody scrapes. Reading `/metrics` of the API server, scheduler and controller manager
   * needs `get` on the non-resource URL `/metrics` for the `prometheus` service account: a
   * cluster-scoped grant this library does not create (grant it with your cluster RBAC).
   * On a managed control plane only `apiserver` is reachable.
   * @default - none: no control-plane scrape jobs and no control-plane alerts
   */
  readonly scrapedControlPlane?: ReadonlyArray<ControlPlaneComponent>;
  /**
   * The load Prometheus and Alertmanager are sized for, together with the number of registered tenants.
   * @default - DEFAULT_SERIES_PER_TENANT series per tenant and DEFAULT_PLATFORM_SERIES for the platform
   */
  readonly expectedLoad?: ExpectedLoad;
  /**
   * Shard scraping across several Prometheus servers and evaluate rules once in a ThanosRuler.
   * @default - one Prometheus (with `replicas.prometheus` replicas) scrapes everything and evaluates every rule
   */
  readonly scaleOut?: ScaleOutSettings;
}

/**
 * The anomaly score threshold of the built-in profiles: the 0.65 of the isolation-forest model's
 * calibration (scores of normal points stay near 0.5, isolated points approach 1).
 */
export const DEFAULT_ANOMALY_SCORE_THRESHOLD = 0.65;

/** The drift score threshold of the built-in profiles: PSI's conventional "significant shift" (0.25). */
export const DEFAULT_DRIFT_SCORE_THRESHOLD = 0.25;

function timing(groupWait: Duration, groupInterval: Duration, repeatInterval: Duration, escalateAfter: Duration): LevelTiming {
  return { groupWait, groupInterval, repeatInterval, escalateAfter };
}

/** The development environment: single replicas, short retention, chat only, automation dry-run. */
export const DEV: EnvironmentProfile = {
  name: 'dev',
  replicas: { prometheus: 1, alertmanager: 1, grafana: 1, jaeger: 1, pushgateway: 1 },
  retention: { metrics: Duration.days(3), logsDays: 3, tracesDays: 2, auditDays: 30 },
  prometheusStorage: '10Gi',
  scrapeInterval: Duration.seconds(30),
  thresholds: {
    latencyP95Seconds: 0.2, errorRatio: 0.001, availability: 0.999, throughputTargetRps: 500,
    cpuSaturation: 0.9, memorySaturation: 0.9, diskSaturation: 0.9,
    anomalyScore: DEFAULT_ANOMALY_SCORE_THRESHOLD, anomalyZScore: 3, driftScore: DEFAULT_DRIFT_SCORE_THRESHOLD,
  },
  receivers: ['slack', 'webhook'],
  escalation: {
    L1: timing(Duration.seconds(30), Duration.minutes(5), Duration.hours(12), Duration.minutes(30)),
    L2: timing(Duration.minutes(1), Duration.minutes(10), Duration.hours(12), Duration.hours(2)),
    L3: timing(Duration.minutes(1), Duration.minutes(10), Duration.hours(12), Duration.hours(4)),
    L4: timing(Duration.minutes(1), Duration.minutes(10), Duration.hours(24), Duration.hours(24)),
  },
  automationDryRun: true,
  traceSamplingRate: 1,
};

/** Staging: production-like topology at smaller scale; e-mail and chat, no paging. */
export const STAGING: EnvironmentProfile = {
  name: 'staging',
  replicas: { prometheus: 2, alertmanager: 2, grafana: 1, jaeger: 2, pushgateway: 1 },
  retention: { metrics: Duration.days(7), logsDays: 7, tracesDays: 3, auditDays: 90 },
  prometheusStorage: '50Gi',
  scrapeInterval: Duration.seconds(30),
  thresholds: {
    latencyP95Seconds: 0.2, errorRatio: 0.001, availability: 0.999, throughputTargetRps: 2000,
    cpuSaturation: 0.85, memorySaturation: 0.85, diskSaturation: 0.85,
    anomalyScore: DEFAULT_ANOMALY_SCORE_THRESHOLD, anomalyZScore: 3, driftScore: DEFAULT_DRIFT_SCORE_THRESHOLD,
  },
  receivers: ['slack', 'email', 'discord', 'webhook'],
  escalation: {
    L1: timing(Duration.seconds(30), Duration.minutes(5), Duration.hours(4), Duration.minutes(15)),
    L2: timing(Duration.seconds(30), Duration.minutes(5), Duration.hours(4), Duration.minutes(30)),
    L3: timing(Duration.seconds(30), Duration.minutes(5), Duration.hours(4), Duration.hours(1)),
    L4: timing(Duration.seconds(30), Duration.minutes(5), Duration.hours(4), Duration.hours(4)),
  },
  automationDryRun: false,
  traceSamplingRate: 0.5,
};

/** Production: HA replicas, long retention, paging, Mimir remote write, automation live. */
export const PROD: EnvironmentProfile = {
  name: 'prod',
  replicas: { prometheus: 2, alertmanager: 3, grafana: 2, jaeger: 3, pushgateway: 1 },
  retention: { metrics: Duration.days(15), logsDays: 30, tracesDays: 7, auditDays: 365 },
  prometheusStorage: '200Gi',
  scrapeInterval: Duration.seconds(15),
  thresholds: {
    latencyP95Seconds: 0.2, errorRatio: 0.001, availability: 0.999, throughputTargetRps: 10000,
    cpuSaturation: 0.8, memorySaturation: 0.8, diskSaturation: 0.8,
    anomalyScore: DEFAULT_ANOMALY_SCORE_THRESHOLD, anomalyZScore: 3, driftScore: DEFAULT_DRIFT_SCORE_THRESHOLD,
  },
  receivers: ['slack', 'email', 'pagerduty', 'discord', 'teams', 'webhook'],
  escalation: {
    L1: timing(Duration.seconds(15), Duration.minutes(2), Duration.hours(1), Duration.minutes(10)),
    L2: timing(Duration.seconds(15), Duration.minutes(2), Duration.hours(1), Duration.minutes(15)),
    L3: timing(Duration.seconds(10), Duration.minutes(1), Duration.minutes(30), Duration.minutes(30)),
    L4: timing(Duration.seconds(10), Duration.minutes(1), Duration.minutes(30), Duration.hours(1)),
  },
  automationDryRun: false,
  traceSamplingRate: 0.05,
  // One queue through the tenant gateway (cortex-tenant) in front of the Mimir distributor: a queue per
  // tenant costs Prometheus memory and CPU in proportion to the tenants.
  remoteWrite: {
    url: 'http://cortex-tenant.mimir.svc:8080/push', queryUrl: 'http://mimir-query-frontend.mimir.svc:8080/prometheus', tenantHeader: 'X-Scope-OrgID',
    tenancy: RemoteWriteTenancy.byLabel(),
  },
};

/** The built-in environments by name. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentProfile>> = { dev: DEV, staging: STAGING, prod: PROD };

/** How much faster (smaller factor) alerts escalate for each tier. */
export const TIER_ESCALATION_FACTOR: Readonly<Record<TenantTier, number>> = { basic: 2, standard: 1, premium: 0.5 };

/** The escalation delay of `level` for a tenant of `tier` in `profile`. */
export function escalationDelay(profile: EnvironmentProfile, level: EscalationLevel, tier: TenantTier): Duration {
  return profile.escalation[level].escalateAfter.times(TIER_ESCALATION_FACTOR[tier]);
}

/** A copy of `base` with `overrides` applied (shallow per top-level key). */
export function deriveEnvironment(base: EnvironmentProfile, overrides: Partial<EnvironmentProfile> & { readonly name: string }): EnvironmentProfile {
  return { ...base, ...overrides };
}
