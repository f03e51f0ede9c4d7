import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  Elasticsearch, ElasticsearchSpecNodeSetsVolumeClaimTemplatesSpecResourcesRequests,
} from '../../imports/elasticsearch-elasticsearch.k8s.elastic.co';
import { EnvironmentProfile } from '../core/environment';
import { ErrorLocation, ValidationError } from '../core/errors';
import { ContainerImage, Images } from '../core/images';
import { recommendedLabels, selectorLabels } from '../core/labels';
import { clientLabels, CLIENT_LABELS, egressTo, ingressFrom, NetworkPeer, networkPort, urlEgressRule } from '../core/network';
import { objectName, shortHash } from '../core/naming';
import { ContainerResources, LARGE_RESOURCES, secureContainer, securePodSpec, SMALL_RESOURCES, WorkloadServiceAccount } from '../core/pod';
import { parseQuantity } from '../core/quantity';
import { assertAnnotationFits, assertConfigMapFits } from '../core/size-limits';
import { validateDnsLabel, validateDnsSubdomain, validateInteger, validateUrl } from '../core/validation';
import type { SecretKeyRef } from '../core/secret-ref';
import { buildIndexSetupPlan, GdprLimits, IndexSetupPlan, renderIndexSetupPlan, RetentionDays, retentionDaysOf, RetentionError } from './model';

/** Where the Elasticsearch password and CA are mounted in every pod that talks to Elasticsearch. */
export const ELASTICSEARCH_SECRETS_DIRECTORY = '/var/run/secrets/elasticsearch';

/**
 * How workloads reach Elasticsearch: URL, user, and the Secret keys of the password and (optionally) the CA
 * bundle. The password is only ever mounted as a file, never put in an environment variable.
 */
export interface ElasticsearchConnection {
  /** URL, e.g. `https://logs-es-http.monitoring.svc:9200`. */
  readonly url: string;
  /** User name (not secret; it appears in configuration). */
  readonly username: string;
  /** The Secret key holding the password. */
  readonly password: SecretKeyRef;
  /** The Secret key holding a PEM CA bundle for https. @default - the system roots */
  readonly ca?: SecretKeyRef;
  /**
   * Where the cluster is, for the egress policies of the pods that talk to it. Needed when `url`
   * is not an in-cluster Service URL (`<service>.<namespace>.svc`).
   * @default - the deployed cluster's pods; for another in-cluster URL, every pod of its namespace
   */
  readonly network?: NetworkPeer;
}

/** The port Elasticsearch serves its REST API on. */
export const ELASTICSEARCH_HTTP_PORT = 9200;
/** The port Elasticsearch nodes talk to each other on. */
export const ELASTICSEARCH_TRANSPORT_PORT = 9300;

/**
 * The egress rule of a pod that talks to Elasticsearch through `c`: the URL's port, to
 * `c.network`, or to the namespace of an in-cluster URL. Throws a `ValidationError` at
 * `location`/`field.url` for a URL outside the cluster without `network`.
 */
export function elasticsearchEgressRule(c: ElasticsearchConnection, location: ErrorLocation, field: string, clientNamespace: string): k8s.NetworkPolicyEgressRule {
  return urlEgressRule(c.url, location, `${field}.url`, { network: c.network, clientNamespace, networkField: `${field}.network` });
}

/** The mounted files of a connection, as pod volumes and paths. */
export interface MountedElasticsearchCredentials {
  /** Volumes to add to the pod. */
  readonly volumes: k8s.Volume[];
  /** The mount for the container. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Path of the password file. */
  readonly passwordFile: string;
  /** Path of the CA file. @default - no CA */
  readonly caFile?: string;
}

