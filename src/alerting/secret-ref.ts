import { SecretKeyRef } from '../core/secret-ref';

/** Where prometheus-operator mounts each Secret listed in an Alertmanager's `spec.secrets`. */
export const ALERTMANAGER_SECRETS_DIRECTORY = '/etc/alertmanager/secrets';

/**
 * The file Alertmanager reads a referenced credential from (`*_file` fields):
 * `/etc/alertmanager/secrets/<name>/<key>`.
 */
export function alertmanagerSecretPath(ref: SecretKeyRef, directory: string = ALERTMANAGER_SECRETS_DIRECTORY): string {
  return `${directory}/${ref.name}/${ref.key}`;
}
