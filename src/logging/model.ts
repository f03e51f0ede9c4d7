import { MANAGED_BY } from '../core/labels';
import { createHash } from 'node:crypto';
// The client's request and mapping types, without the client (whose declarations need esModuleInterop).
import type * as estypes from '@elastic/elasticsearch/lib/api/types';
import { DEV, EnvironmentProfile, PROD, STAGING } from '../core/environment';
import { isDnsLabel } from '../core/validation';
import { APPLICATION_LOG_MAPPINGS, AUDIT_EVENT_MAPPINGS, TRACE_SERVICE_MAPPINGS, TRACE_SPAN_MAPPINGS } from './mappings';

export { APPLICATION_LOG_MAPPINGS, AUDIT_EVENT_MAPPINGS, TRACE_SERVICE_MAPPINGS, TRACE_SPAN_MAPPINGS } from './mappings';

/**
 * Elasticsearch model: typed ILM policies, component and index templates, per-tenant data streams, and the
 * ordered plan of PUTs the index-setup program applies. Bodies are typed against the `@elastic/elasticsearch`
 * request types, so `tsc` checks them.
 */

/** The kinds of data each tenant stores. */
export type DataKind = 'app' | 'audit' | 'traces';

/** Retention in days per kind of data. */
export type RetentionDays = Readonly<Record<DataKind, number>>;

/** Retention limits from data protection rules. */
export interface GdprLimits {
  /**
   * Longest retention of audit events, in days.
   * @default 365
   */
  readonly auditMaxDays?: number;
  /**
   * Longest retention of data that can hold personal data (application logs and traces), in days.
   * @default 30
   */
  readonly personalDataMaxDays?: number;
}

/** A tenant's indices. */
export interface TenantIndicesSpec {
  /** Tenant id (DNS label). */
  readonly tenant: string;
  /**
   * Retention overrides for this tenant.
   * @default - the environment's retention
   */
  readonly retentionDays?: Partial<RetentionDays>;
}

/** Everything the index setup needs for one environment. */
export interface ElasticIndicesSpec {
  /** Environment name (recorded in `_meta`). */
  readonly environment: string;
  /** Retention of the environment, per kind. */
  readonly retentionDays: RetentionDays;
  /** Tenants. */
  readonly tenants: readonly TenantIndicesSpec[];
  /**
   * GDPR limits.
   * @default - the defaults of each GdprLimits field
   */
  readonly gdpr?: GdprLimits;
  /**
   * Days after which data moves to the warm phase (force-merged, lower priority).
   * @default 2
   */
  readonly warmAfterDays?: number;
  /**
   * Primary shards per backing index.
   * @default 1
   */
  readonly shards?: number;
  /**
   * Replicas per index.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Index prefix of each tenant's Jaeger indices; must match the collector's `index_prefix`.
   * @default (tenant) => `jaeger-${tenant}`
   */
  readonly traceIndexPrefix?: (tenant: string) => string;
}

/**
 * The retention of an environment profile in the model's terms: application logs `retention.logsDays`, audit
 * events `retention.auditDays`, traces `retention.tracesDays`. This is what the `ElasticIndices` construct uses.
 */
export function retentionDaysOf(profile: Pick<EnvironmentProfile, 'retention'>): RetentionDays {
  return { app: profile.retention.logsDays, audit: profile.retention.auditDays, traces: profile.retention.tracesDays };
}

/**
 * The retention of each built-in environment, for using the model on its own: read from the profiles
 * (`DEV`, `STAGING`, `PROD`) through {@link retentionDaysOf}, so the model and the construct agree.
 */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<'dev' | 'staging' | 'prod', RetentionDays>> = {
  dev: retentionDaysOf(DEV),
  staging: retentionDaysOf(STAGING),
  prod: retentionDaysOf(PROD),
};

/** Default GDPR limits. */
export const DEFAULT_GDPR_LIMITS: Required<GdprLimits> = { auditMaxDays: 365, personalDataMaxDays: 30 };


