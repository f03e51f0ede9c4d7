import { Testing } from 'cdk8s';
import { DEV, EnvironmentProfile, PROD } from '../../src/core/environment';
import { ContainerImage, Images } from '../../src/core/images';
import { ANNOTATIONS_MAX_BYTES, lastAppliedAnnotationBytes } from '../../src/core/size-limits';
import { ElasticIndices, ElasticIndicesProps } from '../../src/logging/elastic-indices';
import { IndexSetupPlan, stepPath } from '../../src/logging/model';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { NetworkPeer } from '../../src/core/network';
import { podTemplates, restrictedViolations } from '../support/pod-security';
import { runtimeCommandsIn } from '../support/runtime-commands';
import { Manifest, validateManifest } from '../support/schema';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const elasticsearch = { url: 'https://es.logging.svc:9200', username: 'index-setup', password: SecretKeyRef.of('es-index-setup', 'password') };

function synth(environment: EnvironmentProfile, props: Partial<ElasticIndicesProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new ElasticIndices(chart, 'indices', { environment, tenants: ['acme', { id: 'globex', retentionDays: { app: 14 } }], elasticsearch, ...props });
  return Testing.synth(chart) as Manifest[];
}
const spec0 = (objs: Manifest[]) => (objs.find((o) => o.kind === 'Elasticsearch') as Manifest).spec as Spec;
const find = (objs: Manifest[], kind: string) => objs.find((o) => o.kind === kind) as Manifest;
const planOf = (objs: Manifest[]) => JSON.parse((find(objs, 'ConfigMap').data as Spec)['plan.json']) as IndexSetupPlan;
const deleteAfter = (plan: IndexSetupPlan, policy: string) => {
  const step = plan.steps.find((s) => s.kind === 'ilm_policy' && s.request.name === policy);
  return step?.kind === 'ilm_policy' ? step.request.policy?.phases.delete?.min_age : undefined;
};
const jobPod = (objs: Manifest[]) => (find(objs, 'Job').spec as Spec).template.spec as Spec;

