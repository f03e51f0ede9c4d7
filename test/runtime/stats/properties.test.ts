import fc from 'fast-check';
import { quantileEdges, quantileHistograms, selectOrderStatistics } from '../../../src/runtime/stats/histogram';
import { IsolationForest } from '../../../src/runtime/stats/isolation-forest';
import { jensenShannon, jensenShannonFromCounts } from '../../../src/runtime/stats/jensen-shannon';
import { ksStatisticBinned, ksTwoSample } from '../../../src/runtime/stats/ks';
import { SeededRandom } from '../../../src/runtime/stats/prng';
import { psi, psiFromCounts } from '../../../src/runtime/stats/psi';
import { sortedCopy } from '../../../src/runtime/stats/sort';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const sample = fc.array(fc.oneof(finite, fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 60 }).map((xs) => Float64Array.from(xs));
const counts = (n: number) => fc.array(fc.nat(1000), { minLength: n, maxLength: n }).filter((xs) => xs.some((x) => x > 0));

describe('Kolmogorov-Smirnov properties', () => {
  test('statistic in [0, 1], p-value in [0, 1], symmetric in its arguments', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = ksTwoSample(a, b);
        const ba = ksTwoSample(b, a);
        expect(ab.statistic).toBeGreaterThanOrEqual(0);
        expect(ab.statistic).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ba.statistic).toBe(ab.statistic);
        expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
      }),
    );
  });

  test('zero statistic and p-value 1 for identical samples (in any order)', () => {
    fc.assert(
      fc.property(sample, (a) => {
        const r = ksTwoSample(a, Float64Array.from(a).reverse());
        expect(r.statistic).toBe(0);
        expect(r.pValue).toBe(1);
      }),
    );
  });

  test('statistic 1 for fully separated samples', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 1, max: 1e6, noNaN: true }), (a, gap) => {
        let max = -Infinity;
        a.forEach((v) => (max = Math.max(max, v)));
        expect(ksTwoSample(a, a.map((v) => v - Math.min(...a) + max + gap)).statistic).toBe(1);
      }),
    );
  });

  test('binned statistic in [0, 1]', () => {
    fc.assert(fc.property(counts(8), counts(8), (a, b) => expect(ksStatisticBinned(a, b)).toBeLessThanOrEqual(1)));
  });
});

describe('PSI and Jensen-Shannon properties', () => {
  test('PSI >= 0 and zero for equal proportions', () => {
    fc.assert(
      fc.property(counts(6), counts(6), fc.integer({ min: 1, max: 9 }), (a, b, k) => {
        expect(psiFromCounts(a, b)).toBeGreaterThanOrEqual(0);
        expect(psiFromCounts(a, a.map((x) => x * k))).toBeCloseTo(0, 12);
      }),
    );
  });

  test('Jensen-Shannon distance in [0, 1], symmetric, zero for equal proportions', () => {
    fc.assert(
      fc.property(counts(6), counts(6), (a, b) => {
        const d = jensenShannonFromCounts(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(jensenShannonFromCounts(b, a)).toBeCloseTo(d, 12);
        expect(jensenShannonFromCounts(a, a)).toBe(0);
      }),
    );
  });

  test('Jensen-Shannon distance is 1 for disjoint supports', () => {
    expect(jensenShannonFromCounts([5, 0, 0], [0, 3, 4])).toBeCloseTo(1, 12);
  });

  test('sample-based PSI and Jensen-Shannon are non-negative and bins are strictly increasing', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: 2, max: 20 }), (a, b, bins) => {
        expect(psi(a, b, bins).value).toBeGreaterThanOrEqual(0);
        expect(jensenShannon(a, b, bins).value).toBeGreaterThanOrEqual(0);
        const edges = quantileEdges(sortedCopy(a), bins);
        for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1]);
      }),
    );
  });
});

describe('sorting and randomness', () => {
  test('radix sort agrees with the built-in sort on large arrays (including -0, subnormals, extremes)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 4096, maxLength: 6000 }), (xs) => {
        const a = Float64Array.from(xs);
        expect(sortedCopy(a)).toEqual(Float64Array.from(xs).sort());
      }),
      { numRuns: 20 },
    );
  });

  test('selection finds the same order statistics and edges as a full sort', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(finite, fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 30 }), (xs, bins) => {
        const a = Float64Array.from(xs);
        const sorted = sortedCopy(a);
        const ranks = [...new Set(xs.map((_, i) => (i * 7) % xs.length))].sort((x, y) => x - y);
        selectOrderStatistics(a, ranks).forEach((v, r) => expect(v).toBe(sorted[r]));
        expect(quantileEdges(a, bins, false)).toEqual(quantileEdges(sorted, bins));
        const bySelection = quantileHistograms(a, a, bins, false);
        const bySort = quantileHistograms(sorted, sorted, bins, true);
        expect(bySelection.referenceCounts).toEqual(bySort.referenceCounts);
        expect(bySelection.currentCounts).toEqual(bySort.currentCounts);
      }),
    );
  });

  test('equal seeds give equal sequences, different seeds differ', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xa = Array.from({ length: 100 }, () => a.nextFloat());
    expect(Array.from({ length: 100 }, () => b.nextFloat())).toEqual(xa);
    expect(Array.from({ length: 100 }, () => c.nextFloat())).not.toEqual(xa);
    expect(xa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test('isolation forest scores reproduce from the seed and lie in (0, 1]', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 6, maxLength: 300 }), fc.nat(1000), (xs, seed) => {
        const data = Float64Array.from(xs.slice(0, xs.length - (xs.length % 3)));
        const s1 = IsolationForest.fit(data, 3, { seed, trees: 10 }).score(data);
        const s2 = IsolationForest.fit(data, 3, { seed, trees: 10 }).score(data);
        expect(s1).toEqual(s2);
        s1.forEach((s) => {
          expect(s).toBeGreaterThan(0);
          expect(s).toBeLessThanOrEqual(1);
        });
      }),
      { numRuns: 30 },
    );
  });

  test('fails on data that does not fit the dimensions', () => {
    expect(() => IsolationForest.fit(new Float64Array(7), 3)).toThrow('IsolationForest: data length 7 is not a positive multiple of 3 dimensions');
  });
});
