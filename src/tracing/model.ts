import { parse, stringify } from 'yaml';
import { Images } from '../core/images';
import { DEV, PROD, STAGING } from '../core/environment';
import { isDnsLabel } from '../core/validation';

/**
 * Jaeger v2 collector model: the configuration of the OpenTelemetry-Collector based `jaegertracing/jaeger` 2.x
 * binary (OTLP receivers, memory limiter, batching, Elasticsearch storage with a per-tenant index prefix,
 * file-based remote sampling), the sampling strategies file, and a validator of the pipeline references.
 */

/** Ports the collector listens on (the construct opens them on the Service and the NetworkPolicy). */
export const JAEGER_PORTS = {
  /** OTLP over gRPC. */
  otlpGrpc: 4317,
  /** OTLP over HTTP. */
  otlpHttp: 4318,
  /** Jaeger query API and UI. */
  query: 16686,
  /** Remote sampling over HTTP (SDKs poll `/api/sampling`). */
  samplingHttp: 5778,
  /** Remote sampling over gRPC. */
  samplingGrpc: 5779,
  /** Health check (`/status`). */
  health: 13133,
  /** The collector's own Prometheus metrics. */
  metrics: 8888,
} as const;

/** The image the configuration is written for, without its registry: the Jaeger pin of `Images`. */
export const JAEGER_IMAGE: string = Images.jaeger().reference.replace(/^docker\.io\//, '');

/** Where the construct mounts the sampling strategies file. */
export const DEFAULT_SAMPLING_STRATEGIES_PATH = '/etc/jaeger/sampling/strategies.json';

/** How the collector authenticates to Elasticsearch; credentials are files mounted from a Secret. */
export type ElasticsearchAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly passwordFile: string }
  | { readonly kind: 'bearer'; readonly tokenFile: string };

/** Elasticsearch storage of one tenant's traces. */
export interface TraceStorageSpec {
  /** Elasticsearch URLs (`https://…:9200`). */
  readonly serverUrls: readonly string[];
  /**
   * Authentication.
   * @default - none
   */
  readonly auth?: ElasticsearchAuth;
  /**
   * CA bundle file verifying the server certificate.
   * @default - the system roots
   */
  readonly caFile?: string;
  /**
   * Primary shards per daily span index.
   * @default 1
   */
  readonly shards?: number;
  /**
   * Replicas per index.
   * @default 1
   */
  readonly replicas?: number;
}

/** Sampling of one tenant: a default probability and overrides per service. */
export interface SamplingPolicy {
  /** Probability (0–1) applied to services without an override. */
  readonly defaultProbability: number;
  /**
   * Per-service probabilities.
   * @default - none
   */
  readonly services?: Readonly<Record<string, number>>;
  /**
   * Operations never sampled in any service (health and readiness probes).
   * @default ['/healthz', '/readyz', '/livez', '/metrics']
   */
  readonly ignoredOperations?: readonly string[];
}

/** Everything one tenant's collector needs. */
export interface JaegerCollectorSpec {
  /** Tenant id (DNS label). */
  readonly tenant: string;
  /** Trace storage. */
  readonly storage: TraceStorageSpec;
  /** Sampling. */
  readonly sampling: SamplingPolicy;
  /**
   * Index prefix; Jaeger writes `<prefix>-jaeger-span-<date>` and `<prefix>-jaeger-service-<date>`.
   * @default 'jaeger-<tenant>'
   */
  readonly indexPrefix?: string;
  /**
   * Memory limiter: share of the container memory limit at which the collector refuses data, and the spike margin.
   * @default { limitPercentage: 80, spikeLimitPercentage: 20 }
   */
  readonly memoryLimiter?: { readonly limitPercentage: number; readonly spikeLimitPercentage: number };
  /**
   * Batching of spans before storage.
   * @default { sendBatchSize: 8192, timeout: '5s' }
   */
  readonly batch?: { readonly sendBatchSize: number; readonly timeout: string };
  /**
   * Path of the sampling strategies file inside the container.
   * @default DEFAULT_SAMPLING_STRATEGIES_PATH
   */
  readonly samplingStrategiesPath?: string;
}

/**
 * Default sampling probability of each built-in environment: the profiles' `traceSamplingRate`
 * (`DEV`, `STAGING`, `PROD`), so the model and the constructs read one number.
 */
export const DEFAULT_SAMPLING_PROBABILITY: Readonly<Record<'dev' | 'staging' | 'prod', number>> = {
  dev: DEV.traceSamplingRate,
  staging: STAGING.traceSamplingRate,
  prod: PROD.traceSamplingRate,
};

