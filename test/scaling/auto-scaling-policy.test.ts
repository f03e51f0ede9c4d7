import { SecretKeyRef } from '../../src/core/secret-ref';
import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { DEV, deriveEnvironment, Duration, PROD, TENANT_OBJECT_LABEL } from '../../src/core';
import {
  AutoScalingPolicy, DisruptionBudget, MetricTarget, PrometheusAuthentication, Scalable, ScalingMode, ScalingPolicy, ScalingTrigger,
} from '../../src/scaling';
import { validateManifest } from '../support/schema';
import { apiTarget, newChart, Obj, objectsOf, only, pick } from './fixtures';

describe('HPA mode', () => {
  test('defaults: min 2, max 100, CPU 70 %, memory 80 %, targeting the Deployment', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme' });
    const hpa = only(chart, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata).toMatchObject({ name: 'api', namespace: 'acme' });
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 100,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    });
  });

  test('default behaviour: immediate scale-up, five-minute stabilised scale-down that can remove one pod', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme' });
    const hpa = only(chart, 'HorizontalPodAutoscaler');
    expect(pick(hpa, 'spec.behavior.scaleUp')).toEqual({
      stabilizationWindowSeconds: 0, selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    });
    expect(pick(hpa, 'spec.behavior.scaleDown')).toEqual({
      stabilizationWindowSeconds: 300, selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 60 }],
    });
  });

  test('a partial behaviour keeps the defaults of the fields it leaves out', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme',
      behavior: { scaleDown: { stabilizationWindow: Duration.minutes(10) }, scaleUp: { policies: [ScalingPolicy.pods(2, Duration.minutes(1))], selectPolicy: 'Min' } },
    });
    const hpa = only(chart, 'HorizontalPodAutoscaler');
    expect(pick(hpa, 'spec.behavior.scaleDown.stabilizationWindowSeconds')).toBe(600);
    expect(pick(hpa, 'spec.behavior.scaleDown.policies')).toHaveLength(2);
    expect(pick(hpa, 'spec.behavior.scaleUp')).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] });
  });

  test('custom metrics: Pods, Object and External, the external selector scoped to the tenant', () => {
    const chart = newChart();
    const policy = new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme',
      triggers: [ScalingTrigger.podsMetric('http_requests_per_second', '50')],
    });
    policy.addTrigger(ScalingTrigger.objectMetric({
      describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'api' },
      metricName: 'nginx_ingress_requests_per_second', target: MetricTarget.value('2k'),
    }));
    policy.addTrigger(ScalingTrigger.externalMetric('inference_queue_depth', { queue: 'llm' }, MetricTarget.averageValue(30)));
    const metrics = pick(only(chart, 'HorizontalPodAutoscaler'), 'spec.metrics');
    expect(metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } } },
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'api' },
          metric: { name: 'nginx_ingress_requests_per_second' },
          target: { type: 'Value', value: '2k' },
        },
      },
      {
        type: 'External',
        external: { metric: { name: 'inference_queue_depth', selector: { matchLabels: { queue: 'llm', tenant: 'acme' } } }, target: { type: 'AverageValue', averageValue: 30 } },
      },
    ]);
  });

  test('triggers added after construction reach the output', () => {
    const chart = newChart();
    const policy = new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', triggers: [] });
    policy.addTrigger(ScalingTrigger.cpu(55));
    expect(pick(only(chart, 'HorizontalPodAutoscaler'), 'spec.metrics')).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } },
    ]);
    expect(policy.triggers.map(String)).toEqual(['ScalingTrigger.cpu(55)']);
  });

  test('labels: recommended labels with the tenant, caller labels cannot replace them', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', labels: { team: 'search', [TENANT_OBJECT_LABEL]: 'other' } });
    for (const o of Testing.synth(chart) as Obj[]) {
      expect(o.metadata.labels).toEqual({
        team: 'search',
        'app.kubernetes.io/name': 'api',
        'app.kubernetes.io/instance': 'api',
        'app.kubernetes.io/component': 'autoscaling',
        'app.kubernetes.io/part-of': 'tenant-monitoring',
        'app.kubernetes.io/managed-by': 'cdk8s-tenant-monitoring',
        [TENANT_OBJECT_LABEL]: 'acme',
      });
    }
  });

  test('snapshot, schema-valid', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', triggers: [ScalingTrigger.cpu(), ScalingTrigger.memory(), ScalingTrigger.podsMetric('http_requests_per_second', 50)] });
    const objects = Testing.synth(chart) as Obj[];
    expect(objects.map((o) => o.kind)).toEqual(['HorizontalPodAutoscaler', 'PodDisruptionBudget']);
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
    expect(objects).toMatchSnapshot();
  });
});

