import { oneAtATimeBudget } from '../core/kube';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { ContainerImage, Images } from '../core/images';
import { COLLECT_LABELS, recommendedLabels, selectorLabels } from '../core/labels';
import { clientLabels, ingressFrom, NetworkPeer, namedPort, PLATFORM_POD_LABELS } from '../core/network';
import { objectName, shortHash } from '../core/naming';
import { ContainerResources, httpProbe, MEDIUM_RESOURCES, secureContainer, securePodSpec, spreadAcrossNodes, WorkloadServiceAccount } from '../core/pod';
import { assertConfigMapFits } from '../core/size-limits';
import { validateDnsLabel, validateInteger, validateRange } from '../core/validation';
import { ElasticsearchConnection, elasticsearchEgressRule, mountElasticsearchCredentials, validateElasticsearchConnection } from '../logging/elastic-indices';
import {
  buildJaegerConfig, buildSamplingStrategies, DEFAULT_SAMPLING_STRATEGIES_PATH, JAEGER_PORTS, renderJaegerConfig,
  renderSamplingStrategies, traceIndexPrefix, validateJaegerConfig,
} from './model';

/** One tenant of the collector: its id and sampling. */
export interface JaegerTenantOptions {
  /** Tenant id (DNS label); traces go to the indices `jaeger-<id>-jaeger-span-<date>`. */
  readonly id: string;
  /** Sampling probability (0–1) of services without an override. @default - the environment's traceSamplingRate */
  readonly samplingRate?: number;
  /** Per-service sampling probabilities. @default - none */
  readonly serviceSamplingRates?: Readonly<Record<string, number>>;
}

/** Properties of `JaegerCollector`. */
export interface JaegerCollectorProps {
  /** The environment: replicas (`replicas.jaeger` is the autoscaler's minimum) and the default sampling rate. */
  readonly environment: EnvironmentProfile;
  /** Where traces are stored; use `ElasticIndices.connection` to share the indices' cluster. */
  readonly elasticsearch: ElasticsearchConnection;
  /** Namespace. @default 'monitoring' */
  readonly namespace?: string;
  /** Tenants, each with its own collector. More with `addTenant()`. @default - none */
  readonly tenants?: ReadonlyArray<string | JaegerTenantOptions>;
  /** Image: the release the configuration is written for. @default Images.jaeger() */
  readonly image?: ContainerImage;
  /** Container resources. @default MEDIUM_RESOURCES */
  readonly resources?: ContainerResources;
  /** Largest number of replicas per tenant. @default - three times the minimum, at least 3 */
  readonly maxReplicas?: number;
  /** CPU utilisation (percent of the request) the autoscaler keeps. @default 70 */
  readonly targetCpuUtilization?: number;
}

/** In-cluster URLs of one tenant's collector. */
export interface JaegerEndpoints {
  /** OTLP over gRPC, for applications. */
  readonly otlpGrpc: string;
  /** OTLP over HTTP, for applications. */
  readonly otlpHttp: string;
  /** Jaeger query API: the Grafana Jaeger datasource URL. */
  readonly query: string;
  /** Remote sampling endpoint SDKs poll. */
  readonly sampling: string;
}

/**
 * The collector image by default: the Jaeger release the tracing model writes its configuration for (the
 * `auth.basic.password_file` and `healthcheckv2` settings need a recent 2.x).
 */
export const DEFAULT_JAEGER_IMAGE: ContainerImage = Images.jaeger();

// Separate directories: a mount nested inside a read-only ConfigMap volume cannot be created.
const CONFIG_DIRECTORY = '/etc/jaeger/config';
const SAMPLING_DIRECTORY = path.posix.dirname(DEFAULT_SAMPLING_STRATEGIES_PATH);

/**
 * Jaeger v2 (the OpenTelemetry Collector based `jaegertracing/jaeger` binary) for each tenant: a Deployment with
 * secure pod defaults and probes on the health-check extension, the configuration rendered and validated by the
 * tracing model (OTLP gRPC and HTTP, memory limiter, batching, Elasticsearch with the tenant's index prefix), a
 * sampling strategies ConfigMap (the environment's rate, lower in prod), a Service, a ServiceMonitor, an
 * autoscaling/v2 HPA on CPU, and a PDB plus anti-affinity when more than one replica runs.
 *
 * Each tenant gets its own collector (`jaeger-<tenant>`), so its traces, index prefix and query API are its own.
 * The Elasticsearch password is mounted as a file from its Secret, never an environment variable.
 *
 * Each collector's NetworkPolicy (`jaeger-<tenant>`) lets it reach only Elasticsearch (the connection's
 * address and port) and admits Grafana on `query` and Prometheus on `metrics`; the tenant's own
 * namespace is admitted on the OTLP ports by the platform (`MonitoringPlatform.addTenant`). No collector
 * reaches or admits another tenant's collector or jobs.
 */