/** A Jaeger v2 / OpenTelemetry Collector configuration document. */
export interface JaegerConfig {
  readonly service: {
    readonly extensions: readonly string[];
    readonly pipelines: Readonly<Record<string, { readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[] }>>;
    readonly telemetry: Readonly<Record<string, unknown>>;
  };
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly receivers: Readonly<Record<string, unknown>>;
  readonly processors: Readonly<Record<string, unknown>>;
  readonly exporters: Readonly<Record<string, unknown>>;
}

/**
 * The index prefix of a tenant's traces. Not `traces-…`: Elasticsearch's built-in `traces-*-*` template would turn
 * Jaeger's daily indices into data streams, which Jaeger's writer does not support.
 */
export function traceIndexPrefix(tenant: string): string {
  return `jaeger-${tenant}`;
}

function fail(field: string, message: string): never {
  throw new Error(`JaegerCollectorSpec.${field}: ${message}`);
}

function checkProbability(field: string, p: number): void {
  if (!(p >= 0 && p <= 1)) {
    fail(field, `${p} must be a probability between 0 and 1`);
  }
}

function checkSpec(spec: JaegerCollectorSpec): void {
  if (!isDnsLabel(spec.tenant)) {
    fail('tenant', `'${spec.tenant}' is not a DNS label`);
  }
  if (spec.storage.serverUrls.length === 0) {
    fail('storage.serverUrls', 'at least one Elasticsearch URL is required');
  }
  for (const url of spec.storage.serverUrls) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) {
      fail('storage.serverUrls', `'${url}' must be an http:// or https:// URL`);
    }
  }
  checkProbability('sampling.defaultProbability', spec.sampling.defaultProbability);
  for (const [service, p] of Object.entries(spec.sampling.services ?? {})) {
    checkProbability(`sampling.services.${service}`, p);
  }
  const limiter = spec.memoryLimiter;
  if (limiter !== undefined && !(limiter.spikeLimitPercentage > 0 && limiter.spikeLimitPercentage < limiter.limitPercentage && limiter.limitPercentage <= 95)) {
    fail('memoryLimiter', `spike ${limiter.spikeLimitPercentage}% must be above 0 and below the limit ${limiter.limitPercentage}%, which must be at most 95%`);
  }
  if (spec.indexPrefix !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(spec.indexPrefix)) {
    fail('indexPrefix', `'${spec.indexPrefix}' must be lowercase letters, digits and '-'`);
  }
}

const STORAGE = 'es_traces';

function elasticsearchBackend(spec: JaegerCollectorSpec): Record<string, unknown> {
  const s = spec.storage;
  const index = { shards: s.shards ?? 1, replicas: s.replicas ?? 1, date_layout: '2006-01-02', rollover_frequency: 'day' };
  const auth = s.auth === undefined
    ? undefined
    : s.auth.kind === 'basic'
      ? { basic: { username: s.auth.username, password_file: s.auth.passwordFile } }
      : { bearer_token: { file_path: s.auth.tokenFile } };
  return {
    server_urls: [...s.serverUrls],
    ...(auth !== undefined ? { auth } : {}),
    ...(s.caFile !== undefined ? { tls: { ca_file: s.caFile } } : {}),
    // Templates and ILM come from the ElasticIndices setup job, not from the collector.
    create_mappings: false,
    indices: { index_prefix: spec.indexPrefix ?? traceIndexPrefix(spec.tenant), spans: index, services: index, dependencies: index, sampling: index },
  };
}

/** Build the collector configuration of one tenant (validated). */
export function buildJaegerConfig(spec: JaegerCollectorSpec): JaegerConfig {
  checkSpec(spec);
  const listen = (port: number): { endpoint: string } => ({ endpoint: `0.0.0.0:${port}` });
  const limiter = spec.memoryLimiter ?? { limitPercentage: 80, spikeLimitPercentage: 20 };
  const batch = spec.batch ?? { sendBatchSize: 8192, timeout: '5s' };
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'remote_sampling', 'healthcheckv2'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['jaeger_storage_exporter'] },
      },
      telemetry: {
        resource: { 'service.name': 'jaeger', tenant: spec.tenant },
        metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: JAEGER_PORTS.metrics } } } }] },
        logs: { level: 'info', encoding: 'json' },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: listen(JAEGER_PORTS.health) },
      jaeger_storage: { backends: { [STORAGE]: { elasticsearch: elasticsearchBackend(spec) } } },
      jaeger_query: { storage: { traces: STORAGE }, http: listen(JAEGER_PORTS.query) },
      remote_sampling: {
        file: { path: spec.samplingStrategiesPath ?? DEFAULT_SAMPLING_STRATEGIES_PATH, reload_interval: '1m' },
        http: listen(JAEGER_PORTS.samplingHttp),
        grpc: listen(JAEGER_PORTS.samplingGrpc),
      },
    },
    receivers: { otlp: { protocols: { grpc: listen(JAEGER_PORTS.otlpGrpc), http: listen(JAEGER_PORTS.otlpHttp) } } },
    processors: {
      // The memory limiter must come first in the pipeline so it can refuse data before anything buffers it.
      memory_limiter: { check_interval: '1s', limit_percentage: limiter.limitPercentage, spike_limit_percentage: limiter.spikeLimitPercentage },
      batch: { send_batch_size: batch.sendBatchSize, timeout: batch.timeout },
    },
    exporters: { jaeger_storage_exporter: { trace_storage: STORAGE } },
  };
}

