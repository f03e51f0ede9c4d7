import { ErrorLocation, ValidationError } from './errors';
import { validateDnsSubdomain } from './validation';

/** Allowed text for a Secret data key. */
export const SECRET_KEY_ALLOWED = 'a Secret data key: 1-253 characters of a-z A-Z 0-9 - _ .';
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * A reference to one key of a Kubernetes Secret. This is the only way credentials enter the
 * library: constructs mount the Secret (or read it through `secretKeyRef`) and the value never
 * appears in synthesized output. The Secret itself is created out of band.
 *
 * @example
 * SecretKeyRef.of('alerting-credentials', 'slack-url')
 */
export class SecretKeyRef {
  /**
   * Reference `key` of the Secret `name`.
   * @param location reported when the name or key is invalid
   * @param field the property reported when the name or key is invalid
   */
  public static of(name: string, key: string, location: ErrorLocation = '<secret>', field: string = 'secret'): SecretKeyRef {
    if (typeof name !== 'string' || name === '') throw new ValidationError(location, `${field}.name`, name, 'the name of an existing Secret (a DNS-1123 subdomain)');
    validateDnsSubdomain(name, location, `${field}.name`);
    if (typeof key !== 'string' || !SECRET_KEY.test(key)) throw new ValidationError(location, `${field}.key`, key, SECRET_KEY_ALLOWED);
    return new SecretKeyRef(name, key);
  }

  private constructor(
    /** The Secret's name. */
    public readonly name: string,
    /** The data key inside the Secret. */
    public readonly key: string,
  ) {}

  /** `name/key`, for messages. */
  public toString(): string {
    return `${this.name}/${this.key}`;
  }
}
