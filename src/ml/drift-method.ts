import { ValidationError } from '../core/errors';
import { JsonFields } from './json-fields';

/** The drift methods a job can run. */
export type DriftMethodName = 'ks' | 'psi' | 'jensenShannon';

/** All drift method names, in report order. */
export const DRIFT_METHOD_NAMES: readonly DriftMethodName[] = ['ks', 'psi', 'jensenShannon'];

/** Default KS significance level: drift when the p-value is below it. */
export const DEFAULT_KS_P_VALUE = 0.05;
/** Default PSI warning threshold (moderate shift). */
export const DEFAULT_PSI_WARN = 0.1;
/** Default PSI alert threshold (significant shift). */
export const DEFAULT_PSI_ALERT = 0.25;
/** Default Jensen-Shannon distance threshold (base 2). */
export const DEFAULT_JS_THRESHOLD = 0.1;
/** Default number of reference-quantile bins for numeric features (PSI, Jensen-Shannon). */
export const DEFAULT_DRIFT_BINS = 10;
/** Default proportion that replaces an empty bin in PSI. */
export const DEFAULT_PSI_EPSILON = 1e-4;

/** Options of {@link DriftMethod.ks}. */
export interface KsMethodOptions {
  /**
   * Significance level: drift is detected when the two-sample p-value is below it.
   * @default 0.05
   */
  readonly pValue?: number;
}

/** Options of {@link DriftMethod.psi}. */
export interface PsiMethodOptions {
  /**
   * PSI at or above which the feature is reported as a warning.
   * @default 0.1
   */
  readonly warn?: number;
  /**
   * PSI at or above which drift is detected.
   * @default 0.25
   */
  readonly alert?: number;
  /**
   * Number of reference-quantile bins for numeric features (categorical features use their categories).
   * @default 10
   */
  readonly bins?: number;
  /**
   * Proportion that replaces an empty bin so the logarithm stays finite.
   * @default 1e-4
   */
  readonly epsilon?: number;
}

/** Options of {@link DriftMethod.jensenShannon}. */
export interface JensenShannonMethodOptions {
  /**
   * Jensen-Shannon distance (base 2, in [0, 1]) at or above which drift is detected.
   * @default 0.1
   */
  readonly threshold?: number;
  /**
   * Number of reference-quantile bins for numeric features (categorical features use their categories).
   * @default 10
   */
  readonly bins?: number;
}

/** The JSON form of a drift method, as stored in the job's ConfigMap. */
export type DriftMethodJson =
  | { readonly method: 'ks'; readonly pValue: number }
  | { readonly method: 'psi'; readonly warn: number; readonly alert: number; readonly bins: number; readonly epsilon: number }
  | { readonly method: 'jensenShannon'; readonly threshold: number; readonly bins: number };

/** How far a score is past its thresholds. */
export type DriftLevel = 'ok' | 'warn' | 'alert';

/**
 * A drift method with its thresholds. Build one with the factories:
 * `DriftMethod.ks()`, `DriftMethod.psi({ alert: 0.2 })`, `DriftMethod.jensenShannon({ threshold: 0.15 })`.
 */
export class DriftMethod {
  /** Two-sample Kolmogorov-Smirnov test (numeric features only); drift when p-value < `pValue`. */
  public static ks(options: KsMethodOptions = {}): DriftMethod {
    const pValue = check(options.pValue ?? DEFAULT_KS_P_VALUE, 0, 1, 'ks.pValue', 'a number from 0 to 1');
    return new DriftMethod({ method: 'ks', pValue });
  }

  /** Population Stability Index; warning at `warn`, drift at `alert`. */
  public static psi(options: PsiMethodOptions = {}): DriftMethod {
    const warn = check(options.warn ?? DEFAULT_PSI_WARN, 0, Number.MAX_VALUE, 'psi.warn', 'a non-negative number');
    const alert = check(options.alert ?? DEFAULT_PSI_ALERT, 0, Number.MAX_VALUE, 'psi.alert', 'a non-negative number');
    if (alert < warn) throw new ValidationError('DriftMethod', 'psi.alert', alert, `a number at least psi.warn (${warn})`);
    const bins = checkBins(options.bins, 'psi.bins');
    const epsilon = check(options.epsilon ?? DEFAULT_PSI_EPSILON, Number.MIN_VALUE, 0.5, 'psi.epsilon', 'a number above 0 and at most 0.5');
    return new DriftMethod({ method: 'psi', warn, alert, bins, epsilon });
  }

