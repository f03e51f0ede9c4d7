import { DRIFT_JOB_METRICS as D } from '../../core/metric-catalogue';
import { DriftLevel, DriftMethod, DriftMethodName } from '../../ml/drift-method';
import { DriftJobConfig, FeatureSpec, methodsFor } from '../../ml/model';
import { alignCategories, total } from '../stats/histogram';
import { jensenShannon, jensenShannonFromCounts } from '../stats/jensen-shannon';
import { ksPValue, ksStatisticBinned, ksTwoSampleSorted } from '../stats/ks';
import { psi, psiFromCounts } from '../stats/psi';
import { sortedCopy } from '../stats/sort';
import { badInput } from './errors';
import { MetricFamily } from './exposition';
import { DriftData } from './load';
import { FeatureObservations } from './samples';

/** The result of one method on one feature. */
export interface MethodResult {
  /** The method. */
  readonly method: DriftMethodName;
  /** KS statistic D, PSI, or Jensen-Shannon distance. */
  readonly score: number;
  /** KS only: the two-sided p-value. */
  readonly pValue?: number;
  /** KS only: how the p-value was computed. */
  readonly pValueMethod?: 'exact' | 'asymptotic';
  /** The detection threshold (for KS: the significance level the p-value is compared with). */
  readonly threshold: number;
  /** `alert` when drift is detected, `warn` for PSI between its warn and alert levels. */
  readonly level: DriftLevel;
}

/** The results for one feature. */
export interface FeatureReport {
  /** Feature name. */
  readonly name: string;
  /** Feature kind. */
  readonly kind: FeatureSpec['kind'];
  /** Observations in the reference window. */
  readonly referenceCount: number;
  /** Observations in the current window. */
  readonly currentCount: number;
  /** True when any method is at `alert`. */
  readonly driftDetected: boolean;
  /** One result per method. */
  readonly results: readonly MethodResult[];
}

/** What a drift run found: printed as JSON on stdout and pushed as metrics. */
export interface DriftReport {
  /** Tenant id. */
  readonly tenant: string;
  /** Model name. */
  readonly model: string;
  /** Evaluation time (RFC 3339). */
  readonly evaluatedAt: string;
  /** True when any feature drifted. */
  readonly driftDetected: boolean;
  /** Names of the features that drifted. */
  readonly driftedFeatures: readonly string[];
  /** Per-feature results, in configuration order. */
  readonly features: readonly FeatureReport[];
}

/**
 * Run every configured method on every feature. Pure: all validation of the observations happens
 * here, before anything is pushed. Numeric samples are sorted once per window and shared by the
 * methods.
 */
export function computeDrift(config: DriftJobConfig, data: DriftData, nowMs: number): DriftReport {
  const features = config.features.map((feature) => {
    const ref = data.reference.get(feature.name);
    const cur = data.current.get(feature.name);
    if (!ref) throw badInput(`feature '${feature.name}' is missing from the reference window`);
    if (!cur) throw badInput(`feature '${feature.name}' is missing from the current window`);
    return evaluateFeature(feature, methodsFor(config, feature), ref, cur);
  });
  const drifted = features.filter((f) => f.driftDetected).map((f) => f.name);
  return { tenant: config.tenant, model: config.model, evaluatedAt: new Date(nowMs).toISOString(), driftDetected: drifted.length > 0, driftedFeatures: drifted, features };
}

interface Prepared {
  readonly referenceCount: number;
  readonly currentCount: number;
  run(method: DriftMethod): { score: number; pValue?: number; pValueMethod?: 'exact' | 'asymptotic' };
}

function evaluateFeature(feature: FeatureSpec, methods: readonly DriftMethod[], ref: FeatureObservations, cur: FeatureObservations): FeatureReport {
  const prepared = prepare(feature, ref, cur);
  const results = methods.map((m): MethodResult => {
    const r = prepared.run(m);
    return { method: m.name, ...r, threshold: m.threshold, level: m.level(r.score, r.pValue) };
  });
  return {
    name: feature.name,
    kind: feature.kind,
    referenceCount: prepared.referenceCount,
    currentCount: prepared.currentCount,
    driftDetected: results.some((r) => r.level === 'alert'),
    results,
  };
}

