import { ErrorLocation, ValidationError } from '../core/errors';
import { validateDnsSubdomain } from '../core/validation';

/** Where prometheus-operator mounts each Secret listed in an Alertmanager's `spec.secrets`. */
export const ALERTMANAGER_SECRETS_DIRECTORY = '/etc/alertmanager/secrets';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** Allowed text for a Secret data key. */
export const SECRET_KEY_ALLOWED = 'a Secret data key: 1-253 characters of a-z A-Z 0-9 - _ .';

/**
 * A reference to one key of a Kubernetes Secret in the Alertmanager's namespace. Credentials are
 * never inlined: the rendered configuration reads the mounted file at
 * `/etc/alertmanager/secrets/<secretName>/<key>` through a `*_file` field.
 *
 * @example
 * SecretRef.of('slack-webhooks', 'platform')
 */
export class SecretRef {
  /**
   * Reference `key` of the Secret `secretName`.
   * @param location reported when the name or key is invalid
   */
  public static of(secretName: string, key: string, location: ErrorLocation = '<secret-ref>'): SecretRef {
    validateDnsSubdomain(secretName, location, 'secretRef.secretName');
    if (typeof key !== 'string' || key.length === 0 || key.length > 253 || !SECRET_KEY.test(key)) {
      throw new ValidationError(location, 'secretRef.key', key, SECRET_KEY_ALLOWED);
    }
    return new SecretRef(secretName, key);
  }

  private constructor(
    /** The Secret's name. */
    public readonly secretName: string,
    /** The data key inside the Secret. */
    public readonly key: string,
  ) {}

  /** The path Alertmanager reads the value from, below `directory`. */
  public filePath(directory: string = ALERTMANAGER_SECRETS_DIRECTORY): string {
    return `${directory}/${this.secretName}/${this.key}`;
  }

  /** `secretName/key`, for messages. */
  public toString(): string {
    return `${this.secretName}/${this.key}`;
  }
}
