import { Duration } from '../core/duration';
import { ExpectedLoad } from '../core/environment';
import { ErrorLocation, ValidationError } from '../core/errors';

/** Active series per tenant assumed when the profile gives none: a few services with their HTTP, runtime and model metrics. */
export const DEFAULT_SERIES_PER_TENANT = 5_000;
/** Active series of the platform itself (Prometheus, Alertmanager, Grafana, exporters) assumed when the profile gives none. */
export const DEFAULT_PLATFORM_SERIES = 50_000;

/**
 * The constants of the sizing functions, in one place. Prometheus's memory is dominated by the head
 * block, a few KiB per active series (labels, chunks, postings); its CPU by ingestion, proportional to
 * samples per second. Alertmanager's memory and CPU grow with the alert groups, silences and
 * notification log, which grow with the tenants (one route subtree per tenant).
 */
export const SIZING = {
  /** Prometheus memory with no series (the binary, the WAL reader, the rule manager). */
  prometheusBaseMemoryBytes: 512 * 1024 ** 2,
  /** Prometheus memory per active series (upstream's planning figure is 3–8 KiB; the upper half, for churn). */
  prometheusMemoryPerSeriesBytes: 6 * 1024,
  /** Prometheus CPU with no samples. */
  prometheusBaseMillicores: 200,
  /** Prometheus CPU per 1,000 ingested samples per second (scrape, WAL, compaction, remote write). */
  prometheusMillicoresPerThousandSamplesPerSecond: 10,
  /** Alertmanager memory with no tenants. */
  alertmanagerBaseMemoryBytes: 128 * 1024 ** 2,
  /** Alertmanager memory per tenant (its route subtree, alert groups, silences, notification log entries). */
  alertmanagerMemoryPerTenantBytes: 64 * 1024,
  /** Alertmanager CPU with no tenants. */
  alertmanagerBaseMillicores: 50,
  /** Alertmanager CPU per tenant. */
  alertmanagerMillicoresPerTenant: 0.5,
  /** Limit over request: memory (headroom for compaction and query bursts before the OOM killer). */
  memoryLimitFactor: 1.5,
  /** Limit over request: CPU (burst for WAL replay at start-up and compaction). */
  cpuLimitFactor: 4,
} as const;

/** Requests and limits of one container, as Kubernetes quantities (`'750m'`, `'1536Mi'`). */
export interface ResourceSizing {
  /** CPU request, in millicores (`'570m'`). */
  readonly cpuRequest: string;
  /** Memory request, in MiB (`'3776Mi'`). */
  readonly memoryRequest: string;
  /** CPU limit (`SIZING.cpuLimitFactor` × the request). */
  readonly cpuLimit: string;
  /** Memory limit (`SIZING.memoryLimitFactor` × the request). */
  readonly memoryLimit: string;
}

/** What `prometheusResources` sizes one Prometheus pod for. */
export interface PrometheusLoad extends ExpectedLoad {
  /** Tenants registered with the platform. */
  readonly tenants: number;
  /** The scrape interval: samples per second are series divided by it. */
  readonly scrapeInterval: Duration;
  /** Prometheus Operator shards the targets are split across (each pod holds about 1/shards of the series). @default 1 */
  readonly shards?: number;
}

function count(value: number | undefined, fallback: number, location: ErrorLocation, field: string, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new ValidationError(location, field, value, `an integer >= ${min}`);
  return v;
}

const MIB = 1024 ** 2;
const cpu = (millicores: number) => `${Math.ceil(millicores / 10) * 10}m`;
const memory = (bytes: number) => `${Math.ceil(bytes / MIB / 64) * 64}Mi`;

/** The active series one Prometheus pod holds: the platform's and every tenant's, split across the shards. */
export function seriesPerPrometheus(load: PrometheusLoad, location: ErrorLocation = '<sizing>'): number {
  const tenants = count(load.tenants, 0, location, 'tenants', 0);
  const perTenant = count(load.seriesPerTenant, DEFAULT_SERIES_PER_TENANT, location, 'expectedLoad.seriesPerTenant', 0);
  const platform = count(load.platformSeries, DEFAULT_PLATFORM_SERIES, location, 'expectedLoad.platformSeries', 0);
  const shards = count(load.shards, 1, location, 'scaleOut.shards', 1);
  return Math.ceil((platform + tenants * perTenant) / shards);
}

/**
 * Requests and limits of one Prometheus pod for the expected load: memory is a base plus
 * `SIZING.prometheusMemoryPerSeriesBytes` per active series of the pod, CPU a base plus
 * `SIZING.prometheusMillicoresPerThousandSamplesPerSecond` per 1,000 samples/s. Memory rounds up
 * to 64 MiB and CPU to 10 millicores, so small changes in load do not roll the pods.
 *
 * @example
 * prometheusResources({ tenants: 100, scrapeInterval: Duration.seconds(15) })
 * // 550,000 series: { cpuRequest: '570m', memoryRequest: '3776Mi', cpuLimit: '2280m', memoryLimit: '5696Mi' }
 */
export function prometheusResources(load: PrometheusLoad, location: ErrorLocation = '<sizing>'): ResourceSizing {
  const series = seriesPerPrometheus(load, location);
  const samplesPerSecond = series / load.scrapeInterval.toSeconds();
  const memoryBytes = SIZING.prometheusBaseMemoryBytes + series * SIZING.prometheusMemoryPerSeriesBytes;
  const millicores = SIZING.prometheusBaseMillicores + (samplesPerSecond / 1000) * SIZING.prometheusMillicoresPerThousandSamplesPerSecond;
  return sized(millicores, memoryBytes);
}

/**
 * Requests and limits of one Alertmanager pod for `tenants` tenants: a base plus
 * `SIZING.alertmanagerMemoryPerTenantBytes` and `SIZING.alertmanagerMillicoresPerTenant` per tenant.
 */
export function alertmanagerResources(tenants: number, location: ErrorLocation = '<sizing>'): ResourceSizing {
  const n = count(tenants, 0, location, 'tenants', 0);
  return sized(SIZING.alertmanagerBaseMillicores + n * SIZING.alertmanagerMillicoresPerTenant, SIZING.alertmanagerBaseMemoryBytes + n * SIZING.alertmanagerMemoryPerTenantBytes);
}

function sized(millicores: number, memoryBytes: number): ResourceSizing {
  const cpuRequest = Math.ceil(millicores / 10) * 10;
  const memoryRequest = Math.ceil(memoryBytes / MIB / 64) * 64 * MIB;
  return { cpuRequest: cpu(cpuRequest), memoryRequest: memory(memoryRequest), cpuLimit: cpu(cpuRequest * SIZING.cpuLimitFactor), memoryLimit: memory(memoryRequest * SIZING.memoryLimitFactor) };
}
