import { assertCounts, assertFinite } from './finite';
import { QuantileHistograms, quantileHistograms, total } from './histogram';

/** Default number of reference-quantile bins for PSI and binned Jensen-Shannon. */
export const DEFAULT_BINS = 10;
/** Default proportion that replaces an empty bin's zero in PSI. */
export const DEFAULT_PSI_EPSILON = 1e-4;

/** A binned comparison of two samples: the score and the histograms it was computed from. */
export interface BinnedResult extends QuantileHistograms {
  /** The score (PSI, or Jensen-Shannon distance). */
  readonly value: number;
}

/**
 * Population Stability Index of two count vectors over the same bins:
 * sum_i (c_i - r_i) * ln(c_i / r_i) over the proportions r (reference) and c (current), where an
 * empty bin's proportion is replaced by `epsilon` so the logarithm stays finite. Always >= 0.
 */
export function psiFromCounts(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon: number = DEFAULT_PSI_EPSILON): number {
  if (reference.length !== current.length) throw new RangeError('psiFromCounts: both count vectors must have the same bins');
  assertCounts(reference, 'psiFromCounts: reference');
  assertCounts(current, 'psiFromCounts: current');
  const nr = total(reference);
  const nc = total(current);
  if (!(nr > 0) || !(nc > 0)) throw new RangeError('psiFromCounts: both windows need at least one observation');
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] > 0 ? reference[i] / nr : epsilon;
    const c = current[i] > 0 ? current[i] / nc : epsilon;
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/**
 * PSI of two samples over `bins` reference-quantile bins.
 * @throws RangeError on a NaN or infinite value
 * @param sorted both samples are already ascending (skips the sort of the reference)
 */
export function psi(reference: Float64Array, current: Float64Array, bins: number = DEFAULT_BINS, epsilon: number = DEFAULT_PSI_EPSILON, sorted: boolean = false): BinnedResult {
  assertFinite(reference, 'psi: reference');
  assertFinite(current, 'psi: current');
  const h = quantileHistograms(reference, current, bins, sorted);
  return { ...h, value: psiFromCounts(h.referenceCounts, h.currentCounts, epsilon) };
}