/** Validate a connection; throws `ValidationError` naming `field`. */
export function validateElasticsearchConnection(c: ElasticsearchConnection, location: Construct, field: string): ElasticsearchConnection {
  if (!c) throw new ValidationError(location, field, c, 'an Elasticsearch connection { url, username, password } or deployCluster');
  validateUrl(c.url, location, `${field}.url`);
  if (typeof c.username !== 'string' || !/^[^\s:]{1,1024}$/.test(c.username)) {
    throw new ValidationError(location, `${field}.username`, c.username, 'a user name without spaces or ":"');
  }
  for (const [key, ref] of [['password', c.password], ['ca', c.ca]] as const) {
    if (key === 'ca' && ref === undefined) continue;
    if (!ref || typeof ref.name !== 'string' || typeof ref.key !== 'string') {
      throw new ValidationError(location, `${field}.${key}`, ref, 'a SecretKeyRef (SecretKeyRef.of(name, key))');
    }
    validateDnsSubdomain(ref.name, location, `${field}.${key}.name`);
  }
  if (c.network !== undefined && !(c.network instanceof NetworkPeer)) {
    throw new ValidationError(location, `${field}.network`, c.network, 'a NetworkPeer (NetworkPeer.cidr(...), NetworkPeer.pods(...) or NetworkPeer.namespace(...))');
  }
  return c;
}

/**
 * The volumes and mounts that put a connection's password (and CA) into a pod as read-only files under
 * {@link ELASTICSEARCH_SECRETS_DIRECTORY}: `password` and `ca.crt`.
 */
export function mountElasticsearchCredentials(c: ElasticsearchConnection): MountedElasticsearchCredentials {
  const item = (ref: SecretKeyRef, path: string): k8s.SecretProjection => ({ name: ref.name, items: [{ key: ref.key, path }] });
  const sources: k8s.VolumeProjection[] = [{ secret: item(c.password, 'password') }];
  if (c.ca) sources.push({ secret: item(c.ca, 'ca.crt') });
  return {
    volumes: [{ name: 'elasticsearch-credentials', projected: { sources, defaultMode: 0o440 } }],
    volumeMounts: [{ name: 'elasticsearch-credentials', mountPath: ELASTICSEARCH_SECRETS_DIRECTORY, readOnly: true }],
    passwordFile: `${ELASTICSEARCH_SECRETS_DIRECTORY}/password`,
    caFile: c.ca ? `${ELASTICSEARCH_SECRETS_DIRECTORY}/ca.crt` : undefined,
  };
}

/** One tenant's indices. */
export interface ElasticTenantOptions {
  /** Tenant id (DNS label). */
  readonly id: string;
  /** Retention overrides, in days, within the GDPR limits. @default - the environment's retention */
  readonly retentionDays?: Partial<RetentionDays>;
}

/** An ECK `Elasticsearch` cluster for teams without one. */
export interface ElasticsearchClusterOptions {
  /** Cluster name; ECK derives `<name>-es-http` (Service) and `<name>-es-elastic-user` (Secret). @default 'logs' */
  readonly name?: string;
  /** Elasticsearch version (9.x, which the index-setup client speaks). @default '9.1.0' */
  readonly version?: string;
  /** Nodes. @default 1 */
  readonly count?: number;
  /** Data volume per node. @default '50Gi' */
  readonly storage?: string;
  /** Storage class. @default - the cluster default */
  readonly storageClassName?: string;
  /** Node resources. @default LARGE_RESOURCES */
  readonly resources?: ContainerResources;
  /** Namespace of the ECK operator, which calls the cluster's REST API to manage it. @default 'elastic-system' */
  readonly operatorNamespace?: string;
}

/** The pod labels of the ECK operator (its all-in-one manifests). */
export const ECK_OPERATOR_POD_LABELS: Readonly<Record<string, string>> = { 'control-plane': 'elastic-operator' };

