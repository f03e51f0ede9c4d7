import { assertCounts, assertFinite } from './finite';
import { quantileHistograms, total } from './histogram';
import { BinnedResult, DEFAULT_BINS } from './psi';

/**
 * Jensen-Shannon distance (base 2, so in [0, 1]) between two count vectors over the same bins or
 * categories: sqrt((KL(p||m) + KL(q||m)) / 2) with m = (p + q) / 2, after normalising each vector.
 * Follows the floating-point steps of `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
 */
export function jensenShannonFromCounts(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  if (reference.length !== current.length) throw new RangeError('jensenShannonFromCounts: both count vectors must have the same bins');
  assertCounts(reference, 'jensenShannonFromCounts: reference');
  assertCounts(current, 'jensenShannonFromCounts: current');
  const np = total(reference);
  const nq = total(current);
  if (!(np > 0) || !(nq > 0)) throw new RangeError('jensenShannonFromCounts: both windows need at least one observation');
  let left = 0;
  let right = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] / np;
    const q = current[i] / nq;
    const m = (p + q) / 2;
    if (p > 0) left += p * Math.log(p / m);
    if (q > 0) right += q * Math.log(q / m);
  }
  const js = (left + right) / Math.LN2;
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.min(1, Math.sqrt(Math.max(0, js / 2)));
}

/**
 * Jensen-Shannon distance of two samples over `bins` reference-quantile bins.
 * @throws RangeError on a NaN or infinite value
 * @param sorted both samples are already ascending (skips the sort of the reference)
 */
export function jensenShannon(reference: Float64Array, current: Float64Array, bins: number = DEFAULT_BINS, sorted: boolean = false): BinnedResult {
  assertFinite(reference, 'jensenShannon: reference');
  assertFinite(current, 'jensenShannon: current');
  const h = quantileHistograms(reference, current, bins, sorted);
  return { ...h, value: jensenShannonFromCounts(h.referenceCounts, h.currentCounts) };
}