describe('targets', () => {
  function deployment(chart: ReturnType<typeof newChart>, resources: k8s.ResourceRequirements): k8s.KubeDeployment {
    return new k8s.KubeDeployment(chart, 'Api', {
      metadata: { name: 'api', namespace: 'acme' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1.2.3', resources }, { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', resources }] },
        },
      },
    });
  }

  test('a cdk8s KubeDeployment: name, namespace, selector and containers come from the manifest', () => {
    const chart = newChart();
    const d = deployment(chart, { requests: { cpu: k8s.Quantity.fromString('100m') }, limits: { memory: k8s.Quantity.fromString('256Mi') } });
    const target = Scalable.fromApiObject(d);
    expect({ kind: target.kind, name: target.name, namespace: target.namespace, podSelector: target.podSelector, containers: target.containers }).toEqual({
      kind: 'Deployment', name: 'api', namespace: 'acme', podSelector: { matchLabels: { app: 'api' } },
      // A memory limit alone counts as a request: the API server copies it.
      containers: [{ name: 'api', hasCpuRequest: true, hasMemoryRequest: true }, { name: 'proxy', hasCpuRequest: true, hasMemoryRequest: true }],
    });
    new AutoScalingPolicy(chart, 'Scaling', { target, tenant: 'acme' });
    expect(pick(only(chart, 'PodDisruptionBudget'), 'spec.selector')).toEqual({ matchLabels: { app: 'api' } });
  });

  test('a plain manifest object, e.g. parsed from YAML, and a StatefulSet target', () => {
    const target = Scalable.fromManifest({
      kind: 'StatefulSet', metadata: { name: 'vector-db', namespace: 'acme' },
      spec: { selector: { matchLabels: { app: 'vector-db' } }, template: { spec: { containers: [{ name: 'db', resources: { requests: { cpu: '1', memory: '4Gi' } } }] } } },
    });
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target, tenant: 'acme', minReplicas: 3, maxReplicas: 6 });
    expect(pick(only(chart, 'HorizontalPodAutoscaler'), 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'vector-db' });
  });

  test('fails CPU utilisation on a KubeDeployment whose containers lack CPU requests', () => {
    const chart = newChart();
    const d = deployment(chart, { requests: { memory: k8s.Quantity.fromString('128Mi') } });
    expect(() => new AutoScalingPolicy(chart, 'Scaling', { target: Scalable.fromApiObject(d), tenant: 'acme', triggers: [ScalingTrigger.cpu(70)] })).toThrow(
      'test/Scaling: triggers[0]: got "ScalingTrigger.cpu(70)" (containers "api", "proxy" have no cpu request); allowed: a cpu utilisation target only when every container of Deployment acme/api has a cpu request',
    );
  });

  test('fails at synth when the Deployment loses its requests after the policy was made', () => {
    const chart = newChart();
    const d = deployment(chart, { requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') } });
    new AutoScalingPolicy(chart, 'Scaling', { target: Scalable.fromApiObject(d), tenant: 'acme', triggers: [ScalingTrigger.memory(80)] });
    d.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/1/resources/requests/memory'));
    expect(() => Testing.synth(chart)).toThrow(
      'test/Scaling: triggers[0]: got "ScalingTrigger.memory(80)" (container "proxy" has no memory request); allowed: a memory utilisation target only when every container of Deployment acme/api has a memory request',
    );
  });

  test('fails an API object that is not a workload', () => {
    const chart = newChart();
    const svc = new ApiObject(chart, 'Svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' } });
    expect(() => Scalable.fromApiObject(svc)).toThrow('test/Svc: kind: got "Service"; allowed: Deployment or StatefulSet');
  });
});

