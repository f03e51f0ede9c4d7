import { ErrorLocation, ValidationError } from '../core/errors';
import { validateDnsSubdomain } from '../core/validation';
import { SECRET_KEY_ALLOWED } from '../alerting/secret-ref';


/**
 * A reference to one key of a Kubernetes Secret. Credentials are only ever referenced like this:
 * the value never appears in synthesized output.
 */
export class SecretKeyRef {
  /** Reference `key` of the Secret `name`. */
  public static of(name: string, key: string, location: ErrorLocation = '<secret>', field: string = 'secret'): SecretKeyRef {
    if (typeof name !== 'string' || name === '') throw new ValidationError(location, `${field}.name`, name, 'the name of an existing Secret (a DNS-1123 subdomain)');
    validateDnsSubdomain(name, location, `${field}.name`);
    if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) throw new ValidationError(location, `${field}.key`, key, SECRET_KEY_ALLOWED);
    return new SecretKeyRef(name, key);
  }

  private constructor(public readonly name: string, public readonly key: string) {}
}
