import { SeededRandom } from './prng';

const EULER_GAMMA = 0.5772156649015329;

/** Options of {@link IsolationForest.fit}. */
export interface IsolationForestOptions {
  /**
   * Number of trees.
   * @default 100
   */
  readonly trees?: number;
  /**
   * Points drawn (without replacement) to grow each tree; capped at the number of points.
   * @default 256
   */
  readonly subsampleSize?: number;
  /**
   * Seed of the pseudo-random generator; equal seeds and data give equal forests and scores.
   * @default 0
   */
  readonly seed?: number;
}

/**
 * Average path length of an unsuccessful search in a binary search tree of `n` points, c(n), used to
 * normalise isolation depths: c(n) = 2 H(n-1) - 2 (n-1)/n, with c(1) = 0 and c(2) = 1.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * An isolation forest (Liu, Ting & Zhou 2008): each tree isolates a random subsample by splitting
 * on a random feature at a uniform random threshold between the node's minimum and maximum, up to
 * depth ceil(log2(subsampleSize)). A point's anomaly score is 2^(-E[h(x)] / c(subsampleSize)),
 * where h(x) is the depth at which it lands plus c(size of that leaf): near 1 for anomalies,
 * around 0.5 or below for normal points.
 *
 * Points are rows of a row-major `Float64Array` with `dimensions` columns.
 */
export class IsolationForest {
  /**
   * Grow a forest over `data` (row-major, `dimensions` columns).
   * @throws RangeError when there are no points or the data length is not a multiple of `dimensions`
   */
  public static fit(data: Float64Array, dimensions: number, options: IsolationForestOptions = {}): IsolationForest {
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`IsolationForest: dimensions must be a positive integer, got ${dimensions}`);
    if (data.length === 0 || data.length % dimensions !== 0) {
      throw new RangeError(`IsolationForest: data length ${data.length} is not a positive multiple of ${dimensions} dimensions`);
    }
    const trees = options.trees ?? 100;
    const n = data.length / dimensions;
    const sampleSize = Math.min(options.subsampleSize ?? 256, n);
    const rng = new SeededRandom(options.seed ?? 0);
    const maxDepth = Math.ceil(Math.log2(Math.max(sampleSize, 2)));
    const builder = new TreeBuilder(data, dimensions, maxDepth, rng);
    const pool = new Int32Array(n);
    const roots: number[] = [];
    for (let t = 0; t < trees; t++) {
      // Partial Fisher-Yates shuffle: the first sampleSize entries are a uniform subsample.
      for (let i = 0; i < n; i++) pool[i] = i;
      for (let i = 0; i < sampleSize; i++) {
        const j = i + rng.nextInt(n - i);
        const tmp = pool[i];
        pool[i] = pool[j];
        pool[j] = tmp;
      }
      roots.push(builder.grow(pool.slice(0, sampleSize)));
    }
    return new IsolationForest(dimensions, sampleSize, Int32Array.from(roots), builder.finish());
  }

  private constructor(
    /** Number of columns per point. */
    public readonly dimensions: number,
    /** Points per tree. */
    public readonly subsampleSize: number,
    private readonly roots: Int32Array,
    private readonly nodes: NodeArrays,
  ) {}

  /** Anomaly scores of the rows of `data` (row-major, same dimensions as the training data). */
  public score(data: Float64Array): Float64Array {
    const d = this.dimensions;
    if (data.length % d !== 0) throw new RangeError(`IsolationForest: data length ${data.length} is not a multiple of ${d} dimensions`);
    const n = data.length / d;
    const depth = new Float64Array(n);
    const { feature, threshold, left, right, leafDepth } = this.nodes;
    for (let t = 0; t < this.roots.length; t++) {
      const root = this.roots[t];
      for (let i = 0; i < n; i++) {
        let node = root;
        let f = feature[node];
        const base = i * d;
        while (f >= 0) {
          node = data[base + f] < threshold[node] ? left[node] : right[node];
          f = feature[node];
        }
        depth[i] += leafDepth[node];
      }
    }
    const norm = averagePathLength(this.subsampleSize) * this.roots.length;
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = 2 ** (-depth[i] / norm);
    return scores;
  }
}

interface NodeArrays {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly leafDepth: Float64Array;
}

/** Grows trees into shared flat node arrays (feature -1 marks a leaf). */
class TreeBuilder {
  private feature: number[] = [];
  private threshold: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  private leafDepth: number[] = [];
  private readonly candidates: Int32Array;

  constructor(
    private readonly data: Float64Array,
    private readonly dims: number,
    private readonly maxDepth: number,
    private readonly rng: SeededRandom,
  ) {
    this.candidates = new Int32Array(dims);
  }

  public grow(indices: Int32Array): number {
    return this.node(indices, 0);
  }

  public finish(): NodeArrays {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      leafDepth: Float64Array.from(this.leafDepth),
    };
  }

  private newNode(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.leafDepth.push(0);
    return this.feature.length - 1;
  }

  private node(indices: Int32Array, depth: number): number {
    const id = this.newNode();
    const size = indices.length;
    const split = size > 1 && depth < this.maxDepth ? this.chooseSplit(indices) : undefined;
    if (!split) {
      this.leafDepth[id] = depth + averagePathLength(size);
      return id;
    }
    const { f, value } = split;
    // Partition in place: values below the threshold first.
    let lo = 0;
    let hi = size - 1;
    while (lo <= hi) {
      if (this.data[indices[lo] * this.dims + f] < value) lo++;
      else {
        const tmp = indices[lo];
        indices[lo] = indices[hi];
        indices[hi] = tmp;
        hi--;
      }
    }
    this.feature[id] = f;
    this.threshold[id] = value;
    const l = this.node(indices.subarray(0, lo), depth + 1);
    const r = this.node(indices.subarray(lo), depth + 1);
    this.left[id] = l;
    this.right[id] = r;
    return id;
  }

  /** A random feature that is not constant in the node and a uniform threshold inside its range. */
  private chooseSplit(indices: Int32Array): { f: number; value: number } | undefined {
    const c = this.candidates;
    for (let i = 0; i < this.dims; i++) c[i] = i;
    let remaining = this.dims;
    while (remaining > 0) {
      const pick = this.rng.nextInt(remaining);
      const f = c[pick];
      c[pick] = c[remaining - 1];
      remaining--;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < indices.length; i++) {
        const v = this.data[indices[i] * this.dims + f];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        let value = min + this.rng.nextFloat() * (max - min);
        // Guard against rounding onto min, which would send every point right.
        if (value <= min) value = max;
        return { f, value };
      }
    }
    return undefined;
  }
}
