/**
 * Sorting and searching on `Float64Array`s, the one representation every statistic here works on.
 */

/** Below this length the built-in comparison sort wins over the radix passes. */
const RADIX_THRESHOLD = 4096;

/**
 * A sorted copy of `values` (ascending; -0 before +0). The input is left untouched.
 *
 * Large arrays use a least-significant-digit radix sort over the IEEE-754 bit patterns (four
 * 16-bit passes), which is several times faster than `Float64Array.prototype.sort` at a million
 * elements. NaN must not occur (callers validate finiteness first).
 */
export function sortedCopy(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_THRESHOLD) return Float64Array.from(values).sort();
  const out = new Float64Array(n);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  // Keys as (hi, lo) 32-bit words mapped so unsigned order equals numeric order: flip every bit
  // of negatives, only the sign bit of positives.
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1];
    const l = bits[2 * i];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(src[i] >>> shift) & 0xffff]++;
    // A digit shared by every key (common in the exponent bits) needs no pass.
    if (counts[(src[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const pos = counts[(src[i] >>> shift) & 0xffff]++;
      hi2[pos] = hi[i];
      lo2[pos] = lo[i];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const h = hi[i];
    if (h & 0x80000000) {
      outBits[2 * i + 1] = (h & 0x7fffffff) >>> 0;
      outBits[2 * i] = lo[i];
    } else {
      outBits[2 * i + 1] = ~h >>> 0;
      outBits[2 * i] = ~lo[i] >>> 0;
    }
  }
  return out;
}

/** Number of elements of ascending `sorted` strictly less than `x` (numpy `searchsorted(side='left')`). */
export function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of ascending `sorted` less than or equal to `x` (numpy `searchsorted(side='right')`). */
export function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
