import { ErrorLocation, ValidationError } from './errors';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

/** Prometheus' own duration grammar (model.ParseDuration): units in this order, each at most once. */
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** What a Prometheus duration may look like, for error messages. */
export const DURATION_ALLOWED = 'a Prometheus duration such as 30s, 5m, 1h30m or 7d (units y w d h m s ms, largest first, each once)';

/**
 * A span of time, stored in milliseconds and rendered in the formats Prometheus, Alertmanager and
 * Kubernetes expect. Build it with the factories (`Duration.minutes(5)`) or parse a Prometheus
 * duration string (`Duration.parse('1h30m')`).
 */
export class Duration {
  /** A duration of `n` milliseconds. */
  public static millis(n: number): Duration {
    return new Duration(n);
  }
  /** A duration of `n` seconds. */
  public static seconds(n: number): Duration {
    return new Duration(n * 1000);
  }
  /** A duration of `n` minutes. */
  public static minutes(n: number): Duration {
    return new Duration(n * 60_000);
  }
  /** A duration of `n` hours. */
  public static hours(n: number): Duration {
    return new Duration(n * 3_600_000);
  }
  /** A duration of `n` days. */
  public static days(n: number): Duration {
    return new Duration(n * 86_400_000);
  }

  /**
   * Parse a Prometheus duration string (`5m`, `1h30m`, `0`).
   * @param location construct or model path reported when the string is invalid
   * @param field the property name reported when the string is invalid
   */
  public static parse(text: string, location: ErrorLocation = '<duration>', field: string = 'duration'): Duration {
    if (typeof text !== 'string' || text === '') throw new ValidationError(location, field, text, DURATION_ALLOWED);
    if (text === '0') return new Duration(0);
    const m = PROMETHEUS_DURATION.exec(text);
    if (!m) throw new ValidationError(location, field, text, DURATION_ALLOWED);
    let ms = 0;
    UNITS.forEach(([, factor], i) => {
      const v = m[i + 1];
      if (v !== undefined) ms += Number(v) * factor;
    });
    return new Duration(ms);
  }

  /** True when `text` is a valid Prometheus duration. */
  public static isValid(text: string): boolean {
    return text === '0' || (text !== '' && PROMETHEUS_DURATION.test(text));
  }

  private constructor(private readonly ms: number) {
    if (!Number.isFinite(ms) || ms < 0 || !Number.isInteger(ms)) {
      throw new ValidationError('<duration>', 'duration', ms, 'a non-negative whole number of milliseconds');
    }
  }

  /** The duration in milliseconds. */
  public toMilliseconds(): number {
    return this.ms;
  }

  /** The duration in seconds (possibly fractional). */
  public toSeconds(): number {
    return this.ms / 1000;
  }

  /** The canonical Prometheus string in days and smaller units, largest first (`90m` becomes `1h30m`, two weeks `14d`). */
  public toPrometheus(): string {
    if (this.ms === 0) return '0s';
    let rest = this.ms;
    let out = '';
    // Days are the largest unit rendered: "15d" reads better than "2w1d" and means the same.
    for (const [unit, factor] of UNITS.filter(([u]) => u !== 'y' && u !== 'w')) {
      const n = Math.floor(rest / factor);
      if (n > 0) {
        out += `${n}${unit}`;
        rest -= n * factor;
      }
    }
    return out;
  }

  /** Same as `toPrometheus()`. */
  public toString(): string {
    return this.toPrometheus();
  }

  /** A new duration `factor` times as long, rounded to whole milliseconds. */
  public times(factor: number): Duration {
    return new Duration(Math.round(this.ms * factor));
  }

  /** A new duration that is the sum of both. */
  public plus(other: Duration): Duration {
    return new Duration(this.ms + other.ms);
  }

  /** Compare two durations: negative, zero or positive like `Array.prototype.sort`. */
  public compareTo(other: Duration): number {
    return this.ms - other.ms;
  }
}
