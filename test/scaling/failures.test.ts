import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { deriveEnvironment, Duration, PROD } from '../../src/core';
import {
  AutoScalingPolicy, AutoScalingPolicyProps, DisruptionBudget, MetricTarget, PrometheusAuthentication, Scalable, ScalingMode, ScalingPolicy, ScalingTrigger,
} from '../../src/scaling';
import { apiTarget, newChart } from './fixtures';

const keda = ScalingMode.keda({ serverAddress: 'http://prometheus:9090' });
const promTrigger = ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 1 });

/** Bad props and the exact error each must produce at construction. */
const CONSTRUCTION_FAILURES: ReadonlyArray<readonly [string, Partial<AutoScalingPolicyProps>, string]> = [
  ['min above max', { minReplicas: 5, maxReplicas: 3 },
    'test/Scaling: minReplicas: got 5 (minReplicas exceeds maxReplicas); allowed: at most maxReplicas (3)'],
  ['min 0 with HPA', { minReplicas: 0 },
    'test/Scaling: minReplicas: got 0; allowed: a whole number from 1 (use ScalingMode.keda() to scale to zero) up to maxReplicas (100)'],
  ['max 0', { maxReplicas: 0 },
    'test/Scaling: maxReplicas: got 0; allowed: a whole number from 1 to 10000'],
  ['fractional min', { minReplicas: 1.5 },
    'test/Scaling: minReplicas: got 1.5; allowed: a whole number from 1 (use ScalingMode.keda() to scale to zero) up to maxReplicas (100)'],
  ['CPU utilisation above 100', { triggers: [ScalingTrigger.cpu(120)] },
    'test/Scaling: triggers[0].utilizationPercent: got 120; allowed: a whole number from 1 to 100'],
  ['memory utilisation 0', { triggers: [ScalingTrigger.memory(0)] },
    'test/Scaling: triggers[0].utilizationPercent: got 0; allowed: a whole number from 1 to 100'],
  ['CPU utilisation where containers lack CPU requests',
    { target: apiTarget({ containers: [{ name: 'api', hasCpuRequest: true, hasMemoryRequest: true }, { name: 'sidecar', hasCpuRequest: false, hasMemoryRequest: true }] }) },
    'test/Scaling: triggers[0]: got "ScalingTrigger.cpu(70)" (container "sidecar" has no cpu request); allowed: a cpu utilisation target only when every container of Deployment acme/api has a cpu request'],
  ['utilisation on a target with unknown containers', { target: apiTarget({ containers: [] }), triggers: [ScalingTrigger.memory(80)] },
    'test/Scaling: triggers[0]: got "ScalingTrigger.memory(80)" (the target\'s containers are unknown; declare them (e.g. Scalable.fromDeploymentName(..., { containersWithRequests: [...] }))); allowed: a memory utilisation target only when every container of Deployment acme/api has a memory request'],
  ['Pods metric with a zero target', { triggers: [ScalingTrigger.podsMetric('http_requests_per_second', '0')] },
    'test/Scaling: triggers[0].averageValue: got "0"; allowed: a quantity greater than 0, such as 100, 500m or 2k'],
  ['Pods metric with a bad quantity', { triggers: [ScalingTrigger.podsMetric('http_requests_per_second', 'ten')] },
    'test/Scaling: triggers[0].averageValue: got "ten"; allowed: a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi'],
  ['External metric with a bad name', { triggers: [ScalingTrigger.externalMetric('queue depth', {}, MetricTarget.value(5))] },
    'test/Scaling: triggers[0].metricName: got "queue depth"; allowed: a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*'],
  ['External metric selecting another tenant', { triggers: [ScalingTrigger.externalMetric('queue_depth', { tenant: 'globex' }, MetricTarget.value(5))] },
    'test/Scaling: triggers[0].selector.tenant: got "globex"; allowed: the policy\'s tenant "acme" or nothing (it is added)'],
  ['Prometheus trigger with HPA', { triggers: [promTrigger] },
    'test/Scaling: triggers[0]: got "ScalingTrigger.prometheus(\\"sum(up)\\")"; allowed: ScalingTrigger.cpu, memory, podsMetric, objectMetric or externalMetric with ScalingMode.hpa() (use ScalingMode.keda() for Prometheus and forecast triggers)'],
  ['Pods metric with KEDA', { mode: keda, triggers: [ScalingTrigger.podsMetric('x', 1)] },
    'test/Scaling: triggers[0]: got "ScalingTrigger.podsMetric(\\"x\\")"; allowed: ScalingTrigger.cpu, memory, prometheus or requestRateForecast with ScalingMode.keda() (use ScalingMode.hpa() for custom-metrics API triggers)'],
  ['invalid PromQL', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'sum(rate(http_requests_total[5m])', threshold: 10 })] },
    'test/Scaling: triggers[0].query: got "sum(rate(http_requests_total[5m])" (unexpected end of expression); allowed: a PromQL expression'],
  ['invalid PromQL without tenant scoping', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'up{', threshold: 10, tenantScoped: false })] },
    'test/Scaling: triggers[0].query: got "up{" (unexpected end of expression); allowed: a PromQL expression'],
  ['a query that reads another tenant', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'sum(up{tenant="globex"})', threshold: 10 })] },
    'test/Scaling: triggers[0].query: got "sum(up{tenant=\\"globex\\"})" (selector up{tenant="globex"} already constrains \'tenant\'); allowed: selectors without a \'tenant\' matcher, or with exactly tenant="acme"'],
  ['threshold 0', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 0 })] },
    'test/Scaling: triggers[0].threshold: got 0; allowed: a finite number greater than 0'],
  ['threshold NaN', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: Number.NaN })] },
    'test/Scaling: triggers[0].threshold: got NaN; allowed: a finite number greater than 0'],
  ['negative activation threshold', { mode: keda, triggers: [ScalingTrigger.prometheus({ query: 'sum(up)', threshold: 5, activationThreshold: -1 })] },
    'test/Scaling: triggers[0].activationThreshold: got -1; allowed: a finite number of 0 or more'],
  ['forecast with zero capacity', { mode: ScalingMode.predictive({ serverAddress: 'http://p:9090', metric: 'tenant:http_requests:rate5m', perPodCapacity: 0 }) },
    'test/Scaling: triggers[0].perPodCapacity: got 0; allowed: a finite number greater than 0'],
  ['forecast with a bad metric', { mode: ScalingMode.predictive({ serverAddress: 'http://p:9090', metric: 'rate(x[5m])', perPodCapacity: 10 }) },
    'test/Scaling: triggers[0].metric: got "rate(x[5m])"; allowed: a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*'],
  ['forecast with a short lookback', { mode: ScalingMode.predictive({ serverAddress: 'http://p:9090', metric: 'x', perPodCapacity: 10, lookback: Duration.seconds(30) }) },
    'test/Scaling: triggers[0].lookback: got "30s"; allowed: at least 1m, so the linear fit sees several samples'],
  ['KEDA without a server or a shared store', { mode: ScalingMode.keda(), triggers: [promTrigger] },
    'test/Scaling: mode.serverAddress: got nothing; allowed: an absolute http:// or https:// URL (required when the environment profile has no remoteWrite)'],
  ['KEDA with a relative server address', { mode: ScalingMode.keda({ serverAddress: 'prometheus:9090/api' }), triggers: [promTrigger] },
    'test/Scaling: mode.serverAddress: got "prometheus:9090/api"; allowed: an absolute http:// or https:// URL'],
  ['tenant header that is not an HTTP header name',
    { mode: ScalingMode.keda(), profile: deriveEnvironment(PROD, { name: 'x', remoteWrite: { url: 'http://m:8080/api/v1/push', tenantHeader: 'X Org' } }), triggers: [promTrigger] },
    'test/Scaling: profile.remoteWrite.tenantHeader: got "X Org"; allowed: an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)'],
  ['authentication Secret with a bad name', { mode: ScalingMode.keda({ serverAddress: 'http://p:9090', authentication: PrometheusAuthentication.bearerToken({ name: 'Reader', key: 'token' }) }), triggers: [promTrigger] },
    'test/Scaling: mode.authentication.bearerToken.name: got "Reader"; allowed: a DNS-1123 subdomain: at most 253 characters, dot-separated DNS labels'],
  ['fallback above max', { mode: ScalingMode.keda({ serverAddress: 'http://p:9090', fallbackReplicas: 20 }), maxReplicas: 10, triggers: [promTrigger] },
    'test/Scaling: mode.fallbackReplicas: got 20; allowed: a whole number from 2 to 10'],
  ['stabilisation window above an hour', { behavior: { scaleDown: { stabilizationWindow: Duration.hours(2) } } },
    'test/Scaling: behavior.scaleDown.stabilizationWindow: got "2h"; allowed: whole seconds from 0s to 1h'],
  ['policy period above 30 minutes', { behavior: { scaleUp: { policies: [ScalingPolicy.pods(2, Duration.hours(1))] } } },
    'test/Scaling: behavior.scaleUp.policies[0].period: got "1h"; allowed: whole seconds from 1s to 30m'],
  ['no policies while scaling is enabled', { behavior: { scaleUp: { policies: [] } } },
    'test/Scaling: behavior.scaleUp.policies: got []; allowed: at least one ScalingPolicy (or selectPolicy: \'Disabled\')'],
  ['minAvailable equal to minReplicas', { minReplicas: 3, disruptionBudget: DisruptionBudget.minAvailable(3) },
    'test/Scaling: disruptionBudget.minAvailable: got 3 (minAvailable must stay below minReplicas so drains never block); allowed: a whole number from 1 to minReplicas - 1 (2)'],
  ['minAvailable with a single minimum replica', { minReplicas: 1, disruptionBudget: DisruptionBudget.minAvailable(1) },
    'test/Scaling: disruptionBudget.minAvailable: got 1 (minAvailable must stay below minReplicas so drains never block); allowed: DisruptionBudget.maxUnavailable() when minReplicas is 1'],
  ['maxUnavailable 0 (blocks every drain)', { disruptionBudget: DisruptionBudget.maxUnavailable(0) },
    'test/Scaling: disruptionBudget.maxUnavailable: got 0; allowed: a whole number from 1 to 100'],
  ['a disruption budget without a pod selector', { target: apiTarget({ podSelector: undefined }) },
    'test/Scaling: target.podSelector: got nothing; allowed: the workload\'s pod selector (so the PodDisruptionBudget selects its pods), or disruptionBudget: DisruptionBudget.none()'],
  ['a bad tenant id', { tenant: 'Acme' },
    'test/Scaling: tenant: got "Acme"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit'],
  ['a target namespace that is not a DNS label', { target: apiTarget({ namespace: 'Acme_NS' }) },
    'test/Scaling: target.namespace: got "Acme_NS"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit'],
];

