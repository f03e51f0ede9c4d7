import { Duration } from '../src/core/duration';
import { RECORDED_METRICS } from '../src/core/metric-catalogue';
import { TenantSpec } from '../src/core/tenant';
import { Scalable } from '../src/scaling/scalable';
import { ScalingMode, ScalingTrigger } from '../src/scaling/triggers';
import { DriftMethod } from '../src/ml/drift-method';
import { TenantAutoscaling, TenantModel } from '../src/tenancy/tenant-monitoring-stack';

/** A tenant as the example environments host it: its spec plus what it asks of the platform. */
export interface ExampleTenant extends TenantSpec {
  /** Autoscalers for the tenant's own workloads. */
  readonly autoscaling: ReadonlyArray<TenantAutoscaling>;
  /** The tenant's ML models, watched for drift (and anomalies). */
  readonly models: ReadonlyArray<TenantModel>;
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
    models: [{
      name: 'fraud-scorer',
      drift: {
        schedule: '0 * * * *',
        features: [
          { name: 'transaction_amount', kind: 'numeric', metric: 'ml_feature_transaction_amount' },
          // A tighter PSI threshold for the feature the model is most sensitive to.
          { name: 'account_age_days', kind: 'numeric', metric: 'ml_feature_account_age_days', methods: [DriftMethod.psi({ warn: 0.05, alert: 0.15 }), DriftMethod.ks()] },
          { name: 'merchant_category', kind: 'categorical', metric: 'ml_feature_merchant_category' },
        ],
      },
      anomaly: {
        series: [
          { name: 'request_rate', query: 'sum(rate(http_requests_total{tenant="acme-ai", service="fraud-scorer"}[5m]))' },
          { name: 'error_ratio', query: 'sum(rate(http_requests_total{tenant="acme-ai", service="fraud-scorer", code=~"5.."}[5m])) / sum(rate(http_requests_total{tenant="acme-ai", service="fraud-scorer"}[5m]))' },
          { name: 'p95_latency', query: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{tenant="acme-ai", service="fraud-scorer"}[5m])))' },
        ],
      },
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
      mode: ScalingMode.predictive({ metric: RECORDED_METRICS.httpRequestsRate5m, perPodCapacity: 50, lookback: Duration.minutes(30), horizon: Duration.minutes(10) }),
      minReplicas: 2,
      maxReplicas: 40,
    }],
    models: [{
      name: 'demand-forecast',
      drift: {
        schedule: '30 */6 * * *',
        features: [
          { name: 'store_traffic', kind: 'numeric', metric: 'ml_feature_store_traffic' },
          { name: 'weekday', kind: 'categorical', metric: 'ml_feature_weekday' },
        ],
      },
    }],
  },
];