describe('ElasticIndices', () => {
  const prod = synth(PROD);
  const eck = synth(DEV, { tenants: ['acme'], elasticsearch: undefined, deployCluster: { count: 3, storage: '100Gi' } });

  test('every object passes strict schema validation and the Job meets PSS restricted', () => {
    expect([...prod, ...eck].flatMap(validateManifest)).toEqual([]);
    expect(podTemplates([...prod, ...eck]).flatMap(restrictedViolations)).toEqual([]);
    expect(prod.map((o) => o.kind)).toEqual(['ConfigMap', 'ServiceAccount', 'Job', 'NetworkPolicy']);
  });

  test('ILM retention comes from the environment profile and the tenant', () => {
    const plan = planOf(prod);
    expect(deleteAfter(plan, 'tm-acme-app')).toBe(`${PROD.retention.logsDays}d`);
    expect(deleteAfter(plan, 'tm-acme-audit')).toBe(`${PROD.retention.auditDays}d`);
    expect(deleteAfter(plan, 'tm-acme-traces')).toBe(`${PROD.retention.tracesDays}d`);
    expect(deleteAfter(plan, 'tm-globex-app')).toBe('14d');
    expect(deleteAfter(planOf(synth(DEV)), 'tm-acme-traces')).toBe(`${DEV.retention.tracesDays}d`);
    expect(plan.steps.filter((s) => s.kind === 'data_stream').map(stepPath)).toEqual([
      '_data_stream/logs-acme-app', '_data_stream/logs-acme-audit', '_data_stream/logs-globex-app', '_data_stream/logs-globex-audit',
    ]);
  });

  test('the Job runs index-setup from the runtime image with the plan and the password mounted as files', () => {
    const pod = jobPod(prod);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('elastic-indices');
    const c = pod.containers[0];
    expect(c.image).toBe(Images.runtime().reference);
    expect(c.args).toEqual([
      'index-setup', '--plan', '/etc/index-setup/plan.json', '--url', 'https://es.logging.svc:9200',
      '--username-file', '/etc/index-setup/username', '--password-file', '/var/run/secrets/elasticsearch/password',
    ]);
    expect(c.env).toBeUndefined();
    expect(pod.volumes).toEqual([
      { name: 'plan', configMap: { name: 'elastic-indices-plan' } },
      { name: 'elasticsearch-credentials', projected: { defaultMode: 0o440, sources: [{ secret: { name: 'es-index-setup', items: [{ key: 'password', path: 'password' }] } }] } },
    ]);
    expect((find(prod, 'ConfigMap').data as Spec).username).toBe('index-setup');
    expect(find(prod, 'Job').spec).toMatchObject({ backoffLimit: 4, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
    expect(find(prod, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });
    expect(runtimeCommandsIn(prod).map((u) => u.command)).toEqual(['index-setup']);
  });

  test('the Job name follows the plan: unchanged plans keep it, changed plans get a new Job', () => {
    const name = (objs: Manifest[]) => find(objs, 'Job').metadata.name;
    expect(name(prod)).toMatch(/^elastic-indices-setup-[0-9a-f]{8}$/);
    expect(name(synth(PROD))).toBe(name(prod));
    expect(name(synth(PROD, { tenants: ['acme'] }))).not.toBe(name(prod));
    expect(name(synth(PROD, { image: ContainerImage.parse('registry.example.com/runtime:1.2.3') }))).toBe(name(prod));
  });

  test('the image, Job limits and object names can be set', () => {
    const objs = synth(PROD, { image: ContainerImage.parse('registry.example.com/runtime:1.2.3'), backoffLimit: 1, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 0, name: 'acme-indices', namespace: 'logging' });
    expect(jobPod(objs).containers[0].image).toBe('registry.example.com/runtime:1.2.3');
    expect(find(objs, 'Job').spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 0 });
    expect(objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).slice(0, 2)).toEqual(['logging/acme-indices-plan', 'logging/acme-indices']);
  });

  test('deployCluster adds an ECK Elasticsearch that the Job reaches over TLS as the elastic user', () => {
    expect(eck.map((o) => o.kind)).toEqual(['ServiceAccount', 'Elasticsearch', 'NetworkPolicy', 'ConfigMap', 'ServiceAccount', 'Job', 'NetworkPolicy']);
    expect(spec0(eck).nodeSets[0].podTemplate.spec.serviceAccountName).toBe('logs-elasticsearch');
    const spec = find(eck, 'Elasticsearch').spec as Spec;
    expect(spec).toMatchObject({ version: '9.1.0', nodeSets: [{ name: 'default', count: 3, config: { 'node.store.allow_mmap': false } }] });
    expect(spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    expect(spec.nodeSets[0].podTemplate.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const c = jobPod(eck).containers[0];
    expect(c.args).toEqual([
      'index-setup', '--plan', '/etc/index-setup/plan.json', '--url', 'https://logs-es-http.monitoring.svc:9200',
      '--username-file', '/etc/index-setup/username', '--password-file', '/var/run/secrets/elasticsearch/password',
      '--ca-file', '/var/run/secrets/elasticsearch/ca.crt',
    ]);
    expect(jobPod(eck).volumes[1].projected.sources.map((s: Spec) => s.secret.name)).toEqual(['logs-es-elastic-user', 'logs-es-http-certs-public']);
  });

  test('snapshot', () => {
    expect(eck).toMatchSnapshot();
  });

  test('the Job reaches only Elasticsearch; a deployed cluster admits its clients, the ECK operator and its own nodes', () => {
    const policy = (objs: Manifest[], name: string) => objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)?.spec as Spec;
    expect(policy(prod, 'elastic-indices-setup')).toMatchObject({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'elastic-indices', 'app.kubernetes.io/instance': 'elastic-indices', 'app.kubernetes.io/component': 'index-setup' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } } }], ports: [{ protocol: 'TCP', port: 9200 }] }],
    });
    expect((find(prod, 'Job').spec as Spec).template.metadata.labels['monitoring.cdk8s.io/elasticsearch-client']).toBe('true');
    const nodes = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'elasticsearch.k8s.elastic.co/cluster-name': 'logs' } } };
    expect(policy(eck, 'logs-es').ingress).toEqual([
      {
        from: [
          { namespaceSelector: nodes.namespaceSelector, podSelector: { matchLabels: { 'monitoring.cdk8s.io/elasticsearch-client': 'true' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elastic-system' } }, podSelector: { matchLabels: { 'control-plane': 'elastic-operator' } } },
        ],
        ports: [{ protocol: 'TCP', port: 9200 }],
      },
      { from: [nodes], ports: [{ protocol: 'TCP', port: 9200 }, { protocol: 'TCP', port: 9300 }] },
    ]);
    expect(policy(eck, 'elastic-indices-setup').egress).toEqual([{ to: [nodes], ports: [{ protocol: 'TCP', port: 9200 }] }]);
    // An Elasticsearch outside the cluster is reached at the network given for it.
    const external = synth(PROD, { elasticsearch: { ...elasticsearch, url: 'https://es.example.com:9243', network: NetworkPeer.cidr('198.51.100.0/24') } });
    expect(policy(external, 'elastic-indices-setup').egress).toEqual([{ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 9243 }] }]);
  });

  describe('failures', () => {
    const make = (props: Partial<ElasticIndicesProps>) => () => synth(DEV, props);

    test('fails an Elasticsearch outside the cluster without its network', () => {
      expect(make({ elasticsearch: { ...elasticsearch, url: 'https://es.example.com:9243' } })).toThrow(
        'test/indices: elasticsearch.url: got "https://es.example.com:9243"; allowed: an in-cluster Service URL (http(s)://<service>.<namespace>.svc:<port>) that a NetworkPolicy can name, or any URL with elasticsearch.network set to where it is (NetworkPeer.cidr(...) or NetworkPeer.pods(...))');
    });
    test('fails a network that is not a NetworkPeer', () => {
      expect(make({ elasticsearch: { ...elasticsearch, network: { cidr: '10.0.0.0/8' } as unknown as NetworkPeer } })).toThrow(
        'test/indices: elasticsearch.network: got {"cidr":"10.0.0.0/8"}; allowed: a NetworkPeer (NetworkPeer.cidr(...), NetworkPeer.pods(...) or NetworkPeer.namespace(...))');
    });

    test('fails a tenant retention beyond the GDPR audit limit', () => {
      expect(make({ tenants: ['acme', { id: 'globex', retentionDays: { audit: 400 } }] }))
        .toThrow('test/indices: tenants[1].retentionDays.audit: got 400; allowed: at most 365 days (the GDPR audit limit)');
    });
    test('fails an environment whose log retention breaks the GDPR personal-data limit', () => {
      expect(make({ environment: { ...DEV, retention: { ...DEV.retention, logsDays: 45 } } } as Partial<ElasticIndicesProps>))
        .toThrow('test/indices: environment.retention.logsDays: got 45; allowed: at most 30 days (the GDPR personal-data limit)');
    });
    test('fails stricter GDPR limits the environment exceeds', () => {
      expect(() => synth(PROD, { gdpr: { auditMaxDays: 180 } })).toThrow('test/indices: environment.retention.auditDays: got 365; allowed: at most 180 days (the GDPR audit limit)');
    });
    test('fails without an Elasticsearch to set up', () => {
      expect(make({ elasticsearch: undefined })).toThrow('test/indices: elasticsearch: got nothing; allowed: an Elasticsearch connection { url, username, password }, or deployCluster: true');
    });
    test('fails without tenants, and with a tenant listed twice', () => {
      expect(make({ tenants: [] })).toThrow('test/indices: tenants: got []; allowed: at least one tenant id');
      expect(make({ tenants: ['acme', { id: 'acme' }] })).toThrow('test/indices: tenants[1].id: got "acme" (duplicate tenant); allowed: a tenant listed once');
    });
    test('fails an Elasticsearch version the client cannot speak', () => {
      expect(make({ elasticsearch: undefined, deployCluster: { version: '8.15.0' } }))
        .toThrow('test/indices: deployCluster.version: got "8.15.0"; allowed: an Elasticsearch 9.x.y version (the index-setup client speaks 9.x)');
    });
    test('fails a plan too large for client-side apply, and accepts it with server-side apply', () => {
      const tenants = Array.from({ length: 50 }, (_, i) => `tenant-${i}`);
      const accepted = make({ tenants, serverSideApply: true })();
      expect(accepted.map((o) => o.kind)).toEqual(['ConfigMap', 'ServiceAccount', 'Job', 'NetworkPolicy']);
      const bytes = lastAppliedAnnotationBytes(accepted[0]!);
      expect(bytes).toBeGreaterThan(ANNOTATIONS_MAX_BYTES);
      expect(make({ tenants })).toThrow(`test/indices: ConfigMap monitoring/elastic-indices-plan annotations with kubectl.kubernetes.io/last-applied-configuration (bytes): got ${bytes} (apply this object with server-side apply (kubectl apply --server-side, Argo CD ServerSideApply=true, Flux), which keeps no last-applied annotation, or make it smaller); allowed: at most 262144 bytes (256 KiB, the API server's annotation limit)`);
    });
    test('fails a Job deadline below 30 seconds', () => {
      expect(make({ activeDeadlineSeconds: 5 })).toThrow('test/indices: activeDeadlineSeconds: got 5; allowed: a whole number from 30 to 86400');
    });
  });
});