describe('construction failures', () => {
  test.each(CONSTRUCTION_FAILURES)('fails %s', (_name, props, message) => {
    const chart = newChart();
    expect(() => new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', ...props })).toThrow(message);
    // The message is the whole error text, not a fragment of a longer one.
    try {
      new AutoScalingPolicy(newChart(), 'Scaling', { target: apiTarget(), tenant: 'acme', ...props });
    } catch (e) {
      expect((e as Error).message).toBe(message);
    }
  });
});

describe('whole-tree failures at synth', () => {
  test('fails two AutoScalingPolicies on one Deployment (Testing.synth)', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Hpa', { target: apiTarget(), tenant: 'acme' });
    new AutoScalingPolicy(chart, 'Keda', { target: apiTarget(), tenant: 'acme', name: 'api-keda', mode: keda, triggers: [promTrigger] });
    expect(() => Testing.synth(chart)).toThrow([
      'Validation failed with the following errors:',
      '  [test/Hpa] test/Hpa: target: got "Deployment acme/api" (also scaled by test/Keda); allowed: one autoscaler per workload',
      '  [test/Keda] test/Keda: target: got "Deployment acme/api" (also scaled by test/Hpa); allowed: one autoscaler per workload',
    ].join('\n'));
  });

  test('fails a policy next to a hand-written HPA of the same workload (app.synth)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'tenant');
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme' });
    new k8s.KubeHorizontalPodAutoscalerV2(chart, 'Manual', {
      metadata: { name: 'manual', namespace: 'acme' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, maxReplicas: 3 },
    });
    expect(() => app.synth()).toThrow(
      '  [tenant/Scaling] tenant/Scaling: target: got "Deployment acme/api" (also scaled by tenant/Manual); allowed: one autoscaler per workload',
    );
  });

  test('two policies on different workloads of the same name in different namespaces are fine', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'A', { target: apiTarget(), tenant: 'acme' });
    new AutoScalingPolicy(chart, 'B', { target: apiTarget({ namespace: 'globex' }), tenant: 'globex' });
    expect(Testing.synth(chart).filter((o: { kind: string }) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(2);
  });

  test('fails a policy without triggers', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', mode: keda });
    expect(() => Testing.synth(chart)).toThrow('test/Scaling: triggers: got []; allowed: at least one ScalingTrigger (pass triggers or call addTrigger())');
  });

  test('fails scale to zero when only CPU or memory triggers could wake the workload', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', { target: apiTarget(), tenant: 'acme', mode: keda, minReplicas: 0, triggers: [ScalingTrigger.cpu(70)] });
    expect(() => Testing.synth(chart)).toThrow('test/Scaling: minReplicas: got 0; allowed: at least 1 when every trigger is CPU or memory (they cannot wake a workload from zero)');
  });

  test('fails a KEDA fallback together with a CPU trigger', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', mode: ScalingMode.keda({ serverAddress: 'http://p:9090', fallbackReplicas: 3 }), triggers: [ScalingTrigger.cpu(70), promTrigger],
    });
    expect(() => Testing.synth(chart)).toThrow('test/Scaling: mode.fallbackReplicas: got 3; allowed: no fallback when a CPU or memory trigger is used (KEDA supports fallback for AverageValue triggers only)');
  });

  test('fails duplicate KEDA trigger names', () => {
    const chart = newChart();
    new AutoScalingPolicy(chart, 'Scaling', {
      target: apiTarget(), tenant: 'acme', mode: keda,
      triggers: [ScalingTrigger.prometheus({ name: 'q', query: 'sum(a)', threshold: 1 }), ScalingTrigger.prometheus({ name: 'q', query: 'sum(b)', threshold: 1 })],
    });
    expect(() => Testing.synth(chart)).toThrow('test/Scaling: triggers: got "q"; allowed: trigger names that are unique within the policy');
  });
});

describe('target factories', () => {
  test('fails an imported Deployment with a bad name, reporting the given scope', () => {
    const chart = newChart();
    expect(() => Scalable.fromDeploymentName(chart, 'acme', 'API', {})).toThrow(
      'test: target.name: got "API"; allowed: a DNS-1123 subdomain: at most 253 characters, dot-separated DNS labels',
    );
  });

  test('fails a manifest of another kind', () => {
    expect(() => Scalable.fromManifest({ kind: 'DaemonSet', metadata: { name: 'x', namespace: 'acme' } })).toThrow(
      'Scalable.fromManifest: kind: got "DaemonSet"; allowed: Deployment or StatefulSet',
    );
  });

  test('fails a container listed twice', () => {
    expect(() => Scalable.fromStatefulSetName(undefined, 'acme', 'db', { containersWithRequests: ['db', 'db'] })).toThrow(
      'Scalable.fromStatefulSetName: target.containers[1].name: got "db"; allowed: a container name not listed before',
    );
  });
});
