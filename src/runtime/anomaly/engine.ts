import { ANOMALY_JOB_METRICS as N } from '../../core/metric-catalogue';
import { allInOrder } from '../drift/load';
import { AnomalyJobConfig } from '../../ml/model';
import { IsolationForest } from '../stats/isolation-forest';
import { badInput } from '../drift/errors';
import { MetricFamily } from '../drift/exposition';
import { MatrixSeries, PrometheusClient } from '../drift/prometheus';

/** Fewest aligned training points the forest is fitted on. */
export const MIN_TRAINING_POINTS = 16;

/** Metric vectors aligned on common timestamps. */
export interface AlignedVectors {
  /** Timestamps (seconds) present in every series, ascending. */
  readonly timestamps: Float64Array;
  /** Row-major points: one row per timestamp, one column per series. */
  readonly points: Float64Array;
  /** Number of columns. */
  readonly dimensions: number;
}

/** The score of one recent point. */
export interface ScoredPoint {
  /** Timestamp (RFC 3339). */
  readonly time: string;
  /** Anomaly score in (0, 1]. */
  readonly score: number;
  /** The point's values, by series name. */
  readonly values: Readonly<Record<string, number>>;
}

/** What an anomaly run found. */
export interface AnomalyReport {
  /** Tenant id. */
  readonly tenant: string;
  /** Model name. */
  readonly model: string;
  /** Evaluation time (RFC 3339). */
  readonly evaluatedAt: string;
  /** Score threshold. */
  readonly threshold: number;
  /** Points the forest was trained on. */
  readonly trainingPoints: number;
  /** Score of the most recent point. */
  readonly latestScore: number;
  /** Highest score in the scoring window. */
  readonly maxScore: number;
  /** True when the most recent point scores at or above the threshold. */
  readonly anomalyDetected: boolean;
  /** Every scored point, oldest first. */
  readonly scored: readonly ScoredPoint[];
}

/** Keep the timestamps present in every series; reject non-finite values. */
export function alignSeries(names: readonly string[], series: readonly MatrixSeries[]): AlignedVectors {
  const maps = series.map((s, d) => {
    const m = new Map<number, number>();
    s.timestamps.forEach((t, i) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) throw badInput(`series '${names[d]}' has the value ${v} at ${new Date(t * 1000).toISOString()}; allowed: finite numbers`);
      m.set(t, v);
    });
    return m;
  });
  const timestamps = Float64Array.from([...maps[0].keys()].filter((t) => maps.every((m) => m.has(t)))).sort();
  const d = series.length;
  const points = new Float64Array(timestamps.length * d);
  timestamps.forEach((t, i) => maps.forEach((m, j) => (points[i * d + j] = m.get(t) as number)));
  return { timestamps, points, dimensions: d };
}

/** Query every series over the training and scoring span, as of `nowMs`. */
export async function loadVectors(config: AnomalyJobConfig, nowMs: number): Promise<AlignedVectors> {
  const client = new PrometheusClient(config.prometheusUrl, config.http);
  const step = config.step.toSeconds();
  // Align the span on the step so repeated runs see the same grid.
  const end = Math.floor(nowMs / 1000 / step) * step;
  const start = end - config.trainingRange.toSeconds() - config.scoringRange.toSeconds();
  const series = await allInOrder(
    config.series.map(async (s) => {
      const result = await client.queryRange(s.query, start, end, step);
      if (result.length !== 1) throw badInput(`series '${s.name}': the query ${JSON.stringify(s.query)} returned ${result.length} series; allowed: exactly one (aggregate it, e.g. with sum())`);
      return result[0];
    }),
  );
  return alignSeries(
    config.series.map((s) => s.name),
    series,
  );
}

/**
 * Fit the forest on the points before the scoring window and score the points inside it. Pure and
 * reproducible: the forest is seeded from the configuration.
 */
export function scoreAnomalies(config: AnomalyJobConfig, vectors: AlignedVectors, nowMs: number): AnomalyReport {
  const d = vectors.dimensions;
  const step = config.step.toSeconds();
  const end = Math.floor(nowMs / 1000 / step) * step;
  const scoringStart = end - config.scoringRange.toSeconds();
  const split = vectors.timestamps.findIndex((t) => t > scoringStart);
  const trainingCount = split < 0 ? vectors.timestamps.length : split;
  if (trainingCount < MIN_TRAINING_POINTS) {
    throw badInput(`only ${trainingCount} aligned training points before ${new Date(scoringStart * 1000).toISOString()}; at least ${MIN_TRAINING_POINTS} are needed (lengthen trainingRange or shorten step)`);
  }
  if (split < 0) throw badInput(`no points in the scoring window after ${new Date(scoringStart * 1000).toISOString()}`);
  const forest = IsolationForest.fit(vectors.points.subarray(0, trainingCount * d), d, config.forest);
  const scores = forest.score(vectors.points.subarray(trainingCount * d));
  const scored = Array.from(scores, (score, i): ScoredPoint => {
    const row = trainingCount + i;
    return {
      time: new Date(vectors.timestamps[row] * 1000).toISOString(),
      score,
      values: Object.fromEntries(config.series.map((s, j) => [s.name, vectors.points[row * d + j]])),
    };
  });
  const latestScore = scores[scores.length - 1];
  return {
    tenant: config.tenant,
    model: config.model,
    evaluatedAt: new Date(nowMs).toISOString(),
    threshold: config.threshold,
    trainingPoints: trainingCount,
    latestScore,
    maxScore: Math.max(...scores),
    anomalyDetected: latestScore >= config.threshold,
    scored,
  };
}

/** The metric families of an anomaly report (what is pushed to the Pushgateway). */
export function anomalyMetrics(report: AnomalyReport, finishedAtMs: number): MetricFamily[] {
  const labels = { tenant: report.tenant, model: report.model };
  const one = (name: string, help: string, value: number): MetricFamily => ({ name, help, samples: [{ labels, value }] });
  return [
    one(N.score, 'Isolation-forest anomaly score of the most recent point (0..1; near 1 is anomalous).', report.latestScore),
    one(N.scoreMax, 'Highest anomaly score in the scoring window.', report.maxScore),
    one(N.threshold, 'Score at or above which a point counts as anomalous.', report.threshold),
    one(N.detected, '1 when the most recent point scores at or above the threshold, else 0.', report.anomalyDetected ? 1 : 0),
    {
      name: N.points,
      help: 'Points used per set: training (forest fit) and scored (scoring window).',
      samples: [
        { labels: { ...labels, set: 'training' }, value: report.trainingPoints },
        { labels: { ...labels, set: 'scored' }, value: report.scored.length },
      ],
    },
    one(N.lastSuccess, 'Unix time of the last successful anomaly run.', finishedAtMs / 1000),
  ];
}
