/**
 * Input checks shared by the statistics: a NaN or an infinity in a sample has no place in an
 * empirical distribution (NaN compares false with everything, so sorting and counting go wrong
 * silently), so every entry point refuses them with the position of the first one.
 */

/**
 * Throw a `RangeError` naming the first entry of `values` that is NaN or infinite.
 * @param what how the caller names the array, e.g. `ksTwoSample: reference`
 */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}] is ${v}; samples must be finite numbers`);
  }
}

/** Throw a `RangeError` naming the first count that is negative, NaN or infinite. */
export function assertCounts(counts: ArrayLike<number>, what: string): void {
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isFinite(c) || c < 0) throw new RangeError(`${what}[${i}] is ${c}; counts must be finite and non-negative`);
  }
}
