import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { DEV, EnvironmentProfile, PROD } from '../../src/core/environment';
import { ElasticsearchConnection } from '../../src/logging/elastic-indices';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { JaegerCollector, JaegerCollectorProps } from '../../src/tracing/jaeger-collector';
import { validateJaegerConfig } from '../../src/tracing/model';
import { Images } from '../../src/core/images';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const elasticsearch: ElasticsearchConnection = {
  url: 'https://logs-es-http.monitoring.svc:9200',
  username: 'jaeger',
  password: SecretKeyRef.of('jaeger-es', 'password'),
  ca: SecretKeyRef.of('logs-es-http-certs-public', 'ca.crt'),
};

function synth(environment: EnvironmentProfile, props: Partial<JaegerCollectorProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new JaegerCollector(chart, 'jaeger', { environment, elasticsearch, tenants: ['acme', { id: 'globex', samplingRate: 0.01, serviceSamplingRates: { checkout: 0.2 } }], ...props });
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as Manifest;
const podSpec = (objs: Manifest[], name: string) => (find(objs, 'Deployment', name).spec as Spec).template.spec as Spec;

describe('JaegerCollector', () => {
  const prod = synth(PROD);
  const dev = synth(DEV, { tenants: ['acme'] });

  test('every object passes strict schema validation and every pod meets PSS restricted', () => {
    expect([...prod, ...dev].flatMap(validateManifest)).toEqual([]);
    expect(podTemplates(prod).map((t) => t.object)).toEqual(['Deployment/monitoring/jaeger-acme', 'Deployment/monitoring/jaeger-globex']);
    expect(podTemplates([...prod, ...dev]).flatMap(restrictedViolations)).toEqual([]);
  });

  test('each tenant gets its own collector set', () => {
    expect(prod.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      ...['acme', 'globex'].flatMap((t) => [
        `ServiceAccount/jaeger-${t}`, `ConfigMap/jaeger-${t}-config`, `ConfigMap/jaeger-${t}-sampling`, `Deployment/jaeger-${t}`, `Service/jaeger-${t}`,
        `ServiceMonitor/jaeger-${t}`, `HorizontalPodAutoscaler/jaeger-${t}`, `PodDisruptionBudget/jaeger-${t}`, `NetworkPolicy/jaeger-${t}`,
      ]),
    ]);
    expect(find(prod, 'ServiceAccount', 'jaeger-acme')).toMatchObject({ automountServiceAccountToken: false });
  });

  test('the configuration stores to the tenant\'s index prefix with the password read from a mounted file', () => {
    const yaml = (find(prod, 'ConfigMap', 'jaeger-acme-config').data as Spec)['config.yaml'];
    expect(validateJaegerConfig(yaml)).toEqual([]);
    const es = parse(yaml).extensions.jaeger_storage.backends.es_traces.elasticsearch;
    expect(es).toMatchObject({
      server_urls: ['https://logs-es-http.monitoring.svc:9200'],
      auth: { basic: { username: 'jaeger', password_file: '/var/run/secrets/elasticsearch/password' } },
      tls: { ca_file: '/var/run/secrets/elasticsearch/ca.crt' },
      indices: { index_prefix: 'jaeger-acme' },
    });
    expect(parse(yaml).extensions.remote_sampling.file.path).toBe('/etc/jaeger/sampling/strategies.json');
    expect(parse(yaml).service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['jaeger_storage_exporter'] });
  });

  test('the Deployment mounts configuration, sampling and credentials as files, and probes the health check', () => {
    const spec = podSpec(prod, 'jaeger-acme');
    const c = spec.containers[0];
    expect(c.args).toEqual(['--config=/etc/jaeger/config/config.yaml']);
    expect(c.env).toBeUndefined();
    expect(c.volumeMounts.map((m: Spec) => m.mountPath)).toEqual(['/etc/jaeger/config', '/etc/jaeger/sampling', '/tmp', '/var/run/secrets/elasticsearch']);
    expect(spec.volumes.find((v: Spec) => v.name === 'elasticsearch-credentials').projected.sources).toEqual([
      { secret: { name: 'jaeger-es', items: [{ key: 'password', path: 'password' }] } },
      { secret: { name: 'logs-es-http-certs-public', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/status', port: 'health' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/status', port: 'health' });
    expect(c.ports.find((p: Spec) => p.name === 'health').containerPort).toBe(13133);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe('jaeger-acme');
    expect((find(prod, 'Deployment', 'jaeger-acme').spec as Spec).replicas).toBeUndefined();
  });

  test('sampling follows the environment, lower in prod, with tenant and service overrides', () => {
    const strategies = (objs: Manifest[], t: string) => JSON.parse((find(objs, 'ConfigMap', `jaeger-${t}-sampling`).data as Spec)['strategies.json']);
    expect(strategies(dev, 'acme').default_strategy.param).toBe(DEV.traceSamplingRate);
    expect(strategies(prod, 'acme').default_strategy.param).toBe(PROD.traceSamplingRate);
    expect(PROD.traceSamplingRate).toBeLessThan(DEV.traceSamplingRate);
    expect(strategies(prod, 'globex').default_strategy.param).toBe(0.01);
    expect(strategies(prod, 'globex').service_strategies).toEqual([{ service: 'checkout', type: 'probabilistic', param: 0.2 }]);
    expect(strategies(prod, 'acme').default_strategy.operation_strategies).toContainEqual({ operation: '/healthz', type: 'probabilistic', param: 0 });
  });

  test('Service exposes OTLP gRPC and HTTP, query and sampling; ServiceMonitor scrapes metrics', () => {
    expect((find(prod, 'Service', 'jaeger-acme').spec as Spec).ports.map((p: Spec) => [p.name, p.port])).toEqual([
      ['otlp-grpc', 4317], ['otlp-http', 4318], ['query', 16686], ['sampling-http', 5778], ['sampling-grpc', 5779], ['metrics', 8888],
    ]);
    const monitor = find(prod, 'ServiceMonitor', 'jaeger-acme');
    expect(monitor.metadata.labels).toMatchObject({ 'monitoring.cdk8s.io/collect': 'true', 'monitoring.cdk8s.io/tenant': 'acme' });
    expect((monitor.spec as Spec).endpoints).toEqual([{ port: 'metrics', path: '/metrics' }]);
  });

  test('autoscales on CPU from the environment\'s replicas, with a PDB and anti-affinity whenever it may run more than one', () => {
    expect(find(prod, 'HorizontalPodAutoscaler', 'jaeger-acme').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'jaeger-acme' },
      minReplicas: PROD.replicas.jaeger,
      maxReplicas: PROD.replicas.jaeger * 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(podSpec(prod, 'jaeger-acme').affinity.podAntiAffinity).toBeDefined();
    // Even from a minimum of one the autoscaler may add replicas (max 3 in dev).
    expect((find(dev, 'HorizontalPodAutoscaler', 'jaeger-acme').spec as Spec)).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(dev.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual(['jaeger-acme']);
    expect(podSpec(dev, 'jaeger-acme').affinity.podAntiAffinity).toBeDefined();
    const chart = Testing.chart();
    new JaegerCollector(chart, 'jaeger', { environment: DEV, elasticsearch, tenants: ['acme'], maxReplicas: 1 });
    const single = Testing.synth(chart) as Manifest[];
    expect(single.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(podSpec(single, 'jaeger-acme').affinity).toBeUndefined();
  });

  test('endpoints give the URLs for applications and the Grafana Jaeger datasource', () => {
    const jaeger = new JaegerCollector(Testing.chart(), 'jaeger', { environment: DEV, elasticsearch });
    jaeger.addTenant('acme');
    expect(jaeger.endpoints('acme')).toEqual({
      otlpGrpc: 'http://jaeger-acme.monitoring.svc:4317',
      otlpHttp: 'http://jaeger-acme.monitoring.svc:4318',
      query: 'http://jaeger-acme.monitoring.svc:16686',
      sampling: 'http://jaeger-acme.monitoring.svc:5778',
    });
  });

  test('each collector reaches only Elasticsearch and admits Grafana on query and Prometheus on metrics', () => {
    const policy = find(prod, 'NetworkPolicy', 'jaeger-acme').spec as Spec;
    const pods = (labels: Record<string, string>) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: labels } });
    expect(policy).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': 'jaeger-acme' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [pods({ 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' })], ports: [{ protocol: 'TCP', port: 'query' }] },
        { from: [pods({ 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'platform' })], ports: [{ protocol: 'TCP', port: 'metrics' }] },
      ],
      // The connection's URL names logs-es-http.monitoring.svc:9200.
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9200 }] }],
    });
  });

  test('snapshot', () => {
    expect(dev).toMatchSnapshot();
  });

  describe('failures', () => {
    const make = (props: Partial<JaegerCollectorProps>) => () => new JaegerCollector(Testing.chart(), 'jaeger', { environment: DEV, elasticsearch, ...props });

    test('fails a tenant listed twice', () => {
      expect(make({ tenants: ['acme', 'acme'] })).toThrow('test/jaeger: tenants[1].id: got "acme" (duplicate tenant); allowed: a tenant listed once');
    });
    test('fails a sampling rate above 1', () => {
      expect(make({ tenants: [{ id: 'acme', samplingRate: 1.5 }] })).toThrow('test/jaeger: tenants[0].samplingRate: got 1.5; allowed: a number from 0 to 1');
      expect(make({ tenants: [{ id: 'acme', serviceSamplingRates: { api: -0.1 } }] })).toThrow('test/jaeger: tenants[0].serviceSamplingRates.api: got -0.1; allowed: a number from 0 to 1');
    });
    test('fails an Elasticsearch URL that is not http(s)', () => {
      expect(make({ elasticsearch: { ...elasticsearch, url: 'es:9200' } })).toThrow('test/jaeger: elasticsearch.url: got "es:9200"; allowed: an absolute http:// or https:// URL');
    });
    test('fails an Elasticsearch outside the cluster without its network, before any tenant', () => {
      expect(make({ elasticsearch: { ...elasticsearch, url: 'https://es.example.com:9243' } })).toThrow(
        'test/jaeger: elasticsearch.url: got "https://es.example.com:9243"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name, or any URL with elasticsearch.network set to where it is (NetworkPeer.cidr(...) or NetworkPeer.pods(...))');
    });
    test('fails a maximum below the environment\'s replicas', () => {
      expect(make({ environment: PROD, maxReplicas: 2 })).toThrow('test/jaeger: maxReplicas: got 2; allowed: a whole number from 3 to 1000');
    });
    test('fails endpoints of an unknown tenant', () => {
      expect(() => make({ tenants: ['acme'] })().endpoints('globex')).toThrow('test/jaeger: tenant: got "globex"; allowed: a tenant of this collector (acme)');
    });
  });
});

test('runs the Jaeger release the configuration is written for', () => {
  const objs = synth(DEV, { tenants: ['acme'] });
  expect(((objs.find((o) => o.kind === 'Deployment')!.spec as Spec).template.spec.containers[0].image)).toBe(Images.jaeger().reference);
});
