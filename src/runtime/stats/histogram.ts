import { lowerBound, upperBound } from './sort';

/**
 * The `q`-quantile from an accessor of order statistics (`at(i)` = the i-th smallest value), with
 * linear interpolation computed with the same floating-point steps as numpy's default
 * `np.quantile(method='linear')`, so bin edges agree with numpy to the last bit, except where
 * numpy's difference of the two order statistics overflows (then the edge stays finite).
 */
function linearQuantile(n: number, q: number, at: (i: number) => number): number {
  const virtualIndex = (n - 1) * q;
  const prev = Math.min(Math.max(Math.floor(virtualIndex), 0), n - 1);
  const next = Math.min(prev + 1, n - 1);
  const gamma = virtualIndex - Math.floor(virtualIndex);
  const a = at(prev);
  const b = at(next);
  const diff = b - a;
  // Order statistics more than the largest double apart (beyond about ±9e307) overflow the
  // difference to Infinity, and numpy's formula then yields an infinite edge that every value
  // falls below (or none): interpolate from the halves instead, which stays between a and b.
  if (!Number.isFinite(diff)) return Math.min(b, Math.max(a, (a / 2 + (b / 2 - a / 2) * gamma) * 2));
  // numpy's _lerp: interpolate from the nearer end for accuracy.
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** The `q`-quantile of an ascending sample (numpy's default linear method). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantileSorted: empty sample');
  return linearQuantile(sorted.length, q, (i) => sorted[i]);
}

/**
 * Interior bin edges at the reference quantiles 1/bins, 2/bins, ..., (bins-1)/bins, with repeated
 * edges (from ties in the reference) dropped. The outer bins are open, so every value lands in a
 * bin: bin k holds edges[k-1] <= x < edges[k] (numpy `searchsorted(edges, x, side='right')`).
 * @param sorted whether `reference` is ascending; otherwise the needed order statistics are found
 *   by selection on a copy (linear time, no full sort)
 */
export function quantileEdges(reference: Float64Array, bins: number, sorted: boolean = true): Float64Array {
  return edgesWithCounts(reference, bins, sorted).edges;
}

/**
 * The edges of {@link quantileEdges}, plus (when selection could prove them) the number of
 * reference values below each edge: an edge strictly above the lower order statistic it
 * interpolates from (rank r) has exactly r + 1 values below it, which saves a counting pass.
 */
function edgesWithCounts(reference: Float64Array, bins: number, sorted: boolean): { edges: Float64Array; below?: number[] } {
  const n = reference.length;
  if (n === 0) throw new RangeError('quantileEdges: empty sample');
  const qs = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  let at: (i: number) => number = (i) => reference[i];
  if (!sorted) {
    const ranks = new Set<number>();
    for (const q of qs) linearQuantile(n, q, (i) => (ranks.add(i), 0));
    const selected = selectOrderStatistics(reference, [...ranks].sort((x, y) => x - y));
    at = (i) => selected.get(i) as number;
  }
  const edges: number[] = [];
  let below: number[] | undefined = [];
  for (const q of qs) {
    let lowest = Infinity;
    let lowestRank = -1;
    const e = linearQuantile(n, q, (i) => {
      const v = at(i);
      if (lowestRank < 0 || i < lowestRank) {
        lowest = v;
        lowestRank = i;
      }
      return v;
    });
    if (edges.length === 0 || e > edges[edges.length - 1]) {
      edges.push(e);
      if (below && e > lowest) below.push(lowestRank + 1);
      else below = undefined;
    }
  }
  return { edges: Float64Array.from(edges), ...(below ? { below } : {}) };
}

/**
 * The order statistics at the ascending `ranks` (0-based), by multi-quickselect on a copy:
 * expected O(n log k) for k ranks instead of a full sort.
 */
export function selectOrderStatistics(values: Float64Array, ranks: readonly number[]): Map<number, number> {
  const a = Float64Array.from(values);
  const out = new Map<number, number>();
  const stack: Array<[number, number, number, number]> = [[0, a.length - 1, 0, ranks.length]];
  while (stack.length) {
    const [lo0, hi0, r0, r1] = stack.pop() as [number, number, number, number];
    if (r0 >= r1) continue;
    let lo = lo0;
    let hi = hi0;
    if (hi - lo < 32) {
      a.subarray(lo, hi + 1).sort();
      for (let r = r0; r < r1; r++) out.set(ranks[r], a[ranks[r]]);
      continue;
    }
    // Median of three as pivot, then a Hoare partition.
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] == pivot.
    let split0 = r0;
    while (split0 < r1 && ranks[split0] <= j) split0++;
    let split1 = split0;
    while (split1 < r1 && ranks[split1] < i) {
      out.set(ranks[split1], pivot);
      split1++;
    }
    stack.push([lo, j, r0, split0], [i, hi, split1, r1]);
  }
  return out;
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

/** Counts per bin (edges.length + 1 bins) of an unsorted sample. */
export function binCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const m = edges.length;
  const counts = new Int32Array(m + 1);
  if (m <= 16) {
    // For few edges a compare-and-add over all of them beats a binary search (no mispredicted branches).
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      let k = 0;
      for (let j = 0; j < m; j++) k += x >= edges[j] ? 1 : 0;
      counts[k]++;
    }
  } else {
    for (let i = 0; i < values.length; i++) counts[upperBound(edges, values[i])]++;
  }
  return Float64Array.from(counts);
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
 * and counted by a binary search per edge; otherwise the edges come from selection (no sort) and
 * every value is binned by a binary search over the edges.
 */
export function quantileHistograms(reference: Float64Array, current: Float64Array, bins: number, sorted: boolean): QuantileHistograms {
  if (sorted) {
    const edges = quantileEdges(reference, bins);
    return { edges, referenceCounts: binCountsSorted(reference, edges), currentCounts: binCountsSorted(current, edges) };
  }
  const { edges, below } = edgesWithCounts(reference, bins, false);
  const referenceCounts = below ? countsFromBelow(below, reference.length) : binCounts(reference, edges);
  return { edges, referenceCounts, currentCounts: binCounts(current, edges) };
}

function countsFromBelow(below: readonly number[], n: number): Float64Array {
  return Float64Array.from({ length: below.length + 1 }, (_, k) => (k < below.length ? below[k] : n) - (k > 0 ? below[k - 1] : 0));
}