describe('disruption budget', () => {
  test('default maxUnavailable 1 with AlwaysAllow for unhealthy pods: a drain never blocks', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme' });
    expect(only(chart, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
    });
  });

  test('minAvailable below the minimum is kept', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', minReplicas: 3, disruptionBudget: DisruptionBudget.minAvailable(2) });
    expect(only(chart, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 2 });
  });

  test('none: no PodDisruptionBudget, and no pod selector is needed', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget({ podSelector: undefined }), tenant: 'acme', disruptionBudget: DisruptionBudget.none() });
    expect(objectsOf(chart, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('KEDA mode', () => {
  const auth = PrometheusAuthentication.bearerToken(SecretKeyRef.of('prometheus-reader', 'token'));

  test('Prometheus trigger: tenant matcher injected, thresholds as strings, server and auth', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', minReplicas: 0, maxReplicas: 20,
      mode: ScalingMode.keda({ serverAddress: 'http://prometheus.monitoring.svc:9090', authentication: auth }),
      triggers: [ScalingTrigger.prometheus({ name: 'queue', query: 'sum(inference_queue_depth{queue="llm"})', threshold: 25.5, activationThreshold: 1 })],
    });
    const so = only(chart, 'ScaledObject');
    expect(so.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 20, pollingInterval: 30, cooldownPeriod: 300, scaleTargetRef: { kind: 'Deployment', name: 'api' } });
    expect(pick(so, 'spec.triggers')).toEqual([{
      type: 'prometheus', name: 'queue', authenticationRef: { name: 'api-prometheus' },
      metadata: {
        serverAddress: 'http://prometheus.monitoring.svc:9090',
        query: 'sum(inference_queue_depth{tenant="acme", queue="llm"})',
        threshold: '25.5', activationThreshold: '1', authModes: 'bearer',
      },
    }]);
    expect(only(chart, 'TriggerAuthentication')).toMatchObject({
      metadata: { name: 'api-prometheus', namespace: 'acme' },
      spec: { secretTargetRef: [{ parameter: 'bearerToken', name: 'prometheus-reader', key: 'token' }] },
    });
  });

  test('custom authentication header: both header name and value come from the Secret', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme',
      mode: ScalingMode.keda({ serverAddress: 'https://metrics.example.com', authentication: PrometheusAuthentication.customHeader(SecretKeyRef.of('gw', 'header'), SecretKeyRef.of('gw', 'value')) }),
      triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 1 })],
    });
    expect(pick(only(chart, 'ScaledObject'), 'spec.triggers.0.metadata.authModes')).toBe('custom');
    expect(pick(only(chart, 'TriggerAuthentication'), 'spec.secretTargetRef')).toEqual([
      { parameter: 'customAuthHeader', name: 'gw', key: 'header' }, { parameter: 'customAuthValue', name: 'gw', key: 'value' },
    ]);
  });

  test('shared store: queries go to the store with the tenant header, so scaling reads only this tenant', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', profile: PROD, mode: ScalingMode.keda(), triggers: [ScalingTrigger.prometheus({ query: 'sum(rate(http_requests_total[2m]))', threshold: 100 })] });
    expect(pick(only(chart, 'ScaledObject'), 'spec.triggers.0.metadata')).toEqual({
      serverAddress: 'http://mimir-query-frontend.mimir.svc:8080/prometheus',
      query: 'sum(rate(http_requests_total{tenant="acme"}[2m]))',
      threshold: '100',
      customHeaders: 'X-Scope-OrgID=acme',
    });
  });

  test('the configured tenant header name is used; the query URL defaults to the remote-write origin', () => {
    const profile = deriveEnvironment(PROD, { name: 'eu', remoteWrite: { url: 'https://cortex.example.com/api/v1/push', tenantHeader: 'X-Tenant' } });
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', profile, mode: ScalingMode.keda(), triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 1 })] });
    expect(pick(only(chart, 'ScaledObject'), 'spec.triggers.0.metadata')).toMatchObject({ serverAddress: 'https://cortex.example.com/prometheus', customHeaders: 'X-Tenant=acme' });
  });

  test('no shared store: no tenant header', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', profile: DEV,
      mode: ScalingMode.keda({ serverAddress: 'http://prometheus:9090' }), triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 1 })],
    });
    expect(pick(only(chart, 'ScaledObject'), 'spec.triggers.0.metadata.customHeaders')).toBeUndefined();
  });

  test('KEDA CPU trigger, fallback, custom timing and behaviour', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme',
      mode: ScalingMode.keda({ serverAddress: 'http://prometheus:9090', pollingInterval: Duration.seconds(15), cooldownPeriod: Duration.minutes(10) }),
      triggers: [ScalingTrigger.cpu(60)],
      behavior: { scaleDown: { stabilizationWindow: Duration.minutes(15) } },
    });
    const so = only(chart, 'ScaledObject');
    expect(pick(so, 'spec.triggers')).toEqual([{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }]);
    expect(so.spec).toMatchObject({ pollingInterval: 15, cooldownPeriod: 600 });
    expect(pick(so, 'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds')).toBe(900);
  });

  test('snapshot, schema-valid', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', minReplicas: 1, maxReplicas: 30, profile: PROD,
      mode: ScalingMode.keda({ authentication: auth, fallbackReplicas: 4 }),
      triggers: [ScalingTrigger.prometheus({ name: 'queue', query: 'sum(inference_queue_depth)', threshold: 10, failOnEmptyResult: true })],
    });
    const objects = Testing.synth(chart) as Obj[];
    expect(objects.map((o) => o.kind)).toEqual(['TriggerAuthentication', 'ScaledObject', 'PodDisruptionBudget']);
    expect(pick(objects[1], 'spec.fallback')).toEqual({ failureThreshold: 3, replicas: 4 });
    expect(pick(objects[1], 'spec.triggers.0.metadata.ignoreNullValues')).toBe('false');
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
    expect(objects).toMatchSnapshot();
  });
});

