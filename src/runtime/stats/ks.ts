import { kolmogorovSurvival } from './kolmogorov';
import { assertFinite } from './finite';
import { sortedCopy } from './sort';

/** Largest sample size for which the exact p-value is attempted (scipy's `MAX_AUTO_N`). */
export const KS_EXACT_MAX_N = 10000;

/** Result of a two-sample Kolmogorov-Smirnov test. */
export interface KsResult {
  /** The statistic D: the largest distance between the two empirical CDFs, in [0, 1]. */
  readonly statistic: number;
  /** Two-sided p-value under the null hypothesis that both samples come from one distribution. */
  readonly pValue: number;
  /** How the p-value was computed. */
  readonly method: 'exact' | 'asymptotic';
}

/**
 * The two-sample KS statistic of two ascending samples: sup |F1(x) - F2(x)| evaluated at every
 * sample point, with ties handled like scipy (`searchsorted(side='right')`). O(n1 + n2).
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ksStatisticSorted: both samples must be non-empty');
  let i = 0;
  let j = 0;
  let max = 0;
  let min = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    else if (diff < min) min = diff;
  }
  return -min > max ? -min : max;
}

/**
 * The KS statistic of two binned samples (e.g. Prometheus histogram buckets): the largest distance
 * between the cumulative proportions at the bin boundaries. `a` and `b` are counts over the same bins.
 */
export function ksStatisticBinned(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = sum(a);
  const n2 = sum(b);
  let ca = 0;
  let cb = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    ca += a[i];
    cb += b[i];
    d = Math.max(d, Math.abs(ca / n1 - cb / n2));
  }
  return d;
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

/**
 * Two-sided p-value of the two-sample KS statistic `d` for sample sizes `n1` and `n2`, with the
 * semantics of `scipy.stats.ks_2samp(method='auto')`: exact (lattice-path counting) when both sizes
 * are at most {@link KS_EXACT_MAX_N}, otherwise the asymptotic distribution of D_en with
 * en = round(n1*n2/(n1+n2)); an exact attempt that loses precision falls back to the asymptotic one.
 * In exact mode the returned statistic is `d` rounded to the lattice (a multiple of 1/lcm(n1, n2)).
 */
export function ksPValue(d: number, n1: number, n2: number): KsResult {
  if (!Number.isInteger(n1) || !Number.isInteger(n2) || n1 <= 0 || n2 <= 0) {
    throw new RangeError(`ksPValue: sample sizes must be positive integers, got ${n1} and ${n2}`);
  }
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const exact = exactTwoSample(d, n1, n2);
    if (exact.pValue !== undefined) return { statistic: exact.statistic, pValue: exact.pValue, method: 'exact' };
    // Like scipy, the fallback keeps the statistic rounded to the lattice.
    d = exact.statistic;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSurvival(Math.max(1, roundHalfEven(en)), d), method: 'asymptotic' };
}

/** Two-sample KS test on unsorted samples (sorts copies; the inputs are not modified). */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  assertFinite(a, 'ksTwoSample: first sample');
  assertFinite(b, 'ksTwoSample: second sample');
  return ksTwoSampleSorted(sortedCopy(a), sortedCopy(b));
}

/** Two-sample KS test on samples already sorted ascending. @throws RangeError on a NaN or infinite value */
export function ksTwoSampleSorted(a: Float64Array, b: Float64Array): KsResult {
  assertFinite(a, 'ksTwoSampleSorted: first sample');
  assertFinite(b, 'ksTwoSampleSorted: second sample');
  return ksPValue(ksStatisticSorted(a, b), a.length, b.length);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The exact p-value, or no p-value when the computation lost precision (then use the asymptotic one). */
function exactTwoSample(d: number, n1: number, n2: number): { statistic: number; pValue?: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return Number.isFinite(p) && p >= 0 && p <= 1 ? { statistic, pValue: p } : { statistic };
}

/**
 * Pr(D_{n,n} >= h/n) for equal sample sizes: the alternating series
 * 2 * sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n), evaluated Horner-style to avoid cancellation.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm(m,n)
 * (Hodges 1958), computed directly as 1 - p with Viehmann's (2021) numerically stable recursion
 * over one sliding column.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(Math.max(lenA, 1)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}
