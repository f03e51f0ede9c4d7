import { Duration, DURATION_ALLOWED } from '../core/duration';
import { ValidationError } from '../core/errors';

/**
 * Typed reads from untrusted JSON with field paths, so every error names the field (`features[2].kind`),
 * the value received and what is allowed.
 */
export class JsonFields {
  /**
   * @param location what the JSON describes, reported first in every error (e.g. `DriftJobConfig`)
   * @param path the field path of `value` inside the document (empty for the root)
   * @param value the JSON value at `path`
   */
  constructor(
    public readonly location: string,
    public readonly path: string,
    public readonly value: unknown,
  ) {}

  /** Fail on this field. */
  public fail(allowed: string, field: string = this.path, received: unknown = this.value): never {
    throw new ValidationError(this.location, field || '<root>', received, allowed);
  }

  /** This value as an object; unknown keys are rejected with the list of known ones. */
  public object(known: readonly string[]): Record<string, unknown> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('an object');
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!known.includes(key)) this.fail(`one of the fields ${known.join(', ')}`, this.child(key).path, key);
    }
    return record;
  }

  /** This value as an object with free-form keys: each key with its field. */
  public entries(): Array<[string, JsonFields]> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('an object');
    return Object.keys(v as Record<string, unknown>).map((k) => [k, this.child(k)]);
  }

  /** The field `key` of this object value. */
  public child(key: string): JsonFields {
    const v = this.value as Record<string, unknown> | undefined;
    return new JsonFields(this.location, this.path ? `${this.path}.${key}` : key, v === undefined || v === null ? undefined : v[key]);
  }

  /** True when the field is absent. */
  public get missing(): boolean {
    return this.value === undefined;
  }

  /** The elements of this array value. */
  public array(minLength: number = 0): JsonFields[] {
    if (!Array.isArray(this.value) || this.value.length < minLength) {
      this.fail(minLength > 0 ? `an array with at least ${minLength} element${minLength > 1 ? 's' : ''}` : 'an array');
    }
    return (this.value as unknown[]).map((v, i) => new JsonFields(this.location, `${this.path}[${i}]`, v));
  }

  /** This value as a string; with `fallback`, an absent value gives `fallback`. */
  public string(fallback?: string): string {
    if (this.missing && fallback !== undefined) return fallback;
    if (typeof this.value !== 'string' || this.value === '') this.fail('a non-empty string');
    return this.value as string;
  }

  /** This value as one of `choices`. */
  public oneOf<T extends string>(choices: readonly T[], fallback?: T): T {
    if (this.missing && fallback !== undefined) return fallback;
    if (typeof this.value !== 'string' || !(choices as readonly string[]).includes(this.value)) this.fail(`one of ${choices.join(', ')}`);
    return this.value as T;
  }

  /** This value as a finite number in [min, max] (`integer`: whole numbers only). */
  public number(min: number, max: number, fallback?: number, integer: boolean = false): number {
    if (this.missing && fallback !== undefined) return fallback;
    const v = this.value;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(`${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    }
    return v as number;
  }

  /** This value as a Prometheus duration string. */
  public duration(fallback?: string): Duration {
    const text = this.missing && fallback !== undefined ? fallback : this.value;
    if (typeof text !== 'string' || !Duration.isValid(text)) this.fail(DURATION_ALLOWED);
    return Duration.parse(text as string);
  }

  /** This value checked by `validate` (a core validator), re-thrown with this field path. */
  public validated(validate: (value: string, location: string, field: string) => string, fallback?: string): string {
    if (this.missing && fallback !== undefined) return fallback;
    return validate(this.value as string, this.location, this.path);
  }
}

/** Parse JSON text, failing with a {@link ValidationError} that says where the syntax broke. */
export function parseJsonText(text: string, location: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ValidationError(location, '<root>', text.length > 40 ? `${text.slice(0, 37)}...` : text, 'a JSON document', (e as Error).message);
  }
}
