/**
 * The README's tour as one program: a tenant with a custom SLO, tuned and silenced default alerts,
 * an autoscaler, a drift job and a dashboard of its own, next to alert routing with an extra
 * receiver. `npx ts-node --transpile-only examples/tour/main.ts` synthesizes it to `dist/tour/`;
 * `test/stacks/tour.test.ts` runs it.
 */
import { App, Chart } from 'cdk8s';
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  AlertRouting, DriftMethod, Duration, PROD, Receiver, Scalable, ScalingTrigger, SecretKeyRef, Sli, sloRuleGroup, TenantMonitoringStack, writeApp,
} from '../../src';

/** Build the tour's app. */
export function buildTour(outdir: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'tour');

  const routing = new AlertRouting(chart, 'Routing', { profile: PROD, namespace: 'monitoring', alertmanagerName: 'tour' });
  routing.addSecret('alerting-credentials', ['slack-url']);
  routing.addReceiver(Receiver.slack({ name: 'sre-chat', channel: '#sre', webhookUrl: SecretKeyRef.of('alerting-credentials', 'slack-url') }));
  routing.addReceiver(Receiver.webhook({ name: 'opsgenie', url: 'https://api.opsgenie.example/hook', levels: ['L3'] }));

  const acme = new TenantMonitoringStack(chart, 'acme', {
    tenant: { id: 'acme', displayName: 'Acme', tier: 'premium', contacts: { team: 'acme', email: 'oncall@acme.example' } },
    environment: PROD,
    ruleGroups: [sloRuleGroup({
      name: 'checkout-latency',
      description: '99 % of checkout requests faster than 300 ms',
      objective: 0.99,
      sli: Sli.latency({ histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers: 'route="/checkout"' }),
      period: Duration.days(30),
    })],
    alertOverrides: {
      environment: { TenantHighErrorRate: { thresholds: { errorRatio: 0.02 }, for: Duration.minutes(10) } },
      tenant: { BusinessConversionRateDrop: { disable: true } },
    },
  });
  acme.addAutoScaling({
    id: 'api',
    target: Scalable.fromDeploymentName(acme, 'acme', 'api', { containersWithRequests: ['api'], podSelector: { matchLabels: { app: 'api' } } }),
    triggers: [ScalingTrigger.cpu(70), ScalingTrigger.memory(80)],
  });
  acme.addModel({
    name: 'churn-predictor',
    drift: {
      schedule: '0 */2 * * *',
      features: [
        { name: 'tenure_days', kind: 'numeric', metric: 'ml_feature_tenure_days' },
        { name: 'plan', kind: 'categorical', metric: 'ml_feature_plan', methods: [DriftMethod.psi({ alert: 0.2 })] },
      ],
    },
  });
  acme.dashboards.addDashboard(new DashboardBuilder('Checkout').uid('acme-checkout'));
  return app;
}

if (require.main === module) {
  for (const file of writeApp(buildTour('dist/tour'), 'dist/tour')) process.stdout.write(`${file}\n`);
}
