import { parse, stringify } from 'yaml';
import { DEV, PROD, STAGING } from '../../src/core/environment';
import {
  buildJaegerConfig,
  buildSamplingStrategies,
  DEFAULT_SAMPLING_PROBABILITY,
  JaegerCollectorSpec,
  JAEGER_PORTS,
  renderJaegerConfig,
  renderSamplingStrategies,
  validateJaegerConfig,
} from '../../src/tracing/model';

const spec: JaegerCollectorSpec = {
  tenant: 'acme',
  storage: {
    serverUrls: ['https://es-http.logging.svc:9200'],
    auth: { kind: 'basic', username: 'jaeger', passwordFile: '/var/run/secrets/es/password' },
    caFile: '/var/run/secrets/es/ca.crt',
  },
  sampling: { defaultProbability: DEFAULT_SAMPLING_PROBABILITY.prod, services: { checkout: 0.5 } },
};

type Doc = Record<string, Record<string, unknown>>;

describe('buildJaegerConfig', () => {
  const yaml = renderJaegerConfig(buildJaegerConfig(spec));
  const doc = parse(yaml) as Doc;

  test('parses and names only the components it defines', () => {
    expect(validateJaegerConfig(yaml)).toEqual([]);
  });

  test('receives OTLP on gRPC 4317 and HTTP 4318, limits memory before batching, stores through jaeger_storage', () => {
    expect(doc.receivers).toEqual({ otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } });
    expect(doc.service!.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['jaeger_storage_exporter'] } });
    expect(doc.service!.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'remote_sampling', 'healthcheckv2']);
    expect(doc.processors!.memory_limiter).toEqual({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 });
  });

  test('writes to Elasticsearch with the tenant index prefix and file-mounted credentials', () => {
    const es = (doc.extensions!.jaeger_storage as { backends: Record<string, { elasticsearch: Record<string, unknown> }> }).backends.es_traces!.elasticsearch;
    expect(es).toMatchObject({
      server_urls: ['https://es-http.logging.svc:9200'],
      auth: { basic: { username: 'jaeger', password_file: '/var/run/secrets/es/password' } },
      tls: { ca_file: '/var/run/secrets/es/ca.crt' },
      create_mappings: false,
      indices: { index_prefix: 'jaeger-acme' },
    });
    expect(yaml).not.toMatch(/password:/);
  });

  test('serves remote sampling from the strategies file', () => {
    expect(doc.extensions!.remote_sampling).toEqual({
      file: { path: '/etc/jaeger/sampling/strategies.json', reload_interval: '1m' },
      http: { endpoint: `0.0.0.0:${JAEGER_PORTS.samplingHttp}` },
      grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.samplingGrpc}` },
    });
  });

  test('matches its snapshot', () => {
    expect(yaml).toMatchSnapshot();
  });

  test.each([
    ['on a tenant that is not a DNS label', { ...spec, tenant: 'Acme' }, "JaegerCollectorSpec.tenant: 'Acme' is not a DNS label"],
    ['without Elasticsearch URLs', { ...spec, storage: { serverUrls: [] } }, 'JaegerCollectorSpec.storage.serverUrls: at least one Elasticsearch URL is required'],
    ['on a URL without scheme', { ...spec, storage: { serverUrls: ['es:9200'] } }, "JaegerCollectorSpec.storage.serverUrls: 'es:9200' must be an http:// or https:// URL"],
    ['on a probability above 1', { ...spec, sampling: { defaultProbability: 1.5 } }, 'JaegerCollectorSpec.sampling.defaultProbability: 1.5 must be a probability between 0 and 1'],
    ['on a service probability below 0', { ...spec, sampling: { defaultProbability: 0.1, services: { api: -0.1 } } }, 'JaegerCollectorSpec.sampling.services.api: -0.1 must be a probability between 0 and 1'],
    ['on a spike limit above the limit', { ...spec, memoryLimiter: { limitPercentage: 50, spikeLimitPercentage: 60 } }, 'JaegerCollectorSpec.memoryLimiter: spike 60% must be above 0 and below the limit 50%, which must be at most 95%'],
    ['on an upper-case index prefix', { ...spec, indexPrefix: 'Traces' }, "JaegerCollectorSpec.indexPrefix: 'Traces' must be lowercase letters, digits and '-'"],
  ])('fails %s', (_, bad, message) => {
    expect(() => buildJaegerConfig(bad)).toThrow(message);
  });
});

describe('validateJaegerConfig', () => {
  const good = parse(renderJaegerConfig(buildJaegerConfig(spec))) as Doc;
  const edit = (change: (d: Doc) => void): string => {
    const d = structuredClone(good);
    change(d);
    return stringify(d);
  };

  test.each([
    ['a pipeline naming an undefined receiver', (d: Doc) => { (d.service!.pipelines as Doc).traces!.receivers = ['otlp', 'zipkin']; }, ["pipeline 'traces' names receiver 'zipkin', which receivers does not define"]],
    ['a pipeline naming an undefined processor', (d: Doc) => { delete d.processors!.batch; }, ["pipeline 'traces' names processor 'batch', which processors does not define"]],
    ['a pipeline naming an undefined exporter', (d: Doc) => { d.exporters = { debug: {} }; }, ["pipeline 'traces' names exporter 'jaeger_storage_exporter', which exporters does not define"]],
    ['an undefined extension', (d: Doc) => { delete d.extensions!.healthcheckv2; }, ["service.extensions names 'healthcheckv2', which extensions does not define"]],
    ['an exporter storing to an undefined backend', (d: Doc) => { d.exporters!.jaeger_storage_exporter = { trace_storage: 'nowhere' }; }, ["exporter 'jaeger_storage_exporter' stores to 'nowhere', which jaeger_storage.backends does not define"]],
    ['the query reading an undefined backend', (d: Doc) => { d.extensions!.jaeger_query = { storage: { traces: 'other' } }; }, ["extension 'jaeger_query' reads 'other', which jaeger_storage.backends does not define"]],
    ['memory_limiter after batch', (d: Doc) => { (d.service!.pipelines as Doc).traces!.processors = ['batch', 'memory_limiter']; }, ["pipeline 'traces' must run memory_limiter first"]],
    ['no pipelines', (d: Doc) => { d.service!.pipelines = {}; }, ['service.pipelines defines no pipeline']],
  ])('catches %s', (_, change, problems) => {
    expect(validateJaegerConfig(edit(change))).toEqual(problems);
  });

  test('catches a document that is not a mapping', () => {
    expect(validateJaegerConfig('- a\n- b\n')).toEqual(['the configuration is not a YAML mapping']);
  });
});

describe('sampling strategies', () => {
  test('are probabilistic, lower in prod, and never sample health probes', () => {
    const prod = JSON.parse(renderSamplingStrategies(buildSamplingStrategies(spec.sampling))) as ReturnType<typeof buildSamplingStrategies>;
    expect(prod.default_strategy).toMatchObject({ type: 'probabilistic', param: PROD.traceSamplingRate });
    expect(prod.default_strategy.operation_strategies.map((o) => [o.operation, o.param])).toEqual([['/healthz', 0], ['/readyz', 0], ['/livez', 0], ['/metrics', 0]]);
    expect(prod.service_strategies).toEqual([{ service: 'checkout', type: 'probabilistic', param: 0.5 }]);
    expect(DEFAULT_SAMPLING_PROBABILITY.prod).toBeLessThan(DEFAULT_SAMPLING_PROBABILITY.staging);
    expect(DEFAULT_SAMPLING_PROBABILITY.staging).toBeLessThan(DEFAULT_SAMPLING_PROBABILITY.dev);
  });

  test('the default probabilities are the profiles\' traceSamplingRate', () => {
    expect(DEFAULT_SAMPLING_PROBABILITY).toEqual({ dev: DEV.traceSamplingRate, staging: STAGING.traceSamplingRate, prod: PROD.traceSamplingRate });
  });
});
