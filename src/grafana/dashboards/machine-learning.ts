import type { DashboardJson } from '../dashboard-json';
import { DashboardContext } from '../model';
import { badAbove, DashboardDraft } from './common';

/** Machine learning: model performance and accuracy, data drift, prediction quality, anomalies and training time. */
export function machineLearningDashboard(ctx: DashboardContext): DashboardJson {
  const d = new DashboardDraft(ctx, {
    name: 'machine-learning',
    title: 'Machine learning',
    description: 'Model performance, data drift, prediction quality and training time.',
  });
  const t = d.ctx.thresholds;
  return d
    .row('Model performance')
    .timeseries({
      title: 'Model accuracy',
      description: 'Accuracy of each served model on labelled feedback.',
      queries: [{ expr: 'avg by (model) (ml_model_accuracy)', legend: '{{model}}' }],
      unit: 'percentunit',
      min: 0,
      max: 1,
    })
    .timeseries({
      title: 'Predictions per second',
      description: 'Prediction requests served per model.',
      queries: [{ expr: 'sum by (model) (rate(ml_predictions_total[5m]))', legend: '{{model}}' }],
      unit: 'reqps',
    })
    .timeseries({
      title: 'Prediction latency p95',
      description: '95th percentile prediction latency per model.',
      queries: [{ expr: 'histogram_quantile(0.95, sum by (le, model) (rate(ml_prediction_duration_seconds_bucket[5m])))', legend: '{{model}}' }],
      unit: 's',
      thresholds: badAbove(t.latencySloSeconds),
    })
    .row('Data drift')
    .timeseries({
      title: 'Drift score per feature',
      description: 'Drift statistic per model, feature and method, against the drift threshold.',
      queries: [{ expr: 'max by (model, feature, method) (ml_drift_score)', legend: '{{model}} {{feature}} ({{method}})' }],
      unit: 'short',
      thresholds: badAbove(t.driftScore),
    })
    .stat({
      title: 'Models with drift',
      description: 'Number of models whose drift job reports drift.',
      queries: [{ expr: 'count(max by (model) (ml_drift_detected) == 1) or vector(0)' }],
      unit: 'short',
      span: 6,
      thresholds: badAbove(1),
    })
    .stat({
      title: 'Anomaly score',
      description: 'Highest anomaly score across models.',
      queries: [{ expr: 'max(ml_anomaly_score)' }],
      unit: 'short',
      span: 6,
      thresholds: badAbove(t.anomalyScore),
    })
    .row('Prediction quality and training')
    .timeseries({
      title: 'Prediction confidence (median)',
      description: 'Median confidence of served predictions per model; a falling median often precedes accuracy loss.',
      queries: [{ expr: 'histogram_quantile(0.5, sum by (le, model) (rate(ml_prediction_confidence_bucket[15m])))', legend: '{{model}}' }],
      unit: 'percentunit',
      min: 0,
      max: 1,
    })
    .timeseries({
      title: 'Training time',
      description: 'Duration of the last training run per model.',
      queries: [{ expr: 'max by (model) (ml_training_duration_seconds)', legend: '{{model}}' }],
      unit: 's',
    })
    .build();
}
