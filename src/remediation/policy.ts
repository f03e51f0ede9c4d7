/**
 * The remediation policy model: which alerts lead to which action, how a target is read from the
 * alert's labels, and the safety settings. The same model is rendered into a ConfigMap by the
 * construct and parsed back by the controller (`src/runtime/remediation`).
 */
import { BlockList, isIP } from 'node:net';
import { Duration } from '../core/duration';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ValidationError } from '../core/errors';
import { Matcher } from '../core/matcher';
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, isCidr } from '../core/validation';

/** The label names the controller reads by default. */
export const DEFAULT_LABELS = {
  /** Conventional label an alert rule sets to request an action (`restart`, `scale`, …); used in the example rules. */
  action: 'remediation_action',
  /** Label holding the source IP for `block-ip`. */
  sourceIp: 'source_ip',
  /** Label holding the target namespace. */
  namespace: 'namespace',
  /** Label holding a Deployment name. */
  deployment: 'deployment',
  /** Label holding a StatefulSet name. */
  statefulset: 'statefulset',
} as const;

/** Raised for an invalid policy; the message names the field, the value received and what is allowed. */
export class PolicyError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. `rules[0].action.max`. */
    readonly field: string,
    detail: string,
  ) {
    super(`policy.${field}: ${detail}`);
    this.name = 'PolicyError';
  }
}

/** Roll out a workload again by stamping `kubectl.kubernetes.io/restartedAt` on its pod template. */
export interface RestartAction {
  readonly type: 'restart';
}

/** Change a workload's replicas through its `/scale` subresource. Exactly one of `delta` and `factor`. */
export interface ScaleAction {
  readonly type: 'scale';
  /** Replicas to add (negative to remove). @default - use `factor` */
  readonly delta?: number;
  /** Multiplier applied to the current replicas, rounded up. @default - use `delta` */
  readonly factor?: number;
  /** Lower bound on the result. @default 1 */
  readonly min: number;
  /** Upper bound on the result (an HorizontalPodAutoscaler's `maxReplicas` lowers it further). */
  readonly max: number;
}

/** Block a source IP from reaching a workload with a controller-owned NetworkPolicy that expires. */
export interface BlockIpAction {
  readonly type: 'block-ip';
  /** Alert label that holds the IP. @default 'source_ip' */
  readonly sourceLabel: string;
  /** How long the block stays, in seconds. @default 3600 */
  readonly expirySeconds: number;
  /**
   * Upper bound of what the block's NetworkPolicy may admit: it copies only the ipBlock peers the
   * namespace's own NetworkPolicies already admit (minus the blocked address), and of those only
   * the ones within these CIDRs. @default ['0.0.0.0/0', '::/0']
   */
  readonly allowFrom: readonly string[];
  /**
   * `workload`: the block selects the pods of the Deployment or StatefulSet named by the alert;
   * `namespace`: it selects every pod of the alert's namespace (for alerts, such as a request
   * flood per source, that name no workload). @default 'workload'
   */
  readonly scope: 'workload' | 'namespace';
}

/** Create a Job from a named template of the policy in the alert's namespace. */
export interface RunJobAction {
  readonly type: 'run-job';
  /** Name of an entry of `jobTemplates`. */
  readonly template: string;
}

/** One of the four actions. */
export type RemediationAction = RestartAction | ScaleAction | BlockIpAction | RunJobAction;

/** The names of the actions. */
export const ACTION_TYPES = ['restart', 'scale', 'block-ip', 'run-job'] as const;
/** An action name. */
export type ActionType = (typeof ACTION_TYPES)[number];

/** A rule: alerts whose labels satisfy every matcher get the action. The first matching rule wins. */
export interface RemediationRule {
  /** Unique rule name (DNS label), used in logs, Events and the cooldown key. */
  readonly name: string;
  /** Alertmanager matchers, all of which must match; at least one. */
  readonly match: readonly Matcher[];
  /** The action. */
  readonly action: RemediationAction;
  /** Force dry-run for this rule even when the controller acts. @default false */
  readonly dryRun: boolean;
}

