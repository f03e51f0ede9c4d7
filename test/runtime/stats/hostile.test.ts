/**
 * Inputs the statistics must refuse or survive: NaN and infinities in a sample, and values so far
 * apart that the difference of two order statistics overflows the double range.
 */
import fc from 'fast-check';
import { quantileHistograms } from '../../../src/runtime/stats/histogram';
import { jensenShannon, jensenShannonFromCounts } from '../../../src/runtime/stats/jensen-shannon';
import { ksTwoSample, ksTwoSampleSorted } from '../../../src/runtime/stats/ks';
import { psi, psiFromCounts } from '../../../src/runtime/stats/psi';
import { sortedCopy } from '../../../src/runtime/stats/sort';

const ok = Float64Array.from([1, 2, 3, 4]);

test.each<[string, () => unknown, string]>([
  ['ksTwoSample with NaN', () => ksTwoSample(Float64Array.from([1, NaN, 3]), ok), 'ksTwoSample: first sample[1] is NaN; samples must be finite numbers'],
  ['ksTwoSample with Infinity', () => ksTwoSample(ok, Float64Array.from([Infinity])), 'ksTwoSample: second sample[0] is Infinity; samples must be finite numbers'],
  ['ksTwoSampleSorted with NaN', () => ksTwoSampleSorted(ok, Float64Array.from([1, NaN])), 'ksTwoSampleSorted: second sample[1] is NaN; samples must be finite numbers'],
  ['psi with NaN', () => psi(Float64Array.from([NaN, 1, 2]), ok), 'psi: reference[0] is NaN; samples must be finite numbers'],
  ['psi with -Infinity', () => psi(ok, Float64Array.from([1, -Infinity])), 'psi: current[1] is -Infinity; samples must be finite numbers'],
  ['jensenShannon with NaN', () => jensenShannon(ok, Float64Array.from([NaN])), 'jensenShannon: current[0] is NaN; samples must be finite numbers'],
  ['psiFromCounts with a NaN count', () => psiFromCounts([1, NaN], [1, 1]), 'psiFromCounts: reference[1] is NaN; counts must be finite and non-negative'],
  ['jensenShannonFromCounts with a negative count', () => jensenShannonFromCounts([1, 1], [2, -1]), 'jensenShannonFromCounts: current[1] is -1; counts must be finite and non-negative'],
])('fails on %s', (_name, run, message) => {
  expect(run).toThrow(RangeError);
  expect(run).toThrow(message);
});

test('bins stay correct when an edge interpolates between order statistics ±9e307 apart', () => {
  // With 5 values and 3 bins the first edge lies a third of the way from -9e307 to 9e307: their
  // difference overflows to Infinity, and an infinite edge was counted with 2 values below it instead of 5.
  const reference = Float64Array.from([9e307, -9e307, 9e307, -9e307, 9e307]);
  const current = Float64Array.from([-9e307, 9e307, 0, 5, -5, 9e307]);
  const three = quantileHistograms(reference, current, 3, false);
  expect(three.edges).toHaveLength(2);
  expect(three.edges[0]).toBeCloseTo(-3e307, -300);
  expect(three.edges[1]).toBe(9e307);
  expect(three.referenceCounts).toEqual(Float64Array.from([2, 0, 3]));
  expect(three.currentCounts).toEqual(Float64Array.from([1, 3, 2]));
  for (const bins of [2, 3, 4, 10]) {
    const unsorted = quantileHistograms(reference, current, bins, false);
    const sorted = quantileHistograms(sortedCopy(reference), sortedCopy(current), bins, true);
    expect([...unsorted.edges].every(Number.isFinite)).toBe(true);
    expect(unsorted).toEqual(sorted);
    expect(unsorted.referenceCounts.reduce((s, c) => s + c, 0)).toBe(reference.length);
    expect(unsorted.currentCounts.reduce((s, c) => s + c, 0)).toBe(current.length);
  }
  expect(Number.isFinite(psi(reference, current, 4).value)).toBe(true);
  expect(jensenShannon(reference, reference, 4).value).toBe(0);
});

test('the unsorted and sorted binning agree on samples spanning the whole double range', () => {
  const wide = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(9e307, -9e307, 1.7976931348623157e308, -1.7976931348623157e308));
  const sample = fc.array(wide, { minLength: 1, maxLength: 40 }).map((xs) => Float64Array.from(xs));
  fc.assert(
    fc.property(sample, sample, fc.integer({ min: 2, max: 12 }), (r, c, bins) => {
      const unsorted = quantileHistograms(r, c, bins, false);
      const sorted = quantileHistograms(sortedCopy(r), sortedCopy(c), bins, true);
      expect(unsorted.referenceCounts).toEqual(sorted.referenceCounts);
      expect(unsorted.currentCounts).toEqual(sorted.currentCounts);
      expect(unsorted.referenceCounts.reduce((s, x) => s + x, 0)).toBe(r.length);
    }),
  );
});