/** Properties of `ElasticIndices`. */
export interface ElasticIndicesProps {
  /** The environment: its `retention.logsDays / auditDays / tracesDays` become the ILM delete phases. */
  readonly environment: EnvironmentProfile;
  /** Tenants whose data streams, templates and policies are set up. */
  readonly tenants: ReadonlyArray<string | ElasticTenantOptions>;
  /** Namespace of the Job (and the cluster). @default 'monitoring' */
  readonly namespace?: string;
  /** Name prefix of the objects; use one per tenant when several sets share a namespace. @default 'elastic-indices' */
  readonly name?: string;
  /** The Elasticsearch to set up. @default - the cluster of `deployCluster` (required when that is not set) */
  readonly elasticsearch?: ElasticsearchConnection;
  /** Deploy an ECK `Elasticsearch` cluster too. @default false */
  readonly deployCluster?: boolean | ElasticsearchClusterOptions;
  /** GDPR retention limits. @default - DEFAULT_GDPR_LIMITS (audit 365 days, personal data 30 days) */
  readonly gdpr?: GdprLimits;
  /** Days before data moves to the warm phase. @default 2 */
  readonly warmAfterDays?: number;
  /** Image running the `index-setup` program. @default Images.runtime() */
  readonly image?: ContainerImage;
  /** Pod retries before the Job fails. @default 4 */
  readonly backoffLimit?: number;
  /** Longest run of the Job, in seconds. @default 900 */
  readonly activeDeadlineSeconds?: number;
  /** Seconds a finished Job is kept. @default 86400 */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * The objects are applied with server-side apply. When false, the plan ConfigMap is also held to the 256 KiB
   * annotation limit client-side `kubectl apply` runs into (about 40 tenants per plan).
   * @default false
   */
  readonly serverSideApply?: boolean;
}

/** Where the plan ConfigMap is mounted in the Job. */
export const INDEX_SETUP_DIRECTORY = '/etc/index-setup';

/**
 * Elasticsearch indices for an environment (or one tenant): the typed plan of ILM policies, component templates,
 * index templates and data streams (`src/logging/model.ts`) in a ConfigMap, applied by an idempotent Job that runs
 * `index-setup` from the runtime image with the password mounted from a Secret. Retention comes from the
 * environment profile and the tenant, bounded by the GDPR limits. Optionally an ECK `Elasticsearch` cluster.
 *
 * The Job's name ends with a hash of the plan, so a changed plan creates a new Job (a Job's pod template cannot be
 * changed in place) and an unchanged plan re-applies as a no-op.
 *
 * NetworkPolicies: the Job admits nothing and reaches only Elasticsearch. A deployed cluster's nodes admit, on
 * 9200, the pods of the namespace labelled as its clients (`CLIENT_LABELS.elasticsearch`: Jaeger, Grafana, the
 * index setup) and the ECK operator, and each other on 9200 and 9300; they reach only each other.
 */
export class ElasticIndices extends Construct {
  /** The plan. */
  public readonly plan: IndexSetupPlan;
  /** How workloads reach the Elasticsearch (the given one or the deployed cluster); pass it to `JaegerCollector`. */
  public readonly connection: ElasticsearchConnection;
  /** The Job's name. */
  public readonly jobName: string;
  /** The tenants' ids. */
  public readonly tenantIds: ReadonlyArray<string>;