/** A Job template (a restricted pod spec; the controller adds restricted security defaults). */
export interface JobTemplate {
  /** Image with a pinned tag or digest (`:latest` and untagged images are refused). */
  readonly image: string;
  /** Entrypoint. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's */
  readonly args?: readonly string[];
  /** Plain environment variables. @default {} */
  readonly env: Readonly<Record<string, string>>;
  /** Service account of the Job's pod. @default - the namespace's default */
  readonly serviceAccountName?: string;
  /** Seconds before the Job is stopped. @default 600 */
  readonly activeDeadlineSeconds: number;
  /** Pod retries. @default 0 */
  readonly backoffLimit: number;
  /** Seconds a finished Job is kept. @default 3600 */
  readonly ttlSecondsAfterFinished: number;
}

/** Safety settings. */
export interface SafetySettings {
  /** Decide and audit, but never write to the cluster (besides Events). @default true */
  readonly dryRun: boolean;
  /** Seconds during which a target is not acted on again after an action. @default 600 */
  readonly cooldownSeconds: number;
  /** Length of the rate-cap window in seconds. @default 600 */
  readonly rateWindowSeconds: number;
  /** Actions per namespace per window. @default 5 */
  readonly perNamespaceCap: number;
  /** Actions in total per window. @default 20 */
  readonly globalCap: number;
  /** Attempts (cluster writes that were tried) per target per window before refusing. @default 3 */
  readonly maxAttempts: number;
  /** Namespaces the controller may act in; empty refuses everything. System and platform namespaces are refused. */
  readonly allowedNamespaces: readonly string[];
  /** Alert label naming the tenant that raised the alert. @default 'tenant' */
  readonly tenantLabel: string;
  /**
   * The tenant owning each allowed namespace. When set (it must then list every allowed
   * namespace), an alert is acted on only when its tenant label names the owner of its namespace.
   * @default - no ownership check (the alert's namespace only has to be allowed)
   */
  readonly namespaceTenants: Readonly<Record<string, string>>;
  /**
   * Address ranges a block-ip never blocks (the cluster's pod, service and node CIDRs); loopback,
   * unspecified, link-local and multicast addresses are always refused. @default - none beyond those
   */
  readonly protectedCidrs: readonly string[];
}

/** Namespaces the policy refuses in `allowedNamespaces`: the cluster's own and the monitoring platform's. */
export const RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'monitoring'];

/** Upper bounds the policy accepts, so a typo cannot allow a runaway (`max: 1e12`). */
export const POLICY_LIMITS = {
  /** Largest `max` (and `min`) of a scale action. */
  maxReplicas: 1000,
  /** Largest `|delta|` of a scale action. */
  maxDelta: 100,
  /** Largest `factor` of a scale action. */
  maxFactor: 10,
  /** Largest `perNamespaceCap`. */
  perNamespaceCap: 1000,
  /** Largest `globalCap`. */
  globalCap: 10_000,
  /** Largest `maxAttempts`. */
  maxAttempts: 20,
  /** Longest block, in seconds (7 days). */
  expirySeconds: 604_800,
} as const;

/** Which alert labels name the target. */
export interface TargetLabels {
  /** @default 'namespace' */
  readonly namespace: string;
  /** @default 'deployment' */
  readonly deployment: string;
  /** @default 'statefulset' */
  readonly statefulset: string;
}

/** The whole policy. */
export interface RemediationPolicy {
  readonly safety: SafetySettings;
  readonly targetLabels: TargetLabels;
  readonly jobTemplates: Readonly<Record<string, JobTemplate>>;
  readonly rules: readonly RemediationRule[];
}

/** A workload the controller may act on. */
export interface WorkloadTarget {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly namespace: string;
  readonly name: string;
}

/** What an action is aimed at; `run-job` targets a namespace (the Job is created there). */
export type ResolvedTarget =
  | { readonly kind: 'workload'; readonly workload: WorkloadTarget }
  | { readonly kind: 'namespace'; readonly namespace: string };