export class JaegerCollector extends Construct {
  /** The namespace. */
  public readonly namespace: string;
  /** The ServiceAccount all collectors run as (no API token). */
  private readonly serviceAccounts = new Map<string, string>();
  private readonly props: JaegerCollectorProps;
  private readonly tenants = new Map<string, JaegerEndpoints>();
  private readonly minReplicas: number;
  private readonly maxReplicas: number;
  private readonly targetCpu: number;
  private readonly elasticsearchEgress: k8s.NetworkPolicyEgressRule;

  constructor(scope: Construct, id: string, props: JaegerCollectorProps) {
    super(scope, id);
    this.props = props;
    this.namespace = validateDnsLabel(props.namespace ?? 'monitoring', this, 'namespace');
    validateElasticsearchConnection(props.elasticsearch, this, 'elasticsearch');
    this.elasticsearchEgress = elasticsearchEgressRule(props.elasticsearch, this, 'elasticsearch', this.namespace);
    validateRange(props.environment.traceSamplingRate, 0, 1, this, 'environment.traceSamplingRate');
    this.minReplicas = validateInteger(props.environment.replicas.jaeger, 1, 100, this, 'environment.replicas.jaeger');
    this.maxReplicas = validateInteger(props.maxReplicas ?? Math.max(3, this.minReplicas * 3), this.minReplicas, 1000, this, 'maxReplicas');
    this.targetCpu = validateInteger(props.targetCpuUtilization ?? 70, 10, 100, this, 'targetCpuUtilization');
    for (const t of props.tenants ?? []) this.addTenant(t);
  }

  /** The ServiceAccount of a tenant's collector. */
  public serviceAccountName(tenant: string): string {
    const sa = this.serviceAccounts.get(tenant);
    if (!sa) throw new ValidationError(this, 'tenant', tenant, `a tenant with a collector: ${this.tenantIds.join(', ') || 'none'}`);
    return sa;
  }

  /** The tenants with a collector. */
  public get tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** The in-cluster URLs of a tenant's collector. */
  public endpoints(tenant: string): JaegerEndpoints {
    const e = this.tenants.get(tenant);
    if (!e) throw new ValidationError(this, 'tenant', tenant, `a tenant of this collector (${this.tenantIds.join(', ') || 'none yet'})`);
    return e;
  }

