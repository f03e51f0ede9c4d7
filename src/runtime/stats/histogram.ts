import { lowerBound, sortedCopy, upperBound } from './sort';

/**
 * The `q`-quantile of an ascending sample with linear interpolation between order statistics,
 * computed with the same floating-point steps as numpy's default `np.quantile(method='linear')`
 * so that bin edges agree with numpy to the last bit.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileSorted: empty sample');
  const virtualIndex = (n - 1) * q;
  const prev = Math.min(Math.max(Math.floor(virtualIndex), 0), n - 1);
  const next = Math.min(prev + 1, n - 1);
  const gamma = virtualIndex - Math.floor(virtualIndex);
  const a = sorted[prev];
  const b = sorted[next];
  const diff = b - a;
  // numpy's _lerp: interpolate from the nearer end for accuracy.
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * Interior bin edges at the reference quantiles 1/bins, 2/bins, ..., (bins-1)/bins, with repeated
 * edges (from ties in the reference) dropped. The outer bins are open, so every value lands in a
 * bin: bin k holds edges[k-1] <= x < edges[k] (numpy `searchsorted(edges, x, side='right')`).
 */
export function quantileEdges(sortedReference: Float64Array, bins: number): Float64Array {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sortedReference, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return Float64Array.from(edges);
}

/** Counts per bin (edges.length + 1 bins) of an ascending sample, by binary search at each edge. */
export function binCountsSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let before = 0;
  for (let k = 0; k < edges.length; k++) {
    const below = lowerBound(sorted, edges[k]);
    counts[k] = below - before;
    before = below;
  }
  counts[edges.length] = sorted.length - before;
  return counts;
}

/** Counts per bin (edges.length + 1 bins) of an unsorted sample, by binary search per value. */
export function binCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) counts[upperBound(edges, values[i])]++;
  return counts;
}

/** Category counts of both windows aligned over the union of categories (sorted by name). */
export interface AlignedCategories {
  /** The categories, in the order of the count arrays. */
  readonly categories: readonly string[];
  /** Reference count per category. */
  readonly reference: Float64Array;
  /** Current count per category. */
  readonly current: Float64Array;
}

/** Align two category-frequency maps over the union of their categories. */
export function alignCategories(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): AlignedCategories {
  const categories = [...new Set([...reference.keys(), ...current.keys()])].sort();
  return {
    categories,
    reference: Float64Array.from(categories, (c) => reference.get(c) ?? 0),
    current: Float64Array.from(categories, (c) => current.get(c) ?? 0),
  };
}

/** The sum of an array of counts. */
export function total(counts: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += counts[i];
  return s;
}

/** Both windows binned over the reference quantiles. */
export interface QuantileHistograms {
  /** Interior bin edges taken from the reference quantiles. */
  readonly edges: Float64Array;
  /** Reference count per bin. */
  readonly referenceCounts: Float64Array;
  /** Current count per bin. */
  readonly currentCounts: Float64Array;
}

/**
 * Bin both windows over `bins` reference-quantile bins. With `sorted`, both inputs are ascending
 * and counted by a binary search per edge; otherwise the reference is sorted once (a copy) and the
 * current values are binned by a binary search per value.
 */
export function quantileHistograms(reference: Float64Array, current: Float64Array, bins: number, sorted: boolean): QuantileHistograms {
  if (sorted) {
    const edges = quantileEdges(reference, bins);
    return { edges, referenceCounts: binCountsSorted(reference, edges), currentCounts: binCountsSorted(current, edges) };
  }
  const sortedReference = sortedCopy(reference);
  const edges = quantileEdges(sortedReference, bins);
  return { edges, referenceCounts: binCountsSorted(sortedReference, edges), currentCounts: binCounts(current, edges) };
}