describe('predictive mode', () => {
  test('scales on a predict_linear forecast of the tenant request rate per pod, and on the current rate', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', profile: PROD,
      mode: ScalingMode.predictive({ metric: 'tenant:http_requests:rate5m', matchers: { service: 'api' }, perPodCapacity: 40, horizon: Duration.minutes(5) }),
    });
    const triggers = pick(only(chart, 'ScaledObject'), 'spec.triggers') as Array<{ name: string; metadata: Record<string, string> }>;
    expect(triggers.map((t) => [t.name, t.metadata.query, t.metadata.threshold])).toEqual([
      ['request-rate-forecast', 'sum(clamp_min(predict_linear(tenant:http_requests:rate5m{tenant="acme", service="api"}[30m], 300), 0))', '40'],
      ['request-rate-current', 'sum(tenant:http_requests:rate5m{tenant="acme", service="api"})', '40'],
    ]);
    expect(triggers.every((t) => t.metadata.customHeaders === 'X-Scope-OrgID=acme')).toBe(true);
  });

  test('snapshot, schema-valid', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', minReplicas: 2, maxReplicas: 50,
      mode: ScalingMode.predictive({ serverAddress: 'http://prometheus-operated.monitoring.svc:9090', metric: 'tenant:http_requests:rate5m', perPodCapacity: 50 }),
    });
    const objects = Testing.synth(chart) as Obj[];
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
    expect(objects).toMatchSnapshot();
  });
});

describe('strict schema validation applies to the KEDA kinds', () => {
  test('fails an unknown field in a ScaledObject trigger', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', mode: ScalingMode.keda({ serverAddress: 'http://p:9090' }), triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 1 })] });
    const so = only(chart, 'ScaledObject');
    const broken = { ...so, spec: { ...so.spec, triggers: [{ ...(pick(so, 'spec.triggers.0') as object), authModes: 'bearer' }] } };
    expect(validateManifest(broken)).toEqual(['ScaledObject/api: /spec/triggers/0 must NOT have additional properties (authModes)']);
  });

  test('fails a TriggerAuthentication secret reference without a key', () => {
    const ta = { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: { name: 't' }, spec: { secretTargetRef: [{ parameter: 'bearerToken', name: 's' }] } };
    expect(validateManifest(ta)).toEqual(["TriggerAuthentication/t: /spec/secretTargetRef/0 must have required property 'key'"]);
  });
});