  /** Add a tenant's collector. */
  public addTenant(tenant: string | JaegerTenantOptions): JaegerEndpoints {
    const t = typeof tenant === 'string' ? { id: tenant } : tenant;
    const index = this.tenants.size;
    validateDnsLabel(t.id, this, `tenants[${index}].id`);
    if (this.tenants.has(t.id)) throw new ValidationError(this, `tenants[${index}].id`, t.id, 'a tenant listed once', 'duplicate tenant');
    const rate = validateRange(t.samplingRate ?? this.props.environment.traceSamplingRate, 0, 1, this, `tenants[${index}].samplingRate`);
    for (const [service, p] of Object.entries(t.serviceSamplingRates ?? {})) validateRange(p, 0, 1, this, `tenants[${index}].serviceSamplingRates.${service}`);

    const scope = new Construct(this, t.id);
    const ns = this.namespace;
    const name = objectName(['jaeger', t.id]);
    const labels = recommendedLabels({ name: 'jaeger', component: 'tracing', instance: name, tenant: t.id });
    const selector = selectorLabels({ name: 'jaeger', instance: name });
    const credentials = mountElasticsearchCredentials(this.props.elasticsearch);
    // One ServiceAccount per collector: each tenant's workload has its own identity.
    const sa = new WorkloadServiceAccount(scope, 'ServiceAccount', { name, namespace: ns, labels });
    this.serviceAccounts.set(t.id, sa.name);

    const config = buildJaegerConfig({
      tenant: t.id,
      storage: {
        serverUrls: [this.props.elasticsearch.url],
        auth: { kind: 'basic', username: this.props.elasticsearch.username, passwordFile: credentials.passwordFile },
        caFile: credentials.caFile,
      },
      sampling: { defaultProbability: rate, services: t.serviceSamplingRates },
      indexPrefix: traceIndexPrefix(t.id),
      samplingStrategiesPath: DEFAULT_SAMPLING_STRATEGIES_PATH,
    });
    const configYaml = renderJaegerConfig(config);
    const problems = validateJaegerConfig(configYaml);
    if (problems.length > 0) throw new ValidationError(scope, 'config', problems, 'a collector configuration without dangling references');
    const strategies = renderSamplingStrategies(buildSamplingStrategies({ defaultProbability: rate, services: t.serviceSamplingRates }));

    const configName = objectName([name, 'config']);
    const samplingName = objectName([name, 'sampling']);
    const configData = { 'config.yaml': configYaml };
    const samplingData = { [path.posix.basename(DEFAULT_SAMPLING_STRATEGIES_PATH)]: strategies };
    assertConfigMapFits(scope, `${ns}/${configName}`, configData);
    assertConfigMapFits(scope, `${ns}/${samplingName}`, samplingData);
    new k8s.KubeConfigMap(scope, 'Config', { metadata: { name: configName, namespace: ns, labels }, data: configData });
    new k8s.KubeConfigMap(scope, 'Sampling', { metadata: { name: samplingName, namespace: ns, labels }, data: samplingData });

    const ports = [
      { name: 'otlp-grpc', port: JAEGER_PORTS.otlpGrpc },
      { name: 'otlp-http', port: JAEGER_PORTS.otlpHttp },
      { name: 'query', port: JAEGER_PORTS.query },
      { name: 'sampling-http', port: JAEGER_PORTS.samplingHttp },
      { name: 'sampling-grpc', port: JAEGER_PORTS.samplingGrpc },
      { name: 'health', port: JAEGER_PORTS.health },
      { name: 'metrics', port: JAEGER_PORTS.metrics },
    ];
    // The autoscaler may run several replicas even from a minimum of one: spread and budget them.
    const multiple = this.maxReplicas > 1;
    new k8s.KubeDeployment(scope, 'Resource', {
      metadata: { name, namespace: ns, labels },
      spec: {
        // No replicas field: the HorizontalPodAutoscaler owns the count (a fixed value would reset it on every apply).
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...clientLabels('elasticsearch'), ...labels, ...selector },
            // The sampling file is reloaded by the collector; a configuration change needs a restart.
            annotations: { 'monitoring.cdk8s.io/config-hash': shortHash(configYaml, 16) },
          },
          spec: securePodSpec({
            serviceAccountName: sa.name,
            affinity: multiple ? spreadAcrossNodes(selector) : undefined,
            containers: [secureContainer({
              name: 'jaeger',
              image: this.props.image ?? DEFAULT_JAEGER_IMAGE,
              args: [`--config=${CONFIG_DIRECTORY}/config.yaml`],
              ports,
              resources: this.props.resources ?? MEDIUM_RESOURCES,
              readinessProbe: httpProbe('/status', 'health'),
              livenessProbe: httpProbe('/status', 'health', 30),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIRECTORY, readOnly: true },
                { name: 'sampling', mountPath: SAMPLING_DIRECTORY, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...credentials.volumeMounts,
              ],
              location: scope,
            })],
            volumes: [
              { name: 'config', configMap: { name: configName } },
              { name: 'sampling', configMap: { name: samplingName } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...credentials.volumes,
            ],
          }),
        },
      },
    });
    new k8s.KubeService(scope, 'Service', {
      metadata: { name, namespace: ns, labels },
      spec: {
        selector,
        ports: ports.filter((p) => p.name !== 'health').map((p) => ({
          name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP',
          ...(p.name.endsWith('grpc') ? { appProtocol: 'grpc' } : {}),
        })),
      },
    });
    new ServiceMonitor(scope, 'Monitor', {
      metadata: { name, namespace: ns, labels: { ...labels, ...COLLECT_LABELS } },
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'metrics', path: '/metrics' }] },
    });
    new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
      metadata: { name, namespace: ns, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.targetCpu } } }],
      },
    });
    if (multiple) {
      oneAtATimeBudget(scope, 'Budget', { name, namespace: ns, labels, selector });
    }
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.grafana)], [namedPort('query')]),
          ingressFrom([NetworkPeer.pods(ns, PLATFORM_POD_LABELS.prometheus)], [namedPort('metrics')]),
        ],
        egress: [this.elasticsearchEgress],
      },
    });

    const url = (port: number) => `http://${name}.${ns}.svc:${port}`;
    const endpoints: JaegerEndpoints = {
      otlpGrpc: url(JAEGER_PORTS.otlpGrpc),
      otlpHttp: url(JAEGER_PORTS.otlpHttp),
      query: url(JAEGER_PORTS.query),
      sampling: url(JAEGER_PORTS.samplingHttp),
    };
    this.tenants.set(t.id, endpoints);
    return endpoints;
  }
}