function prepare(feature: FeatureSpec, ref: FeatureObservations, cur: FeatureObservations): Prepared {
  const name = feature.name;
  if (ref.kind !== cur.kind) throw badInput(`feature '${name}': the reference window has ${ref.kind} data but the current window has ${cur.kind} data`);
  const requireCount = (n: number, window: string): number => {
    if (!(n > 0)) throw badInput(`feature '${name}': the ${window} window has no observations`);
    return n;
  };
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    requireCount(ref.values.length, 'reference');
    requireCount(cur.values.length, 'current');
    const a = sortedCopy(ref.values);
    const b = sortedCopy(cur.values);
    return {
      referenceCount: a.length,
      currentCount: b.length,
      run: (m) => {
        if (m.name === 'ks') {
          const ks = ksTwoSampleSorted(a, b);
          return { score: ks.statistic, pValue: ks.pValue, pValueMethod: ks.method };
        }
        if (m.name === 'psi') return { score: psi(a, b, m.bins, m.epsilon, true).value };
        return { score: jensenShannon(a, b, m.bins, true).value };
      },
    };
  }
  let refCounts: Float64Array;
  let curCounts: Float64Array;
  if (ref.kind === 'histogram' && cur.kind === 'histogram') {
    if (ref.upperBounds.length !== cur.upperBounds.length || ref.upperBounds.some((b, i) => b !== cur.upperBounds[i])) {
      throw badInput(`feature '${name}': the histogram buckets differ between the windows (reference le=${[...ref.upperBounds].join(',')}; current le=${[...cur.upperBounds].join(',')})`);
    }
    refCounts = ref.counts;
    curCounts = cur.counts;
  } else if (ref.kind === 'categorical' && cur.kind === 'categorical') {
    const aligned = alignCategories(ref.counts, cur.counts);
    refCounts = aligned.reference;
    curCounts = aligned.current;
  } else {
    throw badInput(`feature '${name}': unsupported observations`);
  }
  const n1 = requireCount(total(refCounts), 'reference');
  const n2 = requireCount(total(curCounts), 'current');
  return {
    referenceCount: n1,
    currentCount: n2,
    run: (m) => {
      if (m.name === 'ks') {
        // Binned KS: the statistic at bucket boundaries; the p-value uses the (rounded) counts.
        const ks = ksPValue(ksStatisticBinned(refCounts, curCounts), Math.max(1, Math.round(n1)), Math.max(1, Math.round(n2)));
        return { score: ks.statistic, pValue: ks.pValue, pValueMethod: ks.method };
      }
      if (m.name === 'psi') return { score: psiFromCounts(refCounts, curCounts, m.epsilon) };
      return { score: jensenShannonFromCounts(refCounts, curCounts) };
    },
  };
}

/** The metric families of a drift report (what is pushed to the Pushgateway). */
export function driftMetrics(report: DriftReport, finishedAtMs: number): MetricFamily[] {
  const base = { tenant: report.tenant, model: report.model };
  const perMethod = (value: (f: FeatureReport, r: MethodResult) => number | undefined) =>
    report.features.flatMap((f) =>
      f.results.flatMap((r) => {
        const v = value(f, r);
        return v === undefined ? [] : [{ labels: { ...base, feature: f.name, method: r.method }, value: v }];
      }),
    );
  return [
    { name: D.score, help: 'Drift score per feature and method: KS statistic D, PSI, or Jensen-Shannon distance (base 2).', samples: perMethod((_, r) => r.score) },
    { name: D.pValue, help: 'Two-sided p-value of the two-sample Kolmogorov-Smirnov test.', samples: perMethod((_, r) => r.pValue) },
    { name: D.threshold, help: 'Detection threshold per feature and method (for ks: the significance level of the p-value).', samples: perMethod((_, r) => r.threshold) },
    { name: D.detected, help: '1 when the method detects drift on the feature (alert level), else 0.', samples: perMethod((_, r) => (r.level === 'alert' ? 1 : 0)) },
    { name: D.warning, help: '1 when the score is at or above the warning level (PSI warn; alert level for the other methods), else 0.', samples: perMethod((_, r) => (r.level === 'ok' ? 0 : 1)) },
    {
      name: D.samples,
      help: 'Observations per feature and window.',
      samples: report.features.flatMap((f) => [
        { labels: { ...base, feature: f.name, window: 'reference' }, value: f.referenceCount },
        { labels: { ...base, feature: f.name, window: 'current' }, value: f.currentCount },
      ]),
    },
    { name: D.featuresDrifted, help: 'Number of features with drift detected by at least one method.', samples: [{ labels: base, value: report.driftedFeatures.length }] },
    { name: D.lastSuccess, help: 'Unix time of the last successful drift run.', samples: [{ labels: base, value: finishedAtMs / 1000 }] },
  ];
}