/** Render the configuration as the YAML the collector reads (`--config=/etc/jaeger/config.yaml`). */
export function renderJaegerConfig(config: JaegerConfig): string {
  return stringify(config);
}

/** Jaeger's sampling strategies file format. */
export interface SamplingStrategies {
  readonly default_strategy: SamplingStrategy & { readonly operation_strategies: readonly OperationStrategy[] };
  readonly service_strategies: readonly (SamplingStrategy & { readonly service: string })[];
}

/** A probabilistic strategy. */
export interface SamplingStrategy {
  readonly type: 'probabilistic';
  readonly param: number;
}

/** A strategy for one operation. */
export interface OperationStrategy extends SamplingStrategy {
  readonly operation: string;
}

/** Build the sampling strategies of a tenant: probabilistic, health probes never sampled. */
export function buildSamplingStrategies(policy: SamplingPolicy): SamplingStrategies {
  checkProbability('sampling.defaultProbability', policy.defaultProbability);
  const ignored = policy.ignoredOperations ?? ['/healthz', '/readyz', '/livez', '/metrics'];
  return {
    default_strategy: {
      type: 'probabilistic',
      param: policy.defaultProbability,
      operation_strategies: ignored.map((operation) => ({ operation, type: 'probabilistic', param: 0 })),
    },
    service_strategies: Object.entries(policy.services ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([service, param]) => {
      checkProbability(`sampling.services.${service}`, param);
      return { service, type: 'probabilistic', param };
    }),
  };
}

/** Render the sampling strategies file (JSON). */
export function renderSamplingStrategies(strategies: SamplingStrategies): string {
  return `${JSON.stringify(strategies, null, 2)}\n`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Check a collector configuration (YAML text or parsed document) for dangling references: every pipeline names
 * only receivers, processors and exporters that are defined, `service.extensions` names only defined extensions,
 * and the storage exporter and query extension name a defined storage backend. Returns the problems found, one
 * sentence each; an empty list means the references are consistent.
 */
export function validateJaegerConfig(config: string | JaegerConfig): readonly string[] {
  const doc = record(typeof config === 'string' ? parse(config) : config);
  if (doc === undefined) {
    return ['the configuration is not a YAML mapping'];
  }
  const problems: string[] = [];
  const service = record(doc.service);
  const defined = (section: string): Set<string> => new Set(Object.keys(record(doc[section]) ?? {}));
  const pipelines = record(service?.pipelines) ?? {};
  if (Object.keys(pipelines).length === 0) {
    problems.push('service.pipelines defines no pipeline');
  }
  for (const [pipeline, body] of Object.entries(pipelines)) {
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      const refs = names(record(body)?.[section]);
      if (section !== 'processors' && refs.length === 0) {
        problems.push(`pipeline '${pipeline}' has no ${section}`);
      }
      for (const ref of refs.filter((r) => !defined(section).has(r))) {
        problems.push(`pipeline '${pipeline}' names ${section.slice(0, -1)} '${ref}', which ${section} does not define`);
      }
    }
    const processors = names(record(body)?.processors);
    if (processors.some((p) => p.split('/')[0] === 'memory_limiter') && processors[0]!.split('/')[0] !== 'memory_limiter') {
      problems.push(`pipeline '${pipeline}' must run memory_limiter first`);
    }
  }
  for (const ext of names(service?.extensions).filter((e) => !defined('extensions').has(e))) {
    problems.push(`service.extensions names '${ext}', which extensions does not define`);
  }
  const backends = new Set(Object.keys(record(record(record(doc.extensions)?.jaeger_storage)?.backends) ?? {}));
  for (const [exporter, body] of Object.entries(record(doc.exporters) ?? {})) {
    const storage = record(body)?.trace_storage;
    if (exporter.split('/')[0] === 'jaeger_storage_exporter' && (typeof storage !== 'string' || !backends.has(storage))) {
      problems.push(`exporter '${exporter}' stores to '${String(storage)}', which jaeger_storage.backends does not define`);
    }
  }
  const queryStorage = record(record(record(doc.extensions)?.jaeger_query)?.storage)?.traces;
  if (queryStorage !== undefined && (typeof queryStorage !== 'string' || !backends.has(queryStorage))) {
    problems.push(`extension 'jaeger_query' reads '${String(queryStorage)}', which jaeger_storage.backends does not define`);
  }
  return problems;
}