  constructor(scope: Construct, id: string, props: ElasticIndicesProps) {
    super(scope, id);
    const ns = validateDnsLabel(props.namespace ?? 'monitoring', this, 'namespace');
    const base = validateDnsLabel(props.name ?? 'elastic-indices', this, 'name');
    const env = props.environment;
    const tenants = (props.tenants ?? []).map((t) => (typeof t === 'string' ? { id: t } : t));
    if (tenants.length === 0) throw new ValidationError(this, 'tenants', props.tenants, 'at least one tenant id');
    const seen = new Set<string>();
    tenants.forEach((t, i) => {
      validateDnsLabel(t.id, this, `tenants[${i}].id`);
      if (seen.has(t.id)) throw new ValidationError(this, `tenants[${i}].id`, t.id, 'a tenant listed once', 'duplicate tenant');
      seen.add(t.id);
    });
    this.tenantIds = tenants.map((t) => t.id);
    const labels = recommendedLabels({ name: 'elastic-indices', component: 'index-setup', instance: base, tenant: tenants.length === 1 ? tenants[0]!.id : undefined });

    const cluster = props.deployCluster === true ? {} : props.deployCluster || undefined;
    if (cluster) this.connection = this.createCluster(ns, cluster, labels);
    else if (props.elasticsearch) this.connection = validateElasticsearchConnection(props.elasticsearch, this, 'elasticsearch');
    else throw new ValidationError(this, 'elasticsearch', undefined, 'an Elasticsearch connection { url, username, password }, or deployCluster: true');

    this.plan = this.buildPlan(env, tenants, props);
    const planJson = renderIndexSetupPlan(this.plan);
    const data = { 'plan.json': planJson, username: this.connection.username };
    const planName = objectName([base, 'plan']);
    assertConfigMapFits(this, `${ns}/${planName}`, data);
    const planMap = new k8s.KubeConfigMap(this, 'Plan', { metadata: { name: planName, namespace: ns, labels }, data });
    if (!props.serverSideApply) assertAnnotationFits(this, planMap.toJson() as Record<string, unknown>);

    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name: base, namespace: ns, labels });
    const credentials = mountElasticsearchCredentials(this.connection);
    // The hash covers everything the Job does, so any change runs a new Job (the network peer is policy, not the Job).
    this.jobName = objectName([base, 'setup', shortHash(`${planJson}\n${JSON.stringify({ ...this.connection, network: undefined })}`)]);
    const args = [
      'index-setup',
      '--plan', `${INDEX_SETUP_DIRECTORY}/plan.json`,
      '--url', this.connection.url,
      '--username-file', `${INDEX_SETUP_DIRECTORY}/username`,
      '--password-file', credentials.passwordFile,
      ...(credentials.caFile ? ['--ca-file', credentials.caFile] : []),
    ];
    new k8s.KubeJob(this, 'Resource', {
      metadata: { name: this.jobName, namespace: ns, labels },
      spec: {
        backoffLimit: validateInteger(props.backoffLimit ?? 4, 0, 20, this, 'backoffLimit'),
        activeDeadlineSeconds: validateInteger(props.activeDeadlineSeconds ?? 900, 30, 86_400, this, 'activeDeadlineSeconds'),
        ttlSecondsAfterFinished: validateInteger(props.ttlSecondsAfterFinished ?? 86_400, 0, 2_592_000, this, 'ttlSecondsAfterFinished'),
        template: {
          metadata: { labels: { ...clientLabels('elasticsearch'), ...labels } },
          spec: securePodSpec({
            serviceAccountName: sa.name,
            restartPolicy: 'Never',
            containers: [secureContainer({
              name: 'index-setup',
              image: props.image ?? Images.runtime(),
              args,
              resources: SMALL_RESOURCES,
              volumeMounts: [{ name: 'plan', mountPath: INDEX_SETUP_DIRECTORY, readOnly: true }, ...credentials.volumeMounts],
              location: this,
            })],
            volumes: [{ name: 'plan', configMap: { name: planName } }, ...credentials.volumes],
          }),
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: objectName([base, 'setup']), namespace: ns, labels },
      spec: {
        // The component label tells the Job's pods from the cluster's nodes, which share name and instance.
        podSelector: { matchLabels: { ...selectorLabels({ name: 'elastic-indices', instance: base }), 'app.kubernetes.io/component': 'index-setup' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [elasticsearchEgressRule(this.connection, this, 'elasticsearch', ns)],
      },
    });
  }

  private buildPlan(env: EnvironmentProfile, tenants: ReadonlyArray<ElasticTenantOptions>, props: ElasticIndicesProps): IndexSetupPlan {
    try {
      return buildIndexSetupPlan({
        environment: env.name,
        retentionDays: retentionDaysOf(env),
        tenants: tenants.map((t) => ({ tenant: t.id, retentionDays: t.retentionDays })),
        gdpr: props.gdpr,
        warmAfterDays: props.warmAfterDays,
      });
    } catch (e) {
      if (!(e instanceof RetentionError)) throw e;
      const envField = { app: 'logsDays', audit: 'auditDays', traces: 'tracesDays' }[e.kind];
      const index = tenants.findIndex((t) => e.owner === `tenant '${t.id}'`);
      const field = e.owner.startsWith('environment') || index < 0
        ? `environment.retention.${envField}`
        : `tenants[${index}].retentionDays.${e.kind}`;
      throw new ValidationError(this, field, e.days, e.allowed);
    }
  }

  private createCluster(ns: string, o: ElasticsearchClusterOptions, labels: Record<string, string>): ElasticsearchConnection {
    const name = validateDnsLabel(o.name ?? 'logs', this, 'deployCluster.name');
    const version = o.version ?? '9.1.0';
    if (!/^9\.\d+\.\d+$/.test(version)) throw new ValidationError(this, 'deployCluster.version', version, 'an Elasticsearch 9.x.y version (the index-setup client speaks 9.x)');
    const count = validateInteger(o.count ?? 1, 1, 100, this, 'deployCluster.count');
    const storage = o.storage ?? '50Gi';
    parseQuantity(storage, this, 'deployCluster.storage');
    const r = o.resources ?? LARGE_RESOURCES;
    const clusterLabels = { ...labels, 'app.kubernetes.io/component': 'storage' };
    // Its own ServiceAccount (no token mounted): Elasticsearch never calls the Kubernetes API.
    const sa = new WorkloadServiceAccount(this, 'ClusterServiceAccount', { name: objectName([name, 'elasticsearch']), namespace: ns, labels: clusterLabels });
    new Elasticsearch(this, 'Cluster', {
      metadata: { name, namespace: ns, labels: clusterLabels },
      spec: {
        version,
        nodeSets: [{
          name: 'default',
          count,
          // No memory-mapping: avoids the privileged sysctl init container, so the pods meet PSS restricted.
          config: { 'node.store.allow_mmap': false },
          podTemplate: {
            metadata: { labels: clusterLabels },
            spec: {
              serviceAccountName: sa.name,
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [{
                name: 'elasticsearch',
                resources: { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } },
                securityContext: {
                  runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, privileged: false,
                  readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
                },
              }],
            },
          },
          volumeClaimTemplates: [{
            metadata: { name: 'elasticsearch-data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: o.storageClassName,
              resources: { requests: { storage: ElasticsearchSpecNodeSetsVolumeClaimTemplatesSpecResourcesRequests.fromString(storage) } },
            },
          }],
        }],
      },
    });
    const nodes = NetworkPeer.pods(ns, { 'elasticsearch.k8s.elastic.co/cluster-name': name });
    const operator = NetworkPeer.pods(validateDnsLabel(o.operatorNamespace ?? 'elastic-system', this, 'deployCluster.operatorNamespace'), ECK_OPERATOR_POD_LABELS);
    const http = networkPort(ELASTICSEARCH_HTTP_PORT);
    const transport = networkPort(ELASTICSEARCH_TRANSPORT_PORT);
    new k8s.KubeNetworkPolicy(this, 'ClusterNetworkPolicy', {
      metadata: { name: objectName([name, 'es']), namespace: ns, labels: clusterLabels },
      spec: {
        podSelector: { matchLabels: { 'elasticsearch.k8s.elastic.co/cluster-name': name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ingressFrom([NetworkPeer.pods(ns, { [CLIENT_LABELS.elasticsearch]: 'true' }), operator], [http]),
          ingressFrom([nodes], [http, transport]),
        ],
        egress: [egressTo([nodes], [http, transport])],
      },
    });
    const password = { name: `${name}-es-elastic-user`, key: 'elastic' };
    const ca = { name: `${name}-es-http-certs-public`, key: 'ca.crt' };
    return { url: `https://${name}-es-http.${ns}.svc:${ELASTICSEARCH_HTTP_PORT}`, username: 'elastic', password, ca, network: nodes };
  }
}