/** One PUT of the plan, typed by the request it sends. */
export type IndexSetupStep =
  | { readonly kind: 'ilm_policy'; readonly request: estypes.IlmPutLifecycleRequest }
  | { readonly kind: 'component_template'; readonly request: estypes.ClusterPutComponentTemplateRequest }
  | { readonly kind: 'index_template'; readonly request: estypes.IndicesPutIndexTemplateRequest }
  | { readonly kind: 'data_stream'; readonly request: estypes.IndicesCreateDataStreamRequest };

/** The ordered PUTs that set up the indices (policies, then component templates, index templates, data streams). */
export interface IndexSetupPlan {
  /** Plan format version. */
  readonly version: 1;
  /** Steps in the order they must be applied. */
  readonly steps: readonly IndexSetupStep[];
}

/** Names of the objects the plan creates for a tenant. */
export function tenantIndexNames(tenant: string, traceIndexPrefix: string = `jaeger-${tenant}`) {
  return {
    /** Data stream of application logs. */
    appStream: `logs-${tenant}-app`,
    /** Data stream of audit events. */
    auditStream: `logs-${tenant}-audit`,
    /** ILM policy per kind. */
    policy: (kind: DataKind): string => `tm-${tenant}-${kind}`,
    /** Index template per kind. */
    template: (kind: DataKind): string => `tm-${tenant}-${kind}`,
    /** Patterns of the Jaeger indices (span and service indices, one per day). */
    tracePatterns: [`${traceIndexPrefix}-jaeger-span-*`, `${traceIndexPrefix}-jaeger-service-*`],
  } as const;
}

/**
 * The audit data streams of every tenant, as one index pattern (`logs-*-audit`): what a platform-wide audit view
 * reads. Derived from {@link tenantIndexNames} so it follows the streams' naming.
 */
export const ALL_TENANTS_AUDIT_STREAMS: string = tenantIndexNames('*').auditStream;

/** Names of the shared component templates. */
export const COMPONENT_TEMPLATES = {
  app: 'tm-mappings-app-logs',
  audit: 'tm-mappings-audit-events',
  traceSpans: 'tm-mappings-jaeger-span',
  traceServices: 'tm-mappings-jaeger-service',
} as const;

/**
 * Priority of the project's index templates: above Elasticsearch's built-in `logs-*-*` template (100), so the
 * tenant data streams get these mappings and policies.
 */
export const TEMPLATE_PRIORITY = 200;


/** A retention that is not a whole number of days or breaks a GDPR limit. */
export class RetentionError extends Error {
  constructor(
    /** Whose retention: `environment 'prod'` or `tenant 'acme'`. */
    public readonly owner: string,
    /** The kind of data. */
    public readonly kind: DataKind,
    /** The retention received, in days. */
    public readonly days: number,
    /** What is allowed, e.g. `at most 365 days (the GDPR audit limit)`. */
    public readonly allowed: string,
    message: string,
  ) {
    super(message);
    this.name = 'RetentionError';
  }
}

function checkRetention(owner: string, retention: RetentionDays, gdpr: Required<GdprLimits>): void {
  for (const kind of ['app', 'audit', 'traces'] as const) {
    const days = retention[kind];
    if (!Number.isInteger(days) || days < 1) {
      throw new RetentionError(owner, kind, days, 'a whole number of days, at least 1', `${owner}: ${kind} retention ${days} must be a whole number of days, at least 1`);
    }
  }
  if (retention.audit > gdpr.auditMaxDays) {
    throw new RetentionError(owner, 'audit', retention.audit, `at most ${gdpr.auditMaxDays} days (the GDPR audit limit)`,
      `${owner}: audit retention of ${retention.audit} days exceeds the GDPR audit limit of ${gdpr.auditMaxDays} days`);
  }
  for (const kind of ['app', 'traces'] as const) {
    if (retention[kind] > gdpr.personalDataMaxDays) {
      throw new RetentionError(owner, kind, retention[kind], `at most ${gdpr.personalDataMaxDays} days (the GDPR personal-data limit)`,
        `${owner}: ${kind} retention of ${retention[kind]} days exceeds the GDPR personal-data limit of ${gdpr.personalDataMaxDays} days`);
    }
  }
}

