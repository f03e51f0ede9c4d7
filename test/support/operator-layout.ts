import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { injectLabelMatcher } from '../../src/prometheus/tenant-matcher';
import { Manifest } from './schema';

/**
 * The files the Prometheus operator mounts into Alertmanager and Prometheus pods, written under a
 * temporary root directory from synthesized objects, so the real binaries run on exactly what a
 * cluster would give them.
 *
 * Only one kind of change is made to the synthesized content: a string value that is an absolute
 * path under the pod's mount directory (`/etc/alertmanager/` or `/etc/prometheus/`) gets the root
 * directory put in front of it; nothing else in a value or anywhere else is changed. In the
 * rendered Alertmanager configuration those are the `*_file` credential fields
 * (`api_url_file`, `webhook_url_file`, `routing_key_file`, `auth_password_file`,
 * `http_config.authorization.credentials_file`) and `templates`; each rewritten field is reported
 * in {@link AlertmanagerLayout.rewritten}.
 */

/** A synthesized object with the fields these layouts read. */
type Obj = Manifest & { spec?: Record<string, unknown>; data?: Record<string, string>; stringData?: Record<string, string> };

/** The value of a credential file the configuration reads: a Secret's name and key. */
export type CredentialValue = (secret: string, key: string) => string;

/** A path the configuration reads below a Secret mount. */
export interface SecretFileReference {
  /** Where in the configuration, e.g. `receivers[3].pagerduty_configs[0].routing_key_file`. */
  readonly field: string;
  /** The Secret. */
  readonly secret: string;
  /** The key of the Secret. */
  readonly key: string;
  /** Whether the operator mounts that Secret (it is listed in the custom resource's `spec.secrets`). */
  readonly mounted: boolean;
}

/** An Alertmanager laid out as the operator mounts it. */
export interface AlertmanagerLayout {
  /** The root directory; the pod's `/` is this folder. */
  readonly root: string;
  /** The configuration file the operator's config reloader writes (`config_out/alertmanager.env.yaml`). */
  readonly configFile: string;
  /** The custom resource's `spec`. */
  readonly spec: Record<string, unknown>;
  /** Every file the configuration reads below `/etc/alertmanager/secrets/`. */
  readonly secretFiles: SecretFileReference[];
  /** The fields whose path prefix was rewritten (configuration path to original value). */
  readonly rewritten: ReadonlyMap<string, string>;
}

function objectNamed(objects: ReadonlyArray<Obj>, kind: string, namespace: string, name: string): Obj | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace);
}

/** The contents of a Secret or ConfigMap object, decoding `data` of a Secret from base64. */
function contents(o: Obj): Record<string, string> {
  const data = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, o.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v]));
  return { ...data, ...(o.stringData ?? {}) };
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Put `root` in front of every string under `prefix`, recording where; returns the rewritten copy. */
function rewritePathPrefix(node: unknown, prefix: string, root: string, at: string, rewritten: Map<string, string>): unknown {
  if (typeof node === 'string') {
    if (!node.startsWith(prefix)) return node;
    rewritten.set(at, node);
    return path.join(root, node);
  }
  if (Array.isArray(node)) return node.map((v, i) => rewritePathPrefix(v, prefix, root, `${at}[${i}]`, rewritten));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewritePathPrefix(v, prefix, root, at ? `${at}.${k}` : k, rewritten)]));
  }
  return node;
}

/** Write a Secret's or ConfigMap's keys as the files of its volume, `dir/<name>/<key>`. */
function mountObjects(objects: ReadonlyArray<Obj>, kind: 'Secret' | 'ConfigMap', namespace: string, names: ReadonlyArray<string>, dir: string): void {
  for (const name of names) {
    const o = objectNamed(objects, kind, namespace, name);
    if (!o) continue;
    for (const [key, value] of Object.entries(contents(o))) writeFile(path.join(dir, name, key), value);
  }
}

/**
 * Lay out the (single) Alertmanager of `objects` under `root` as the operator mounts it:
 * `spec.configSecret` keys in `/etc/alertmanager/config/`, the configuration the reloader writes
 * in `/etc/alertmanager/config_out/alertmanager.env.yaml`, each Secret of `spec.secrets` in
 * `/etc/alertmanager/secrets/<name>/` and each ConfigMap of `spec.configMaps` in
 * `/etc/alertmanager/configmaps/<name>/`. Only listed Secrets exist as files: for each key the
 * configuration reads from a listed Secret, `credential(secret, key)` gives the file's contents
 * (credential Secrets are referenced, never synthesized); a key of an unlisted Secret gets no
 * file, as in a pod.
 */