  /** Jensen-Shannon distance (base 2); drift at `threshold`. */
  public static jensenShannon(options: JensenShannonMethodOptions = {}): DriftMethod {
    const threshold = check(options.threshold ?? DEFAULT_JS_THRESHOLD, 0, 1, 'jensenShannon.threshold', 'a number from 0 to 1');
    return new DriftMethod({ method: 'jensenShannon', threshold, bins: checkBins(options.bins, 'jensenShannon.bins') });
  }

  /** The three methods with their default thresholds. */
  public static defaults(): DriftMethod[] {
    return [DriftMethod.ks(), DriftMethod.psi(), DriftMethod.jensenShannon()];
  }

  /**
   * Read a method from its JSON form (`"psi"` alone means the defaults).
   * @param field JSON path reported in errors
   */
  public static fromJson(json: unknown, location: string = 'DriftMethod', field: string = 'method'): DriftMethod {
    const f = new JsonFields(location, field, typeof json === 'string' ? { method: json } : json);
    f.object(['method', 'pValue', 'warn', 'alert', 'bins', 'epsilon', 'threshold']);
    const kind = f.child('method').oneOf(DRIFT_METHOD_NAMES);
    const allowedKeys: Record<DriftMethodName, readonly string[]> = {
      ks: ['method', 'pValue'],
      psi: ['method', 'warn', 'alert', 'bins', 'epsilon'],
      jensenShannon: ['method', 'threshold', 'bins'],
    };
    f.object(allowedKeys[kind]);
    const num = (key: string, min: number, max: number, integer: boolean = false): number | undefined => {
      const c = f.child(key);
      return c.missing ? undefined : c.number(min, max, undefined, integer);
    };
    try {
      switch (kind) {
        case 'ks':
          return DriftMethod.ks({ pValue: num('pValue', 0, 1) });
        case 'psi':
          return DriftMethod.psi({ warn: num('warn', 0, Number.MAX_VALUE), alert: num('alert', 0, Number.MAX_VALUE), bins: num('bins', 2, 1000, true), epsilon: num('epsilon', Number.MIN_VALUE, 0.5) });
        case 'jensenShannon':
          return DriftMethod.jensenShannon({ threshold: num('threshold', 0, 1), bins: num('bins', 2, 1000, true) });
      }
    } catch (e) {
      // Re-anchor factory errors (which name `psi.alert`) at the JSON path.
      if (e instanceof ValidationError && e.path === 'DriftMethod') {
        const key = e.field.split('.').pop() as string;
        f.child(key).fail(e.allowed);
      }
      throw e;
    }
  }

  private constructor(private readonly json: DriftMethodJson) {}

  /** The method's name. */
  public get name(): DriftMethodName {
    return this.json.method;
  }

  /** Number of bins for numeric features (KS does not bin). */
  public get bins(): number | undefined {
    return this.json.method === 'ks' ? undefined : this.json.bins;
  }

  /** The PSI epsilon (PSI only). */
  public get epsilon(): number | undefined {
    return this.json.method === 'psi' ? this.json.epsilon : undefined;
  }

  /**
   * The value at which drift is detected: for KS the p-value below which drift is detected, for PSI
   * the alert level, for Jensen-Shannon the distance threshold.
   */
  public get threshold(): number {
    switch (this.json.method) {
      case 'ks':
        return this.json.pValue;
      case 'psi':
        return this.json.alert;
      case 'jensenShannon':
        return this.json.threshold;
    }
  }

  /** Whether the method applies to a feature of this kind (KS needs ordered numeric values). */
  public appliesTo(kind: FeatureKindName): boolean {
    return this.json.method !== 'ks' || kind === 'numeric';
  }

  /**
   * Classify a result: KS by its p-value (alert below the significance level), PSI by its warn and
   * alert levels, Jensen-Shannon by its threshold.
   */
  public level(score: number, pValue?: number): DriftLevel {
    switch (this.json.method) {
      case 'ks':
        return pValue !== undefined && pValue < this.json.pValue ? 'alert' : 'ok';
      case 'psi':
        return score >= this.json.alert ? 'alert' : score >= this.json.warn ? 'warn' : 'ok';
      case 'jensenShannon':
        return score >= this.json.threshold ? 'alert' : 'ok';
    }
  }

  /** The JSON form, with every default written out. */
  public toJson(): DriftMethodJson {
    return { ...this.json };
  }
}

/** Feature kinds: numeric values, or categories compared by frequency. */
export type FeatureKindName = 'numeric' | 'categorical';

function check(value: number, min: number, max: number, field: string, allowed: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new ValidationError('DriftMethod', field, value, allowed);
  return value;
}

function checkBins(bins: number | undefined, field: string): number {
  const b = bins ?? DEFAULT_DRIFT_BINS;
  if (!Number.isInteger(b) || b < 2 || b > 1000) throw new ValidationError('DriftMethod', field, b, 'a whole number from 2 to 1000');
  return b;
}