/** Outcome of reading a target from an alert's labels. */
export type TargetResolution =
  | { readonly ok: true; readonly target: ResolvedTarget; readonly sourceIp?: string }
  | { readonly ok: false; readonly reason: string };

const DNS_LABEL = DNS_LABEL_PATTERN;
const DNS_SUBDOMAIN = DNS_SUBDOMAIN_PATTERN;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function checkKeys(obj: Raw, field: string, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new PolicyError(field === '' ? k : `${field}.${k}`, `unknown field; allowed: ${allowed.join(', ')}`);
    }
  }
}

function record(v: unknown, field: string): Raw {
  if (!isRecord(v)) throw new PolicyError(field, `got ${describe(v)}; expected a mapping`);
  return v;
}

function int(v: unknown, field: string, min: number, dflt?: number, max?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (max !== undefined && v > max)) {
    throw new PolicyError(field, `got ${describe(v)}; expected an integer >= ${min}${max !== undefined ? ` and <= ${max}` : ''}`);
  }
  return v;
}

function str(v: unknown, field: string, pattern: RegExp | undefined, what: string, dflt?: string): string {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v === '' || (pattern !== undefined && !pattern.test(v))) {
    throw new PolicyError(field, `got ${describe(v)}; expected ${what}`);
  }
  return v;
}

function strList(v: unknown, field: string, pattern: RegExp | undefined, what: string): string[] {
  if (!Array.isArray(v)) throw new PolicyError(field, `got ${describe(v)}; expected a list of ${what}`);
  return v.map((x, i) => str(x, `${field}[${i}]`, pattern, what));
}

/** Parse a Prometheus duration such as `90s`, `10m` or `1h30m` into seconds. Returns undefined when malformed. */
export function parseDurationSeconds(text: string): number | undefined {
  return typeof text === 'string' && Duration.isValid(text) ? Duration.parse(text).toSeconds() : undefined;
}

/** Format seconds as a Prometheus duration (`1h30m`, `0s` for zero). */
export function formatDuration(seconds: number): string {
  return Duration.millis(Math.round(seconds * 1000)).toPrometheus();
}

function duration(v: unknown, field: string, dflt: number, minSeconds: number, maxSeconds?: number): number {
  if (v === undefined) return dflt;
  const secs = typeof v === 'string' ? parseDurationSeconds(v) : undefined;
  if (secs === undefined || secs < minSeconds || (maxSeconds !== undefined && secs > maxSeconds)) {
    throw new PolicyError(field, `got ${describe(v)}; expected a duration like 30s, 10m or 1h30m of at least ${formatDuration(minSeconds)}${maxSeconds !== undefined ? ` and at most ${formatDuration(maxSeconds)}` : ''}`);
  }
  return secs;
}

function bool(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new PolicyError(field, `got ${describe(v)}; expected true or false`);
  return v;
}

