import { Duration } from '../../core/duration';
import { EnvironmentProfile } from '../../core/environment';
import { ValidationError } from '../../core/errors';
import { ANOMALY_JOB_METRICS as N, ANOMALY_SCORE_RANGE, APPLICATION_METRICS as A, DRIFT_JOB_METRICS as D } from '../../core/metric-catalogue';
import { RuleGroup } from '../model';
import { AlertThresholdTable } from '../overrides';
import { buildPack, durationWords, holdFor, num, PackBuildOptions, withLinks } from './common';

/** Thresholds of the ML pack. */
export interface MlPackParams {
  /** Fire when accuracy falls by this share below its best of the last day. @default 0.05 */
  readonly accuracyDropRatio?: number;
  /** p95 prediction latency in seconds that alerts. @default 0.5 */
  readonly predictionLatencyP95Seconds?: number;
  /** Drift score (any method) that alerts. @default profile.thresholds.driftScore */
  readonly driftScoreThreshold?: number;
  /** Age of the last successful drift run that alerts. @default Duration.hours(2) */
  readonly driftJobMaxAge?: Duration;
  /** Share of predictions with missing features that alerts. @default 0.05 */
  readonly missingFeatureRatio?: number;
  /** Anomaly score (0..1) that alerts when sustained. @default profile.thresholds.anomalyScore */
  readonly anomalyScoreThreshold?: number;
}

/** The alerts of the ML pack and the named thresholds each reads. */
export const ML_ALERT_THRESHOLDS = {
  MlModelAccuracyDrop: { accuracyDropRatio: 'ratio' },
  MlPredictionLatencyHigh: { predictionLatencyP95Seconds: 'positive' },
  MlFeatureDriftScoreHigh: { driftScoreThreshold: 'positive' },
  MlDriftDetected: {},
  MlDriftJobStale: { driftJobMaxAge: 'duration' },
  MlMissingFeaturesHigh: { missingFeatureRatio: 'ratio' },
  MlAnomalyScoreSustained: { anomalyScoreThreshold: 'ratio' },
} as const satisfies AlertThresholdTable;

/** Options of the ML pack. */
export type MlPackOptions = PackBuildOptions<MlPackParams, typeof ML_ALERT_THRESHOLDS>;

/** Model quality, latency, drift and data-quality alerts for tenant ML services. */
export function mlPack(profile: EnvironmentProfile, options: MlPackOptions = {}): RuleGroup[] {
  return buildPack(ML_ALERT_THRESHOLDS, options, (p) => buildMl(profile, p, options));
}

function buildMl(profile: EnvironmentProfile, p: MlPackParams, options: MlPackOptions): RuleGroup[] {
  const latencyHold = holdFor(options, 'MlPredictionLatencyHigh', Duration.minutes(10));
  const anomalyHold = holdFor(options, 'MlAnomalyScoreSustained', Duration.minutes(15));
  const drop = p.accuracyDropRatio ?? 0.05;
  const maxAge = p.driftJobMaxAge ?? Duration.hours(2);
  const anomalyScore = p.anomalyScoreThreshold ?? profile.thresholds.anomalyScore;
  if (!(anomalyScore > ANOMALY_SCORE_RANGE.min && anomalyScore <= ANOMALY_SCORE_RANGE.max)) {
    const field = p.anomalyScoreThreshold === undefined ? 'profile.thresholds.anomalyScore' : 'ml.anomalyScoreThreshold';
    throw new ValidationError('<packs>', field, anomalyScore, `a score above ${ANOMALY_SCORE_RANGE.min} and at most ${ANOMALY_SCORE_RANGE.max} (the isolation-forest scale of ${N.score})`);
  }
  return [{
    name: 'ml',
    rules: [
      withLinks({
        alert: 'MlModelAccuracyDrop',
        expr: `${A.modelAccuracy} < ${num(1 - drop)} * max_over_time(${A.modelAccuracy}[1d])`,
        for: Duration.minutes(15), severity: 'warning',
        summary: 'Accuracy of model {{ $labels.model }} ({{ $labels.tenant }}) dropped',
        description: `Accuracy is more than ${num(drop * 100)} % below its best of the last day.`,
      }, options),
      withLinks({
        alert: 'MlPredictionLatencyHigh',
        expr: `histogram_quantile(0.95, sum by (tenant, model, le) (rate(${A.predictionDurationBuckets}[5m]))) > ${num(p.predictionLatencyP95Seconds ?? 0.5)}`,
        for: latencyHold, severity: 'warning',
        summary: 'Predictions of model {{ $labels.model }} ({{ $labels.tenant }}) are slow',
        description: `The p95 prediction latency has been above ${num((p.predictionLatencyP95Seconds ?? 0.5) * 1000)} ms for ${durationWords(latencyHold)}.`,
      }, options),
      withLinks({
        alert: 'MlFeatureDriftScoreHigh',
        expr: `${D.score} > ${num(p.driftScoreThreshold ?? profile.thresholds.driftScore)}`,
        severity: 'warning',
        summary: 'Feature {{ $labels.feature }} of model {{ $labels.model }} drifted ({{ $labels.method }})',
        description: `The drift score is above ${num(p.driftScoreThreshold ?? profile.thresholds.driftScore)}: live data no longer looks like the reference data.`,
      }, options),
      withLinks({
        alert: 'MlDriftDetected',
        expr: `${D.detected} == 1`,
        severity: 'warning',
        summary: 'The drift job detected drift in model {{ $labels.model }} ({{ $labels.tenant }})',
        description: 'The drift job found a feature whose test statistic exceeds its method threshold.',
      }, options),
      withLinks({
        alert: 'MlDriftJobStale',
        expr: `time() - ${D.lastSuccess} > ${num(maxAge.toSeconds())}`,
        severity: 'warning',
        labels: { component: 'pushgateway' },
        summary: 'The drift job of model {{ $labels.model }} ({{ $labels.tenant }}) has not succeeded recently',
        description: `No successful drift run has been pushed for ${maxAge.toPrometheus()}; drift goes unnoticed.`,
      }, options),
      withLinks({
        alert: 'MlMissingFeaturesHigh',
        expr: `sum by (tenant, model) (rate(${A.missingFeatures}[10m])) / sum by (tenant, model) (rate(${A.predictions}[10m])) > ${num(p.missingFeatureRatio ?? 0.05)}`,
        for: Duration.minutes(10), severity: 'warning',
        summary: 'Model {{ $labels.model }} ({{ $labels.tenant }}) receives incomplete features',
        description: `More than ${num((p.missingFeatureRatio ?? 0.05) * 100)} % of predictions miss features: an upstream pipeline is broken.`,
      }, options),
      withLinks({
        alert: 'MlAnomalyScoreSustained',
        expr: `${N.score} >= ${num(anomalyScore)}`,
        for: anomalyHold, severity: 'warning',
        summary: 'Anomaly score of {{ $labels.tenant }} stays high',
        description: `The anomaly score (0..1) has been at or above ${num(anomalyScore)}, the anomaly job's threshold, for ${durationWords(anomalyHold)}.`,
      }, options),
    ],
  }];
}
