/**
 * Cross-checks against the reference implementations (scipy 1.10, numpy, scikit-learn 1.2), run
 * live with Debian's /usr/bin/python3 (see reference_stats.py). Tolerances:
 *  - KS statistic: identical (same floating-point steps); p-value: relative 1e-6 (exact and
 *    asymptotic branches agree to ~1e-9 in practice; the slack covers log-space summation order).
 *  - PSI and Jensen-Shannon: absolute 1e-12; bin edges: identical to np.quantile.
 *  - Isolation forest: ROC AUC on planted anomalies within 0.03 of sklearn's IsolationForest
 *    (both forests are random; 0.03 is well above the seed-to-seed spread of either).
 *  - c(n) path-length normalisation: relative 1e-12 against sklearn's _average_path_length.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { averagePathLength, IsolationForest } from '../../../src/runtime/stats/isolation-forest';
import { jensenShannon } from '../../../src/runtime/stats/jensen-shannon';
import { ksTwoSample } from '../../../src/runtime/stats/ks';
import { SeededRandom } from '../../../src/runtime/stats/prng';
import { psi } from '../../../src/runtime/stats/psi';
import { requireSystemPython, runTool } from '../../support/tools';

interface Reference {
  ks: Array<{ statistic: number; pValue: number }>;
  binned: Array<{ psi: number; edges: number[]; js: number }>;
  forest: Array<{ sklearnAuc: number; oursAuc: number }>;
  pathLength: number[];
}

const rng = new SeededRandom(20240601);
const normal = (n: number, mean: number, sd: number, decimals?: number): Float64Array =>
  Float64Array.from({ length: n }, () => {
    const v = mean + sd * rng.nextGaussian();
    return decimals === undefined ? v : Math.round(v * 10 ** decimals) / 10 ** decimals;
  });

// Sizes cover the exact square (n1 = n2), the exact band (n1 != n2), the asymptotic branch with
// small and large en, and the Durbin / Pelz-Good / Smirnov regions of kstwo.
const KS_CASES: Array<[number, number, number, number | undefined]> = [
  [5, 5, 0, undefined], [8, 8, 0.5, 0], [7, 13, 0.3, undefined], [50, 50, 0.3, 1], [100, 37, 1, undefined],
  [1000, 1000, 0.1, undefined], [2000, 3000, 0.05, 2], [4000, 10000, 0, undefined], [10001, 500, 0.2, undefined],
  [20000, 15000, 0.02, undefined], [12000, 3, 0, undefined], [3, 30000, 1, undefined], [50, 20000, 0.3, undefined],
  [141, 20000, 0.2, undefined], [150000, 200000, 0.01, undefined], [200000, 150000, 0.005, 1],
];

const BINNED_CASES: Array<{ a: Float64Array; b: Float64Array; bins: number; epsilon: number }> = [
  { a: normal(5000, 0, 1), b: normal(4000, 0.2, 1.1), bins: 10, epsilon: 1e-4 },
  { a: normal(3000, 0, 1, 0), b: normal(3000, 0.5, 1, 0), bins: 10, epsilon: 1e-4 }, // ties: repeated edges
  { a: normal(1000, 0, 1), b: normal(1000, 6, 1), bins: 20, epsilon: 1e-3 }, // empty bins
  { a: normal(200000, 10, 3), b: normal(100000, 10, 3), bins: 10, epsilon: 1e-4 },
];

function plantedAnomalies(seed: number): { x: Float64Array; labels: Float64Array; dims: number } {
  const r = new SeededRandom(seed);
  const dims = 4;
  const normalCount = 2000;
  const anomalyCount = 60;
  const x = new Float64Array((normalCount + anomalyCount) * dims);
  const labels = new Float64Array(normalCount + anomalyCount);
  for (let i = 0; i < normalCount + anomalyCount; i++) {
    const anomalous = i >= normalCount;
    labels[i] = anomalous ? 1 : 0;
    for (let d = 0; d < dims; d++) x[i * dims + d] = anomalous ? (r.nextFloat() * 2 - 1) * 6 : r.nextGaussian() + (d === 0 ? 0.5 * r.nextGaussian() : 0);
  }
  return { x, labels, dims };
}

let reference: Reference;
const ours = {
  ks: KS_CASES.map(([n1, n2, shift, decimals]) => {
    const a = normal(n1, 0, 1, decimals);
    const b = normal(n2, shift, 1, decimals);
    return { a, b, result: ksTwoSample(a, b) };
  }),
  binned: BINNED_CASES.map((c) => ({ ...c, psi: psi(c.a, c.b, c.bins, c.epsilon), js: jensenShannon(c.a, c.b, c.bins) })),
  forest: [0, 1, 2].map((seed) => {
    const data = plantedAnomalies(100 + seed);
    const forest = IsolationForest.fit(data.x, data.dims, { seed });
    return { ...data, seed, scores: forest.score(data.x) };
  }),
  pathLength: [1, 2, 3, 10, 256, 1000, 123456],
};

beforeAll(() => {
  const python = requireSystemPython(['numpy', 'scipy', 'sklearn']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-reference-'));
  let fileNo = 0;
  const write = (values: Float64Array): string => {
    const file = path.join(dir, `${fileNo++}.f64`);
    fs.writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    return file;
  };
  const manifest = {
    ks: ours.ks.map((c) => ({ a: write(c.a), b: write(c.b) })),
    binned: ours.binned.map((c) => ({ a: write(c.a), b: write(c.b), bins: c.bins, epsilon: c.epsilon })),
    forest: ours.forest.map((c) => ({ x: write(c.x), labels: write(c.labels), ours: write(c.scores), dims: c.dims, seed: c.seed })),
    pathLength: ours.pathLength,
  };
  const manifestFile = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  reference = JSON.parse(runTool(python, [path.join(__dirname, 'reference_stats.py'), manifestFile])) as Reference;
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('two-sample Kolmogorov-Smirnov against scipy.stats.ks_2samp(method="auto")', () => {
  test.each(KS_CASES.map((c, i) => [i, ...c]))('case %i: n1=%i n2=%i shift=%d', (i) => {
    const { result } = ours.ks[i as number];
    const ref = reference.ks[i as number];
    expect(result.statistic).toBe(ref.statistic);
    expectRelative(result.pValue, ref.pValue, 1e-6);
  });

  test('covers both p-value methods', () => {
    expect(new Set(ours.ks.map((c) => c.result.method))).toEqual(new Set(['exact', 'asymptotic']));
  });
});

describe('PSI (direct numpy computation) and Jensen-Shannon (scipy.spatial.distance.jensenshannon, base 2)', () => {
  test.each(BINNED_CASES.map((c, i) => [i, c.a.length, c.b.length, c.bins]))('case %i: %i vs %i samples, %i bins', (i) => {
    const c = ours.binned[i as number];
    const ref = reference.binned[i as number];
    // + 0 turns -0 into 0: numpy's sort does not order -0 before 0, ours does.
    expect([...c.psi.edges].map((e) => e + 0)).toEqual(ref.edges);
    expect(Math.abs(c.psi.value - ref.psi)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(c.js.value - ref.js)).toBeLessThanOrEqual(1e-12);
  });
});

describe('isolation forest against sklearn.ensemble.IsolationForest', () => {
  test.each([0, 1, 2])('ROC AUC on planted anomalies within 0.03 of sklearn (seed %i)', (seed) => {
    const ref = reference.forest[seed];
    expect(ref.oursAuc).toBeGreaterThan(0.9);
    expect(Math.abs(ref.oursAuc - ref.sklearnAuc)).toBeLessThanOrEqual(0.03);
  });

  test('c(n) path-length normalisation equals sklearn', () => {
    ours.pathLength.forEach((n, i) => expectRelative(averagePathLength(n), reference.pathLength[i], 1e-12));
  });
});
