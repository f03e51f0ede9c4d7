import { ErrorLocation, ValidationError } from './errors';
import { parseQuantity } from './quantity';
import { validateDnsLabel, validateInteger } from './validation';

/**
 * A tenant's service tier. It chooses quotas, how fast alerts escalate and how long data is kept.
 * - `basic`: best effort, business hours.
 * - `standard`: the default.
 * - `premium`: tighter escalation, longer retention.
 */
export type TenantTier = 'basic' | 'standard' | 'premium';

/** The tiers, in ascending order of service. */
export const TENANT_TIERS: ReadonlyArray<TenantTier> = ['basic', 'standard', 'premium'];

/** Compute and object-count limits for a tenant namespace (a ResourceQuota and a LimitRange). */
export interface TenantQuotas {
  /** Total CPU requests. @default '8' */
  readonly requestsCpu?: string;
  /** Total memory requests. @default '16Gi' */
  readonly requestsMemory?: string;
  /** Total CPU limits. @default '16' */
  readonly limitsCpu?: string;
  /** Total memory limits. @default '32Gi' */
  readonly limitsMemory?: string;
  /** Total storage requested by PersistentVolumeClaims. @default '100Gi' */
  readonly requestsStorage?: string;
  /** Number of pods. @default 100 */
  readonly pods?: number;
  /** Number of Services. @default 20 */
  readonly services?: number;
  /** Number of ConfigMaps. @default 50 */
  readonly configMaps?: number;
  /** Number of Secrets. @default 50 */
  readonly secrets?: number;
  /** Number of PersistentVolumeClaims. @default 20 */
  readonly persistentVolumeClaims?: number;
  /** Smallest CPU a container may request (LimitRange min). @default '10m' */
  readonly containerMinCpu?: string;
  /** Largest CPU limit a container may have (LimitRange max). @default '4' */
  readonly containerMaxCpu?: string;
  /** Smallest memory a container may request (LimitRange min). @default '16Mi' */
  readonly containerMinMemory?: string;
  /** Largest memory limit a container may have (LimitRange max). @default '8Gi' */
  readonly containerMaxMemory?: string;
  /** CPU request given to containers that set none. @default '100m' */
  readonly defaultRequestCpu?: string;
  /** Memory request given to containers that set none. @default '128Mi' */
  readonly defaultRequestMemory?: string;
  /** CPU limit given to containers that set none. @default '500m' */
  readonly defaultLimitCpu?: string;
  /** Memory limit given to containers that set none. @default '512Mi' */
  readonly defaultLimitMemory?: string;
}

/** Who to reach about a tenant. */
export interface TenantContacts {
  /** The owning team's name. */
  readonly team: string;
  /** The team's e-mail address. @default - no e-mail contact */
  readonly email?: string;
  /** The Slack channel for alerts, e.g. `#acme-alerts`. @default - no Slack channel */
  readonly slackChannel?: string;
}

/** Everything that defines one tenant. */
export interface TenantSpec {
  /** The tenant id: a DNS-1123 label. It names the namespace and is the `tenant` label value. */
  readonly id: string;
  /** Human-readable name for dashboards and notifications. @default - the id */
  readonly displayName?: string;
  /** Service tier. @default 'standard' */
  readonly tier?: TenantTier;
  /** Namespace quotas. @default - the defaults of each `TenantQuotas` field */
  readonly quotas?: TenantQuotas;
  /** Contacts for notifications. */
  readonly contacts: TenantContacts;
}

/** A `TenantQuotas` with every field filled in. */
export type ResolvedQuotas = Required<TenantQuotas>;

/** The quota defaults. */
export const DEFAULT_QUOTAS: ResolvedQuotas = {
  requestsCpu: '8',
  requestsMemory: '16Gi',
  limitsCpu: '16',
  limitsMemory: '32Gi',
  requestsStorage: '100Gi',
  pods: 100,
  services: 20,
  configMaps: 50,
  secrets: 50,
  persistentVolumeClaims: 20,
  containerMinCpu: '10m',
  containerMaxCpu: '4',
  containerMinMemory: '16Mi',
  containerMaxMemory: '8Gi',
  defaultRequestCpu: '100m',
  defaultRequestMemory: '128Mi',
  defaultLimitCpu: '500m',
  defaultLimitMemory: '512Mi',
};

/** A validated tenant with defaults applied. */
export interface ResolvedTenant {
  readonly id: string;
  readonly displayName: string;
  readonly tier: TenantTier;
  readonly quotas: ResolvedQuotas;
  readonly contacts: TenantContacts;
}

const QUANTITY_FIELDS = [
  'requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'requestsStorage',
  'containerMinCpu', 'containerMaxCpu', 'containerMinMemory', 'containerMaxMemory',
  'defaultRequestCpu', 'defaultRequestMemory', 'defaultLimitCpu', 'defaultLimitMemory',
] as const;
const COUNT_FIELDS = ['pods', 'services', 'configMaps', 'secrets', 'persistentVolumeClaims'] as const;

/** Ordered pairs (smaller, larger) that must hold in a quota. */
const ORDERED: ReadonlyArray<readonly [keyof ResolvedQuotas, keyof ResolvedQuotas]> = [
  ['requestsCpu', 'limitsCpu'],
  ['requestsMemory', 'limitsMemory'],
  ['containerMinCpu', 'defaultRequestCpu'],
  ['defaultRequestCpu', 'defaultLimitCpu'],
  ['defaultLimitCpu', 'containerMaxCpu'],
  ['containerMinMemory', 'defaultRequestMemory'],
  ['defaultRequestMemory', 'defaultLimitMemory'],
  ['defaultLimitMemory', 'containerMaxMemory'],
  ['containerMaxCpu', 'limitsCpu'],
  ['containerMaxMemory', 'limitsMemory'],
];

/** Validate a tenant spec and fill in its defaults; throws `ValidationError` naming the field. */
export function resolveTenant(spec: TenantSpec, location: ErrorLocation): ResolvedTenant {
  validateDnsLabel(spec.id, location, 'tenant.id');
  const tier = spec.tier ?? 'standard';
  if (!TENANT_TIERS.includes(tier)) throw new ValidationError(location, 'tenant.tier', tier, TENANT_TIERS.join(', '));
  if (!spec.contacts || typeof spec.contacts.team !== 'string' || spec.contacts.team.trim() === '') {
    throw new ValidationError(location, 'tenant.contacts.team', spec.contacts?.team, 'a non-empty team name');
  }
  if (spec.contacts.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(spec.contacts.email)) {
    throw new ValidationError(location, 'tenant.contacts.email', spec.contacts.email, 'an e-mail address such as team@example.com');
  }
  const quotas: ResolvedQuotas = { ...DEFAULT_QUOTAS, ...(spec.quotas ?? {}) };
  const values: Partial<Record<keyof ResolvedQuotas, number>> = {};
  for (const f of QUANTITY_FIELDS) values[f] = parseQuantity(quotas[f], location, `tenant.quotas.${f}`);
  for (const f of COUNT_FIELDS) values[f] = validateInteger(quotas[f], 0, 100_000, location, `tenant.quotas.${f}`);
  for (const [small, large] of ORDERED) {
    if ((values[small] as number) > (values[large] as number)) {
      throw new ValidationError(location, `tenant.quotas.${small}`, quotas[small],
        `at most tenant.quotas.${large} (${quotas[large]})`, 'minimum exceeds maximum');
    }
  }
  return {
    id: spec.id,
    displayName: spec.displayName ?? spec.id,
    tier,
    quotas,
    contacts: spec.contacts,
  };
}
