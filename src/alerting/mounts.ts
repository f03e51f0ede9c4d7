import { ALERTMANAGER_CONFIG_DIRECTORY } from './model';
import { ALERTMANAGER_SECRETS_DIRECTORY } from './secret-ref';

/**
 * What prometheus-operator mounts into an Alertmanager pod, by its documented layout: the keys of
 * `spec.configSecret` under `/etc/alertmanager/config/`, each Secret of `spec.secrets` under
 * `/etc/alertmanager/secrets/<name>/` and each ConfigMap of `spec.configMaps` under
 * `/etc/alertmanager/configmaps/<name>/`.
 */
export interface AlertmanagerMounts {
  /** `spec.secrets`. */
  readonly secrets: ReadonlyArray<string>;
  /** `spec.configMaps`. @default - none */
  readonly configMaps?: ReadonlyArray<string>;
}

/** Where prometheus-operator mounts each ConfigMap listed in an Alertmanager's `spec.configMaps`. */
export const ALERTMANAGER_CONFIGMAPS_DIRECTORY = '/etc/alertmanager/configmaps';

/**
 * The files an `alertmanager.yaml` document reads: every `*_file` field at any depth (receiver
 * credentials, `http_config` credentials and TLS files) and every `templates` entry. Sorted,
 * without duplicates.
 */
export function filesReadByAlertmanagerConfig(config: unknown): string[] {
  const files = new Set<string>();
  const walk = (value: unknown, key: string | undefined): void => {
    if (Array.isArray(value)) {
      value.forEach((v) => walk(v, key));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    } else if (typeof value === 'string' && key !== undefined && (key.endsWith('_file') || key === 'templates')) {
      files.add(value);
    }
  };
  walk(config, undefined);
  return [...files].sort();
}

/**
 * The directory a file must lie in to be mounted, or `undefined` when the layout mounts it. A
 * template glob (`/etc/alertmanager/config/*.tmpl`) counts as mounted when its directory is.
 */
export function unmountedAlertmanagerFile(file: string, mounts: AlertmanagerMounts): string | undefined {
  const dirs = [
    ALERTMANAGER_CONFIG_DIRECTORY,
    ...mounts.secrets.map((s) => `${ALERTMANAGER_SECRETS_DIRECTORY}/${s}`),
    ...(mounts.configMaps ?? []).map((c) => `${ALERTMANAGER_CONFIGMAPS_DIRECTORY}/${c}`),
  ];
  const parent = file.slice(0, file.lastIndexOf('/'));
  if (dirs.includes(parent)) return undefined;
  return parent;
}