/** Resolve a tenant's retention: the environment's, overridden by the tenant, checked against the GDPR limits. */
export function resolveRetention(spec: ElasticIndicesSpec, tenant: TenantIndicesSpec): RetentionDays {
  const gdpr = { ...DEFAULT_GDPR_LIMITS, ...spec.gdpr };
  checkRetention(`environment '${spec.environment}'`, spec.retentionDays, gdpr);
  const retention = { ...spec.retentionDays, ...tenant.retentionDays };
  checkRetention(`tenant '${tenant.tenant}'`, retention, gdpr);
  return retention;
}

/**
 * An ILM policy: hot (rolled over daily or at 50 GB per primary shard when `rollover`), warm after `warmAfterDays`
 * (force-merged, lower priority), deleted after `deleteAfterDays`. Without rollover (Jaeger's daily indices) ages
 * count from index creation.
 */
export function ilmPolicy(o: { readonly deleteAfterDays: number; readonly warmAfterDays: number; readonly rollover: boolean }): estypes.IlmPolicy {
  const phases: estypes.IlmPhases = {
    hot: {
      min_age: '0ms',
      actions: {
        set_priority: { priority: 100 },
        ...(o.rollover ? { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } : {}),
      },
    },
    // A warm phase only makes sense when data lives past it.
    ...(o.warmAfterDays < o.deleteAfterDays
      ? { warm: { min_age: `${o.warmAfterDays}d`, actions: { set_priority: { priority: 50 }, forcemerge: { max_num_segments: 1 } } } }
      : {}),
    delete: { min_age: `${o.deleteAfterDays}d`, actions: { delete: {} } },
  };
  return { phases };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** `_meta` of a managed object: who manages it and the hash of its desired body (how the setup program detects drift). */
function meta(environment: string, body: unknown): estypes.Metadata {
  return { managed_by: MANAGED_BY, environment, plan_hash: hashOf(body) };
}

function policyStep(environment: string, name: string, policy: estypes.IlmPolicy): IndexSetupStep {
  return { kind: 'ilm_policy', request: { name, policy: { ...policy, _meta: meta(environment, policy) } } };
}

function componentStep(environment: string, name: string, mappings: estypes.MappingTypeMapping): IndexSetupStep {
  const template: estypes.IndicesPutIndexTemplateIndexTemplateMapping = { mappings };
  return { kind: 'component_template', request: { name, template, _meta: meta(environment, template) } };
}

function indexTemplateStep(environment: string, request: Omit<estypes.IndicesPutIndexTemplateRequest, '_meta'>): IndexSetupStep {
  const { name, ...body } = request;
  return { kind: 'index_template', request: { name, ...body, _meta: meta(environment, body) } };
}

/**
 * Build the plan of one environment: shared component templates, then per tenant the ILM policies, index
 * templates (tenant pinned as a `constant_keyword`) and data streams.
 *
 * @throws Error when a tenant id is not a DNS label, a tenant is listed twice, or a retention breaks a GDPR limit.
 */
export function buildIndexSetupPlan(spec: ElasticIndicesSpec): IndexSetupPlan {
  const env = spec.environment;
  const warmAfterDays = spec.warmAfterDays ?? 2;
  const settings = (policy: string): estypes.IndicesIndexSettings => ({
    index: { lifecycle: { name: policy }, number_of_shards: spec.shards ?? 1, number_of_replicas: spec.replicas ?? 1 },
  });
  const tenantField = (tenant: string): estypes.MappingTypeMapping => ({ properties: { tenant: { type: 'constant_keyword', value: tenant } } });
  const seen = new Set<string>();
  const policies: IndexSetupStep[] = [];
  const templates: IndexSetupStep[] = [];
  const streams: IndexSetupStep[] = [];
  for (const t of spec.tenants) {
    if (!isDnsLabel(t.tenant)) {
      throw new Error(`ElasticIndicesSpec.tenants: '${t.tenant}' is not a DNS label`);
    }
    if (seen.has(t.tenant)) {
      throw new Error(`ElasticIndicesSpec.tenants: tenant '${t.tenant}' is listed twice`);
    }
    seen.add(t.tenant);
    const retention = resolveRetention(spec, t);
    const names = tenantIndexNames(t.tenant, spec.traceIndexPrefix?.(t.tenant));
    for (const kind of ['app', 'audit', 'traces'] as const) {
      policies.push(policyStep(env, names.policy(kind), ilmPolicy({ deleteAfterDays: retention[kind], warmAfterDays, rollover: kind !== 'traces' })));
    }
    for (const [kind, stream, component] of [['app', names.appStream, COMPONENT_TEMPLATES.app], ['audit', names.auditStream, COMPONENT_TEMPLATES.audit]] as const) {
      templates.push(indexTemplateStep(env, {
        name: names.template(kind),
        index_patterns: [stream],
        data_stream: {},
        priority: TEMPLATE_PRIORITY,
        composed_of: [component],
        template: { settings: settings(names.policy(kind)), mappings: tenantField(t.tenant) },
      }));
      streams.push({ kind: 'data_stream', request: { name: stream } });
    }
    templates.push(indexTemplateStep(env, {
      name: names.template('traces'),
      index_patterns: [...names.tracePatterns],
      priority: TEMPLATE_PRIORITY,
      composed_of: [COMPONENT_TEMPLATES.traceSpans, COMPONENT_TEMPLATES.traceServices],
      template: { settings: settings(names.policy('traces')) },
    }));
  }
  const components = [
    componentStep(env, COMPONENT_TEMPLATES.app, APPLICATION_LOG_MAPPINGS),
    componentStep(env, COMPONENT_TEMPLATES.audit, AUDIT_EVENT_MAPPINGS),
    componentStep(env, COMPONENT_TEMPLATES.traceSpans, TRACE_SPAN_MAPPINGS),
    componentStep(env, COMPONENT_TEMPLATES.traceServices, TRACE_SERVICE_MAPPINGS),
  ];
  return { version: 1, steps: [...policies, ...components, ...templates, ...streams] };
}

/** Render the plan as the JSON file the index-setup Job reads. */
export function renderIndexSetupPlan(plan: IndexSetupPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** The HTTP path a step PUTs to (for logs and messages). */
export function stepPath(step: IndexSetupStep): string {
  switch (step.kind) {
    case 'ilm_policy': return `_ilm/policy/${step.request.name}`;
    case 'component_template': return `_component_template/${step.request.name}`;
    case 'index_template': return `_index_template/${step.request.name}`;
    case 'data_stream': return `_data_stream/${step.request.name}`;
  }
}

/** The hash the plan recorded in a step's `_meta` (`undefined` for data streams, which are only created). */
export function stepPlanHash(step: IndexSetupStep): string | undefined {
  const m = step.kind === 'ilm_policy' ? step.request.policy?._meta : step.kind === 'data_stream' ? undefined : step.request._meta;
  const hash = m?.plan_hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * Read and check a plan file's content (the program's input boundary).
 *
 * @throws Error naming what is wrong.
 */
export function parseIndexSetupPlan(text: string): IndexSetupPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`plan is not JSON: ${(e as Error).message}`);
  }
  const plan = doc as { version?: unknown; steps?: unknown };
  if (plan === null || typeof plan !== 'object' || plan.version !== 1 || !Array.isArray(plan.steps)) {
    throw new Error('plan must be an object with version 1 and a steps array');
  }
  plan.steps.forEach((s: unknown, i: number) => {
    const step = s as { kind?: unknown; request?: { name?: unknown } };
    if (!['ilm_policy', 'component_template', 'index_template', 'data_stream'].includes(String(step?.kind)) || typeof step.request?.name !== 'string' || step.request.name === '') {
      throw new Error(`plan step ${i}: kind must be ilm_policy, component_template, index_template or data_stream, with a request naming the object`);
    }
  });
  return doc as IndexSetupPlan;
}
