import { IConstruct } from 'constructs';

/** Where a validation failure was found: a construct, or a plain path for model-level checks. */
export type ErrorLocation = IConstruct | string;

/**
 * The one error type for bad input. Its message always names the construct path, the field, the
 * value received and what is allowed, so a failing synth points at the line to fix.
 *
 * @example
 * throw new ValidationError(this, 'tenant.id', 'Acme', 'a DNS-1123 label: lower-case a-z, 0-9 and -, at most 63 characters');
 * // => prod/acme: tenant.id: got "Acme"; allowed: a DNS-1123 label: ...
 */
export class ValidationError extends Error {
  /** The construct path (or model path) the error belongs to. */
  public readonly path: string;
  /** The property that holds the bad value, in dotted/indexed notation (`groups[0].rules[2].expr`). */
  public readonly field: string;
  /** What the property allows. */
  public readonly allowed: string;
  /** The message without the leading path (`field: got ...; allowed: ...`). */
  public readonly detail: string;

  /**
   * An error whose detail was already worded by a model-level validator (`got 2; expected at
   * least min (5)`), reported at a construct: `<path>: <field>: <detail>`.
   */
  public static fromDetail(location: ErrorLocation, field: string, detail: string, allowed: string): ValidationError {
    const error = Object.create(ValidationError.prototype) as ValidationError;
    const path = typeof location === 'string' ? location : location.node.path;
    const rest = `${field}: ${detail}`;
    Object.assign(error, { name: 'ValidationError', path, field, allowed, detail: rest, message: `${path || '<root>'}: ${rest}`, stack: new Error().stack });
    return error;
  }

  /**
   * The same error reported at another location, with `fieldPrefix` before its field: a model
   * error (`DriftJobConfig: features[0].name ...`) re-anchored at the construct that holds the
   * model (`prod/acme/Drift: config.features[0].name ...`).
   */
  public static rebase(location: ErrorLocation, error: ValidationError, fieldPrefix: string = ''): ValidationError {
    const rebased = Object.create(ValidationError.prototype) as ValidationError;
    const path = typeof location === 'string' ? location : location.node.path;
    const detail = `${fieldPrefix}${error.detail}`;
    Object.assign(rebased, { name: 'ValidationError', path, field: `${fieldPrefix}${error.field}`, allowed: error.allowed, detail, message: `${path || '<root>'}: ${detail}`, stack: error.stack });
    return rebased;
  }

  constructor(location: ErrorLocation, field: string, received: unknown, allowed: string, detail?: string) {
    const path = typeof location === 'string' ? location : location.node.path;
    const shown = describeValue(received);
    const rest = `${field}: got ${shown}${detail ? ` (${detail})` : ''}; allowed: ${allowed}`;
    super(`${path || '<root>'}: ${rest}`);
    this.name = 'ValidationError';
    this.detail = rest;
    this.path = path;
    this.field = field;
    this.allowed = allowed;
  }
}

/** Render a received value for an error message: strings quoted, objects as short JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}

/**
 * Collects several validation failures so whole-tree checks (`node.addValidation`) can report all
 * of them at once.
 */
export class ValidationErrors {
  private readonly messages: string[] = [];

  /** Record a failure. */
  public add(location: ErrorLocation, field: string, received: unknown, allowed: string, detail?: string): void {
    this.messages.push(new ValidationError(location, field, received, allowed, detail).message);
  }

  /** Run `check`, recording a `ValidationError` it throws instead of propagating it. */
  public capture(check: () => void): void {
    try {
      check();
    } catch (e) {
      if (e instanceof ValidationError) this.messages.push(e.message);
      else throw e;
    }
  }

  /** The recorded messages, in order. */
  public get all(): string[] {
    return [...this.messages];
  }
}
