import { Duration } from '../src/core/duration';
import { TenantSpec } from '../src/core/tenant';
import { Scalable } from '../src/scaling/scalable';
import { ScalingMode, ScalingTrigger } from '../src/scaling/triggers';
import { TenantAutoscaling } from '../src/tenancy/tenant-monitoring-stack';

/** A tenant as the example environments host it: its spec plus what it asks of the platform. */
export interface ExampleTenant extends TenantSpec {
  /** Autoscalers for the tenant's own workloads. */
  readonly autoscaling: ReadonlyArray<TenantAutoscaling>;
}

/** The example tenants every environment hosts. */
export const EXAMPLE_TENANTS: ReadonlyArray<ExampleTenant> = [
  {
    id: 'acme-ai',
    displayName: 'Acme AI',
    tier: 'premium',
    contacts: { team: 'acme-platform', email: 'oncall@acme.example', slackChannel: '#acme-alerts' },
    quotas: { requestsCpu: '16', requestsMemory: '32Gi', limitsCpu: '32', limitsMemory: '64Gi', pods: 200 },
    autoscaling: [{
      // The seed's defaults: 2..100 replicas, CPU 70 %, memory 80 %.
      id: 'inference-api',
      target: Scalable.fromDeploymentName(undefined, 'acme-ai', 'inference-api', { containersWithRequests: ['api'], podSelector: { matchLabels: { 'app.kubernetes.io/name': 'inference-api' } } }),
      triggers: [ScalingTrigger.cpu(70), ScalingTrigger.memory(80)],
    }],
  },
  {
    id: 'globex-ml',
    displayName: 'Globex ML',
    tier: 'standard',
    contacts: { team: 'globex-ml', email: 'ml-team@globex.example', slackChannel: '#globex-ml-alerts' },
    autoscaling: [{
      // Scales ahead of demand on a predict_linear forecast of the request rate.
      id: 'model-server',
      target: Scalable.fromDeploymentName(undefined, 'globex-ml', 'model-server', { containersWithRequests: ['server'], podSelector: { matchLabels: { 'app.kubernetes.io/name': 'model-server' } } }),
      mode: ScalingMode.predictive({ metric: 'tenant:http_requests:rate5m', perPodCapacity: 50, lookback: Duration.minutes(30), horizon: Duration.minutes(10) }),
      minReplicas: 2,
      maxReplicas: 40,
    }],
  },
];