function parseAction(v: unknown, field: string, templates: Readonly<Record<string, JobTemplate>>): RemediationAction {
  const a = record(v, field);
  const type = a.type;
  switch (type) {
    case 'restart':
      checkKeys(a, field, ['type']);
      return { type };
    case 'scale': {
      checkKeys(a, field, ['type', 'delta', 'factor', 'min', 'max']);
      if ((a.delta === undefined) === (a.factor === undefined)) {
        throw new PolicyError(field, 'expected exactly one of delta (an integer) and factor (a number > 0)');
      }
      const min = int(a.min, `${field}.min`, 0, 1, POLICY_LIMITS.maxReplicas);
      const max = int(a.max, `${field}.max`, 1, undefined, POLICY_LIMITS.maxReplicas);
      if (max < min) throw new PolicyError(`${field}.max`, `got ${max}; expected at least min (${min})`);
      if (a.delta !== undefined) {
        if (typeof a.delta !== 'number' || !Number.isInteger(a.delta) || a.delta === 0 || Math.abs(a.delta) > POLICY_LIMITS.maxDelta) {
          throw new PolicyError(`${field}.delta`, `got ${describe(a.delta)}; expected a non-zero integer between -${POLICY_LIMITS.maxDelta} and ${POLICY_LIMITS.maxDelta}`);
        }
        return { type, delta: a.delta, min, max };
      }
      if (typeof a.factor !== 'number' || !(a.factor > 0) || a.factor === 1 || !(a.factor <= POLICY_LIMITS.maxFactor)) {
        throw new PolicyError(`${field}.factor`, `got ${describe(a.factor)}; expected a number > 0 and <= ${POLICY_LIMITS.maxFactor}, other than 1`);
      }
      return { type, factor: a.factor, min, max };
    }
    case 'block-ip': {
      checkKeys(a, field, ['type', 'sourceLabel', 'expiry', 'allowFrom', 'scope']);
      if (a.scope !== undefined && a.scope !== 'workload' && a.scope !== 'namespace') {
        throw new PolicyError(`${field}.scope`, `got ${describe(a.scope)}; allowed: workload, namespace`);
      }
      const allowFrom = a.allowFrom === undefined ? ['0.0.0.0/0', '::/0'] : strList(a.allowFrom, `${field}.allowFrom`, undefined, 'CIDRs');
      allowFrom.forEach((c, i) => {
        if (!isCidr(c)) throw new PolicyError(`${field}.allowFrom[${i}]`, `got ${describe(c)}; expected a CIDR such as 0.0.0.0/0`);
      });
      return {
        type,
        sourceLabel: str(a.sourceLabel, `${field}.sourceLabel`, /^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name', DEFAULT_LABELS.sourceIp),
        expirySeconds: duration(a.expiry, `${field}.expiry`, 3600, 60, POLICY_LIMITS.expirySeconds),
        allowFrom,
        scope: a.scope ?? 'workload',
      };
    }
    case 'run-job': {
      checkKeys(a, field, ['type', 'template']);
      const template = str(a.template, `${field}.template`, undefined, 'the name of a jobTemplates entry');
      if (templates[template] === undefined) {
        const known = Object.keys(templates);
        throw new PolicyError(`${field}.template`, `got ${describe(template)}; allowed: ${known.length > 0 ? known.join(', ') : '(no jobTemplates defined)'}`);
      }
      return { type, template };
    }
    default:
      throw new PolicyError(`${field}.type`, `got ${describe(type)}; allowed: ${ACTION_TYPES.join(', ')}`);
  }
}

function parseTemplate(v: unknown, field: string): JobTemplate {
  const t = record(v, field);
  checkKeys(t, field, ['image', 'command', 'args', 'env', 'serviceAccountName', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']);
  const image = str(t.image, `${field}.image`, /^[^\s:@]+(?::[^\s:@/]+|@sha256:[a-f0-9]{64})$|^[^\s@]+:\d+\/[^\s:@]+(?::[^\s:@/]+|@sha256:[a-f0-9]{64})$/, 'an image with a pinned tag or digest');
  if (image.endsWith(':latest')) throw new PolicyError(`${field}.image`, `got ${describe(image)}; expected a pinned tag, not :latest`);
  const envRaw = t.env === undefined ? {} : record(t.env, `${field}.env`);
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(envRaw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new PolicyError(`${field}.env.${k}`, 'expected an environment variable name');
    env[k] = str(val, `${field}.env.${k}`, /[\s\S]*/, 'a string');
  }
  return {
    image,
    ...(t.command === undefined ? {} : { command: strList(t.command, `${field}.command`, undefined, 'strings') }),
    ...(t.args === undefined ? {} : { args: strList(t.args, `${field}.args`, undefined, 'strings') }),
    env,
    ...(t.serviceAccountName === undefined ? {} : { serviceAccountName: str(t.serviceAccountName, `${field}.serviceAccountName`, DNS_SUBDOMAIN, 'a DNS subdomain name') }),
    activeDeadlineSeconds: int(t.activeDeadlineSeconds, `${field}.activeDeadlineSeconds`, 1, 600),
    backoffLimit: int(t.backoffLimit, `${field}.backoffLimit`, 0, 0),
    ttlSecondsAfterFinished: int(t.ttlSecondsAfterFinished, `${field}.ttlSecondsAfterFinished`, 0, 3600),
  };
}

/**
 * Validate a policy given as plain data (e.g. parsed YAML or JSON).
 * @throws PolicyError naming the field, the value received and what is allowed
 */
export function validatePolicy(input: unknown): RemediationPolicy {
  const root = record(input, 'root');
  checkKeys(root, '', ['safety', 'targetLabels', 'jobTemplates', 'rules']);
  const s = root.safety === undefined ? {} : record(root.safety, 'safety');
  checkKeys(s, 'safety', ['dryRun', 'cooldown', 'rateWindow', 'perNamespaceCap', 'globalCap', 'maxAttempts', 'allowedNamespaces', 'tenantLabel', 'namespaceTenants', 'protectedCidrs']);
  if (s.allowedNamespaces === undefined) {
    throw new PolicyError('safety.allowedNamespaces', 'is required: list the tenant namespaces the controller may act in');
  }
  const allowedNamespaces = strList(s.allowedNamespaces, 'safety.allowedNamespaces', DNS_LABEL, 'namespace names (DNS labels, no wildcards)');
  allowedNamespaces.forEach((n, i) => {
    if (RESERVED_NAMESPACES.includes(n) || n.startsWith('kube-')) {
      throw new PolicyError(`safety.allowedNamespaces[${i}]`, `got ${describe(n)}; system and platform namespaces (${RESERVED_NAMESPACES.join(', ')}, kube-*) are never acted in`);
    }
  });
  const nt = s.namespaceTenants === undefined ? {} : record(s.namespaceTenants, 'safety.namespaceTenants');
  const namespaceTenants: Record<string, string> = {};
  for (const [n, t] of Object.entries(nt)) {
    if (!allowedNamespaces.includes(n)) throw new PolicyError(`safety.namespaceTenants.${n}`, `is not in safety.allowedNamespaces (${allowedNamespaces.join(', ')})`);
    namespaceTenants[n] = str(t, `safety.namespaceTenants.${n}`, /^[^\s]{1,63}$/, 'a tenant name');
  }
  if (Object.keys(namespaceTenants).length > 0) {
    const missing = allowedNamespaces.filter((n) => namespaceTenants[n] === undefined);
    if (missing.length > 0) throw new PolicyError('safety.namespaceTenants', `has no tenant for ${missing.join(', ')}; list the owner of every allowed namespace`);
  }
  const protectedCidrs = s.protectedCidrs === undefined ? [] : strList(s.protectedCidrs, 'safety.protectedCidrs', undefined, 'CIDRs');
  protectedCidrs.forEach((c, i) => {
    if (!isCidr(c)) throw new PolicyError(`safety.protectedCidrs[${i}]`, `got ${describe(c)}; expected a CIDR such as 10.244.0.0/16`);
  });
  const safety: SafetySettings = {
    dryRun: bool(s.dryRun, 'safety.dryRun', true),
    cooldownSeconds: duration(s.cooldown, 'safety.cooldown', 600, 0),
    rateWindowSeconds: duration(s.rateWindow, 'safety.rateWindow', 600, 1),
    perNamespaceCap: int(s.perNamespaceCap, 'safety.perNamespaceCap', 1, 5, POLICY_LIMITS.perNamespaceCap),
    globalCap: int(s.globalCap, 'safety.globalCap', 1, 20, POLICY_LIMITS.globalCap),
    maxAttempts: int(s.maxAttempts, 'safety.maxAttempts', 1, 3, POLICY_LIMITS.maxAttempts),
    allowedNamespaces,
    tenantLabel: str(s.tenantLabel, 'safety.tenantLabel', /^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name', 'tenant'),
    namespaceTenants,
    protectedCidrs,
  };
  const tl = root.targetLabels === undefined ? {} : record(root.targetLabels, 'targetLabels');
  checkKeys(tl, 'targetLabels', ['namespace', 'deployment', 'statefulset']);
  const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
  const targetLabels: TargetLabels = {
    namespace: str(tl.namespace, 'targetLabels.namespace', labelName, 'a label name', DEFAULT_LABELS.namespace),
    deployment: str(tl.deployment, 'targetLabels.deployment', labelName, 'a label name', DEFAULT_LABELS.deployment),
    statefulset: str(tl.statefulset, 'targetLabels.statefulset', labelName, 'a label name', DEFAULT_LABELS.statefulset),
  };
  const jt = root.jobTemplates === undefined ? {} : record(root.jobTemplates, 'jobTemplates');
  const jobTemplates: Record<string, JobTemplate> = {};
  for (const [name, t] of Object.entries(jt)) {
    if (!DNS_LABEL.test(name) || name.length > 40) {
      throw new PolicyError(`jobTemplates.${name}`, 'template names must be DNS labels of at most 40 characters');
    }
    jobTemplates[name] = parseTemplate(t, `jobTemplates.${name}`);
  }
  if (!Array.isArray(root.rules) || root.rules.length === 0) {
    throw new PolicyError('rules', `got ${describe(root.rules)}; expected a non-empty list of rules`);
  }
  const seen = new Set<string>();
  const rules = root.rules.map((rv, i): RemediationRule => {
    const field = `rules[${i}]`;
    const r = record(rv, field);
    checkKeys(r, field, ['name', 'match', 'action', 'dryRun']);
    const name = str(r.name, `${field}.name`, DNS_LABEL, 'a DNS label (lower-case letters, digits, -)');
    if (seen.has(name)) throw new PolicyError(`${field}.name`, `got ${describe(name)}; rule names must be unique`);
    seen.add(name);
    const texts = strList(r.match, `${field}.match`, undefined, 'Alertmanager matchers such as alertname="X"');
    if (texts.length === 0) throw new PolicyError(`${field}.match`, 'expected at least one matcher (a rule never matches every alert)');
    const match = texts.map((t, j) => {
      try {
        return Matcher.parse(t, 'policy', `${field}.match[${j}]`);
      } catch (e) {
        if (e instanceof ValidationError) throw new PolicyError(`${field}.match[${j}]`, e.detail.slice(e.field.length + 2));
        throw e;
      }
    });
    return { name, match, action: parseAction(r.action, `${field}.action`, jobTemplates), dryRun: bool(r.dryRun, `${field}.dryRun`, false) };
  });
  return { safety, targetLabels, jobTemplates, rules };
}

/**
 * Parse and validate a policy from YAML (the ConfigMap's `policy.yaml`).
 * @throws PolicyError naming the field, the value received and what is allowed
 */
export function parsePolicy(yamlText: string): RemediationPolicy {
  let data: unknown;
  try {
    data = parseYaml(yamlText);
  } catch (e) {
    throw new PolicyError('root', `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return validatePolicy(data);
}

function renderAction(a: RemediationAction): Raw {
  switch (a.type) {
    case 'restart':
      return { type: a.type };
    case 'scale':
      return { type: a.type, ...(a.delta !== undefined ? { delta: a.delta } : { factor: a.factor }), min: a.min, max: a.max };
    case 'block-ip':
      return { type: a.type, sourceLabel: a.sourceLabel, expiry: formatDuration(a.expirySeconds), allowFrom: [...a.allowFrom], scope: a.scope };
    case 'run-job':
      return { type: a.type, template: a.template };
  }
}

/** Render a policy to YAML that `parsePolicy` reads back to an equal policy. Validates first. */
export function renderPolicy(policy: RemediationPolicy): string {
  const s = policy.safety;
  const doc = {
    safety: {
      dryRun: s.dryRun,
      cooldown: formatDuration(s.cooldownSeconds),
      rateWindow: formatDuration(s.rateWindowSeconds),
      perNamespaceCap: s.perNamespaceCap,
      globalCap: s.globalCap,
      maxAttempts: s.maxAttempts,
      allowedNamespaces: [...s.allowedNamespaces],
      tenantLabel: s.tenantLabel,
      ...(Object.keys(s.namespaceTenants).length > 0 ? { namespaceTenants: { ...s.namespaceTenants } } : {}),
      ...(s.protectedCidrs.length > 0 ? { protectedCidrs: [...s.protectedCidrs] } : {}),
    },
    targetLabels: { ...policy.targetLabels },
    jobTemplates: Object.fromEntries(Object.entries(policy.jobTemplates).map(([k, t]) => [k, JSON.parse(JSON.stringify(t)) as Raw])),
    rules: policy.rules.map((r) => ({
      name: r.name,
      match: r.match.map(String),
      action: renderAction(r.action),
      ...(r.dryRun ? { dryRun: true } : {}),
    })),
  };
  const text = stringifyYaml(doc, { lineWidth: 0 });
  validatePolicy(parseYaml(text));
  return text;
}

/** The first rule whose matchers all accept the labels. */
export function findRule(policy: RemediationPolicy, labels: Readonly<Record<string, string>>): RemediationRule | undefined {
  // A rule has at least one matcher (checked when the policy is read); every one must accept the labels.
  return policy.rules.find((r) => r.match.length > 0 && r.match.every((m) => m.matches(labels)));
}

function checkName(value: string | undefined, label: string, pattern: RegExp): string | undefined {
  if (value === undefined || value === '') return `label '${label}' is empty or missing`;
  if (/[*?]/.test(value) || value === '.*') return `label '${label}' is a wildcard (${JSON.stringify(value)}); refusing`;
  if (!pattern.test(value) || value.length > 253) return `label '${label}' value ${JSON.stringify(value)} is not a valid object name`;
  return undefined;
}

/** Why an address can never be blocked, or undefined. Ranges every cluster needs to reach itself. */
const NEVER_BLOCKED: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified ("this network")'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['255.255.255.255', 32, 'ipv4', 'broadcast'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

function ipv4FromMapped(ip: string): string | undefined {
  // ::ffff:a.b.c.d and ::ffff:XXXX:XXXX (any spelling) are IPv4 addresses carried in IPv6.
  const expanded = expandIpv6(ip);
  if (expanded === undefined || !expanded.startsWith('0000:0000:0000:0000:0000:ffff:')) return undefined;
  const [hi, lo] = expanded.split(':').slice(6).map((h) => parseInt(h, 16));
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** The eight four-digit groups of an IPv6 address, or undefined when it is not one. */
export function expandIpv6(ip: string): string | undefined {
  if (isIP(ip) !== 6) return undefined;
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** Outcome of `normalizeBlockAddress`. */
export type BlockAddress = { readonly ok: true; readonly ip: string; readonly family: 4 | 6 } | { readonly ok: false; readonly reason: string };

/**
 * Validate and normalise the address a block-ip alert names: IPv4-mapped IPv6 becomes the IPv4
 * address (so the block lands on the IPv4 ranges), IPv6 is written in its canonical compressed
 * form; zone ids, loopback, unspecified, link-local, multicast, broadcast and the policy's
 * protected CIDRs (pods, services, nodes) are refused with the reason.
 */
export function normalizeBlockAddress(raw: string, protectedCidrs: readonly string[] = []): BlockAddress {
  if (raw.includes('%')) return { ok: false, reason: `address ${JSON.stringify(raw)} has a zone id; only global addresses can be blocked` };
  const family = isIP(raw);
  if (family === 0) return { ok: false, reason: `${JSON.stringify(raw)} is not an IP address` };
  let ip = raw;
  let fam: 4 | 6 = family === 4 ? 4 : 6;
  if (fam === 6) {
    const mapped = ipv4FromMapped(raw);
    if (mapped !== undefined) {
      ip = mapped;
      fam = 4;
    } else {
      // Canonical form (RFC 5952) from the eight groups: lower case, leading zeros dropped, longest zero run compressed.
      const groups = (expandIpv6(raw) as string).split(':').map((g) => parseInt(g, 16).toString(16));
      let best = -1;
      let bestLen = 1;
      for (let i = 0; i < 8; ) {
        let j = i;
        while (j < 8 && groups[j] === '0') j++;
        if (j - i > bestLen) {
          best = i;
          bestLen = j - i;
        }
        i = j === i ? i + 1 : j;
      }
      ip = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
    }
  }
  const type = fam === 4 ? 'ipv4' : 'ipv6';
  for (const [net, bits, t, what] of NEVER_BLOCKED) {
    const list = new BlockList();
    list.addSubnet(net, bits, t);
    if (t === type && list.check(ip, type)) return { ok: false, reason: `address ${ip} is ${what}; refusing to block it` };
  }
  for (const cidr of protectedCidrs) {
    const [net, bits] = cidr.split('/');
    const t = isIP(net) === 4 ? 'ipv4' : 'ipv6';
    if (t !== type) continue;
    const list = new BlockList();
    list.addSubnet(net, Number(bits), t);
    if (list.check(ip, type)) return { ok: false, reason: `address ${ip} is in the protected range ${cidr} (safety.protectedCidrs); refusing to block it` };
  }
  return { ok: true, ip, family: fam };
}

/**
 * Read the action's target from an alert's labels. Refuses an empty, wildcard or malformed name,
 * and, when the policy names the tenant of each namespace, an alert whose tenant label does not
 * name the owner of its namespace; `block-ip` also needs a blockable IP in its source label
 * (see `normalizeBlockAddress`).
 */
export function resolveTarget(policy: RemediationPolicy, rule: RemediationRule, labels: Readonly<Record<string, string>>): TargetResolution {
  const tl = policy.targetLabels;
  const ns = labels[tl.namespace];
  const nsProblem = checkName(ns, tl.namespace, DNS_LABEL);
  if (nsProblem !== undefined) return { ok: false, reason: nsProblem };
  const namespace = ns as string;
  const owner = policy.safety.namespaceTenants[namespace];
  if (Object.keys(policy.safety.namespaceTenants).length > 0 && owner !== undefined) {
    const tenant = labels[policy.safety.tenantLabel];
    if (tenant !== owner) {
      return { ok: false, reason: `alert of tenant ${JSON.stringify(tenant ?? '')} (label '${policy.safety.tenantLabel}') names namespace '${namespace}', which belongs to tenant ${JSON.stringify(owner)}; refusing to act across tenants` };
    }
  }
  if (rule.action.type === 'run-job') return { ok: true, target: { kind: 'namespace', namespace } };
  let sourceIp: string | undefined;
  if (rule.action.type === 'block-ip') {
    const addr = normalizeBlockAddress(labels[rule.action.sourceLabel] ?? '', policy.safety.protectedCidrs);
    if (!addr.ok) return { ok: false, reason: `label '${rule.action.sourceLabel}': ${addr.reason}` };
    sourceIp = addr.ip;
    if (rule.action.scope === 'namespace') return { ok: true, target: { kind: 'namespace', namespace }, sourceIp };
  }
  const dep = labels[tl.deployment];
  const sts = labels[tl.statefulset];
  const useSts = (dep === undefined || dep === '') && sts !== undefined && sts !== '';
  const label = useSts ? tl.statefulset : tl.deployment;
  const name = useSts ? sts : dep;
  const problem = checkName(name, useSts ? label : `${tl.deployment}' or '${tl.statefulset}`, DNS_SUBDOMAIN);
  if (problem !== undefined) return { ok: false, reason: problem };
  const target: ResolvedTarget = { kind: 'workload', workload: { kind: useSts ? 'StatefulSet' : 'Deployment', namespace, name: name as string } };
  return sourceIp !== undefined ? { ok: true, target, sourceIp } : { ok: true, target };
}

/**
 * A stable key for cooldowns and attempt counts: `<Kind>/<namespace>/<name>` for a workload (shared by
 * all rules), `Job/<namespace>/<template>` for `run-job`, `Namespace/<namespace>/<rule>` for a
 * namespace-wide block.
 */
export function targetKey(target: ResolvedTarget, rule: RemediationRule): string {
  return target.kind === 'workload'
    ? `${target.workload.kind}/${target.workload.namespace}/${target.workload.name}`
    : rule.action.type === 'run-job'
      ? `Job/${target.namespace}/${rule.action.template}`
      : `Namespace/${target.namespace}/${rule.name}`;
}
