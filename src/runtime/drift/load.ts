import { DriftJobConfig, FeatureSpec, PrometheusSource, WindowSpec } from '../../ml/model';
import { badInput } from './errors';
import { PrometheusClient, promqlString, VectorSample } from './prometheus';
import { FeatureObservations, readSamples, WindowObservations } from './samples';

/**
 * Wait for every promise and return their values in order; when some fail, throw the failure of
 * the first one in order (not whichever happened to fail first), so errors are deterministic.
 */
export async function allInOrder<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The observations of both windows. */
export interface DriftData {
  /** The reference (baseline) window. */
  readonly reference: WindowObservations;
  /** The current window. */
  readonly current: WindowObservations;
}

/** Read both windows from the configured source, as of `nowMs` (the end of a window with offset 0). */
export async function loadDriftData(config: DriftJobConfig, nowMs: number): Promise<DriftData> {
  const source = config.source;
  if (source.type === 'samples') {
    const [reference, current] = await allInOrder([
      readSamples(source.reference, source.format, config.features, 'reference samples', config.http),
      readSamples(source.current, source.format, config.features, 'current samples', config.http),
    ]);
    return { reference, current };
  }
  const client = new PrometheusClient(source.url, config.http);
  const read = async (window: WindowSpec, name: string): Promise<WindowObservations> => {
    const entries = await allInOrder(config.features.map(async (f) => [f.name, await featureFromPrometheus(client, source, config, f, window, nowMs, name)] as const));
    return new Map(entries);
  };
  const [reference, current] = await allInOrder([read(config.windows.reference, 'reference'), read(config.windows.current, 'current')]);
  return { reference, current };
}

/** The PromQL that returns a feature's histogram buckets or category counts over a window. */
export function featureQuery(source: PrometheusSource, config: DriftJobConfig, feature: FeatureSpec, window: WindowSpec): string {
  const selector = `{${source.tenantLabel}=${promqlString(config.tenant)},${source.modelLabel}=${promqlString(config.model)}}`;
  const range = window.range.toPrometheus();
  return feature.kind === 'numeric'
    ? `sum by (le) (increase(${feature.metric}_bucket${selector}[${range}]))`
    : `sum by (${source.categoryLabel}) (increase(${feature.metric}${selector}[${range}]))`;
}

async function featureFromPrometheus(
  client: PrometheusClient,
  source: PrometheusSource,
  config: DriftJobConfig,
  feature: FeatureSpec,
  window: WindowSpec,
  nowMs: number,
  windowName: string,
): Promise<FeatureObservations> {
  const query = featureQuery(source, config, feature, window);
  const time = (nowMs - window.offset.toMilliseconds()) / 1000;
  const result = await client.query(query, time);
  const what = `feature '${feature.name}', ${windowName} window (${query} at ${time})`;
  if (result.length === 0) throw badInput(`${what}: Prometheus returned no series`);
  return feature.kind === 'numeric' ? histogramFromBuckets(result, what) : categoriesFromSeries(result, source.categoryLabel, what);
}

/** Turn cumulative `le` buckets into per-bucket counts, validating the bucket layout. */
export function histogramFromBuckets(result: readonly VectorSample[], what: string): FeatureObservations {
  const buckets = result.map((s) => {
    const le = s.metric.le;
    const bound = le === '+Inf' ? Infinity : Number(le);
    if (le === undefined || Number.isNaN(bound)) throw badInput(`${what}: a series without a numeric 'le' label: ${JSON.stringify(s.metric)}`);
    if (!Number.isFinite(s.value)) throw badInput(`${what}: bucket le="${le}" has the value ${s.value}; allowed: a finite count`);
    return { bound, cumulative: s.value };
  });
  buckets.sort((a, b) => a.bound - b.bound);
  if (buckets[buckets.length - 1].bound !== Infinity) throw badInput(`${what}: no le="+Inf" bucket`);
  const upperBounds = Float64Array.from(buckets, (b) => b.bound);
  // increase() extrapolates each bucket separately, so cumulative counts can dip slightly: clamp at 0.
  const counts = Float64Array.from(buckets, (b, i) => Math.max(0, b.cumulative - (i > 0 ? buckets[i - 1].cumulative : 0)));
  return { kind: 'histogram', upperBounds, counts };
}

function categoriesFromSeries(result: readonly VectorSample[], label: string, what: string): FeatureObservations {
  const counts = new Map<string, number>();
  for (const s of result) {
    const category = s.metric[label];
    if (category === undefined) throw badInput(`${what}: a series without the category label '${label}': ${JSON.stringify(s.metric)}`);
    if (!Number.isFinite(s.value) || s.value < 0) throw badInput(`${what}: category "${category}" has the value ${s.value}; allowed: a finite count >= 0`);
    counts.set(category, s.value);
  }
  return { kind: 'categorical', counts };
}