export function layOutAlertmanager(objects: ReadonlyArray<Manifest>, root: string, credential: CredentialValue): AlertmanagerLayout {
  const all = objects as ReadonlyArray<Obj>;
  const cr = all.find((o) => o.kind === 'Alertmanager');
  if (!cr?.spec) throw new Error('no Alertmanager custom resource among the objects');
  const spec = cr.spec;
  const ns = cr.metadata.namespace ?? 'default';
  const configSecretName = String(spec.configSecret ?? `alertmanager-${cr.metadata.name}`);
  const configSecret = objectNamed(all, 'Secret', ns, configSecretName);
  if (!configSecret) throw new Error(`the Alertmanager's configSecret ${ns}/${configSecretName} is not among the objects`);
  const etc = path.join(root, 'etc', 'alertmanager');
  const config = contents(configSecret);
  for (const [key, value] of Object.entries(config)) writeFile(path.join(etc, 'config', key), value);

  const secrets = (spec.secrets as string[] | undefined) ?? [];
  mountObjects(all, 'ConfigMap', ns, (spec.configMaps as string[] | undefined) ?? [], path.join(etc, 'configmaps'));
  // A listed Secret that is synthesized is mounted with its keys; the referenced keys follow.
  mountObjects(all, 'Secret', ns, secrets, path.join(etc, 'secrets'));

  const rewritten = new Map<string, string>();
  const rendered = rewritePathPrefix(parse(config['alertmanager.yaml']), '/etc/alertmanager/', root, '', rewritten);
  const secretFiles: SecretFileReference[] = [];
  for (const [field, original] of rewritten) {
    const m = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(original);
    if (!m) continue;
    const [, secret, key] = m;
    const mounted = secrets.includes(secret);
    secretFiles.push({ field, secret, key, mounted });
    const file = path.join(root, original);
    if (mounted && !fs.existsSync(file)) writeFile(file, credential(secret, key));
  }
  const configFile = path.join(etc, 'config_out', 'alertmanager.env.yaml');
  writeFile(configFile, stringify(rendered, { lineWidth: 0 }));
  return { root, configFile, spec, secretFiles, rewritten };
}

/** A Prometheus laid out as the operator mounts it. */
export interface PrometheusLayout {
  /** The root directory; the pod's `/` is this folder. */
  readonly root: string;
  /** The custom resource's `spec`. */
  readonly spec: Record<string, unknown>;
  /** The glob of the rule files, as the generated configuration lists it (below `root`). */
  readonly ruleFiles: string;
  /** The PrometheusRule objects the rule selectors picked, as `namespace/name`. */
  readonly selectedRules: string[];
  /** The external labels the operator sets: its own two and `spec.externalLabels`. */
  readonly externalLabels: Record<string, string>;
}

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
}

function matches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

interface RuleSpec {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}

interface GroupSpec {
  readonly name: string;
  readonly rules: RuleSpec[];
}

/**
 * Lay out the (single) Prometheus of `objects` under `root` as the operator mounts it: the
 * PrometheusRule objects its `ruleSelector` and `ruleNamespaceSelector` pick, one file each, in
 * `/etc/prometheus/rules/prometheus-<name>-rulefiles-0/<namespace>-<name>.yaml`; the Secrets of
 * `spec.secrets` in `/etc/prometheus/secrets/<name>/` and the ConfigMaps of `spec.configMaps` in
 * `/etc/prometheus/configmaps/<name>/`. With `spec.enforcedNamespaceLabel`, a rule of a namespace
 * not in `spec.excludedFromEnforcement` gets the label matcher in every selector and the label on
 * the rule, as the operator enforces it.
 */
export function layOutPrometheus(objects: ReadonlyArray<Manifest>, root: string): PrometheusLayout {
  const all = objects as ReadonlyArray<Obj>;
  const cr = all.find((o) => o.kind === 'Prometheus');
  if (!cr?.spec) throw new Error('no Prometheus custom resource among the objects');
  const spec = cr.spec;
  const ns = cr.metadata.namespace ?? 'default';
  const etc = path.join(root, 'etc', 'prometheus');
  mountObjects(all, 'Secret', ns, (spec.secrets as string[] | undefined) ?? [], path.join(etc, 'secrets'));
  mountObjects(all, 'ConfigMap', ns, (spec.configMaps as string[] | undefined) ?? [], path.join(etc, 'configmaps'));

  const namespaceLabels = new Map(all.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o.metadata.labels ?? {}]));
  const enforced = spec.enforcedNamespaceLabel as string | undefined;
  const excluded = new Set(((spec.excludedFromEnforcement as Array<{ resource: string; namespace: string }> | undefined) ?? [])
    .filter((e) => e.resource === 'prometheusrules').map((e) => e.namespace));
  const dir = path.join(etc, 'rules', `prometheus-${cr.metadata.name}-rulefiles-0`);
  const selectedRules: string[] = [];
  for (const rule of all.filter((o) => o.kind === 'PrometheusRule')) {
    const ruleNs = rule.metadata.namespace ?? 'default';
    if (!matches(spec.ruleSelector as LabelSelector, rule.metadata.labels)) continue;
    if (!matches(spec.ruleNamespaceSelector as LabelSelector, namespaceLabels.get(ruleNs))) continue;
    const groups = ((rule.spec as { groups: GroupSpec[] }).groups).map((g) => (enforced && !excluded.has(ruleNs) ? {
      ...g,
      rules: g.rules.map((r) => ({
        ...r,
        expr: injectLabelMatcher(r.expr, { label: enforced, op: '=', value: ruleNs }),
        labels: { ...(r.labels ?? {}), [enforced]: ruleNs },
      })),
    } : g));
    writeFile(path.join(dir, `${ruleNs}-${rule.metadata.name}.yaml`), stringify({ groups }, { lineWidth: 0 }));
    selectedRules.push(`${ruleNs}/${rule.metadata.name}`);
  }
  const externalLabels = {
    prometheus: `${ns}/${cr.metadata.name}`,
    prometheus_replica: `prometheus-${cr.metadata.name}-0`,
    ...((spec.externalLabels as Record<string, string> | undefined) ?? {}),
  };
  return { root, spec, ruleFiles: path.join(dir, '*.yaml'), selectedRules, externalLabels };
}
