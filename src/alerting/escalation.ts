import { ESCALATION_LEVELS, EnvironmentProfile, EscalationLevel, LevelTiming } from '../core/environment';
import { TENANT_LABEL } from '../core/labels';
import { Matcher } from '../core/matcher';
import { Route, InhibitRule } from './model';
import { Receiver } from './receivers';

/** The optional alert label that sets the escalation level explicitly (`L1`..`L4`). */
export const ESCALATION_LABEL = 'escalation';

/** The label whose presence sends an alert to automatic remediation (L1). */
export const REMEDIATION_ACTION_LABEL = 'remediation_action';

/** The label naming the shared component an alert is about or depends on. */
export const COMPONENT_LABEL = 'component';

/** The alert that reports an outage of a shared component (carries `component`). */
export const COMPONENT_DOWN_ALERT = 'PlatformComponentDown';

/** Labels notifications are grouped by. */
export const DEFAULT_GROUP_BY: ReadonlyArray<string> = ['alertname', TENANT_LABEL, 'namespace'];

/**
 * How alerts map to escalation levels, in the order the routes try them (first match wins):
 * an `escalation` label of `L1`..`L4` wins; else a `remediation_action` label means L1; else
 * severity `critical` is L3, `warning` L2, `info` L1. L4 is reached only through the
 * `escalation` label (set by people or by time-based escalation rules).
 */
export const LEVEL_SELECTORS: ReadonlyArray<{ readonly level: EscalationLevel; readonly matchers: ReadonlyArray<Matcher> }> = [
  ...ESCALATION_LEVELS.map((level) => ({ level, matchers: [Matcher.eq(ESCALATION_LABEL, level)] })),
  { level: 'L1', matchers: [Matcher.regex(REMEDIATION_ACTION_LABEL, '.+')] },
  { level: 'L3', matchers: [Matcher.eq('severity', 'critical')] },
  { level: 'L2', matchers: [Matcher.eq('severity', 'warning')] },
  { level: 'L1', matchers: [Matcher.eq('severity', 'info')] },
];

/** The escalation level of an alert with `labels` (the same table the routes implement). */
export function escalationLevelOf(labels: Readonly<Record<string, string>>): EscalationLevel | undefined {
  return LEVEL_SELECTORS.find((s) => s.matchers.every((m) => m.matches(labels)))?.level;
}

/** Receiver names per escalation level. */
export type LevelReceivers = Readonly<Record<EscalationLevel, ReadonlyArray<string>>>;

/** The receivers usable in `profile` (kind listed in `profile.receivers`), by the levels they serve. */
export function receiversByLevel(receivers: ReadonlyArray<Receiver>, profile: EnvironmentProfile): LevelReceivers {
  const usable = receivers.filter((r) => profile.receivers.includes(r.kind));
  return Object.fromEntries(ESCALATION_LEVELS.map((l) => [l, usable.filter((r) => r.levels.includes(l)).map((r) => r.name)])) as unknown as LevelReceivers;
}

/**
 * Fill the gaps of `own` so every level has receivers when any level has: a level without its own
 * receivers takes `fallback`'s for that level, then the nearest lower level's, then the nearest
 * higher level's (a page with no pager in this environment still reaches the on-call chat).
 */
export function resolveLevelReceivers(own: LevelReceivers, fallback?: LevelReceivers): LevelReceivers {
  const direct = ESCALATION_LEVELS.map((l) => (own[l].length > 0 ? own[l] : fallback?.[l] ?? []));
  const resolved = ESCALATION_LEVELS.map((_, i) => {
    for (let j = i; j >= 0; j--) if (direct[j].length > 0) return direct[j];
    for (let j = i + 1; j < direct.length; j++) if (direct[j].length > 0) return direct[j];
    return [];
  });
  return Object.fromEntries(ESCALATION_LEVELS.map((l, i) => [l, resolved[i]])) as unknown as LevelReceivers;
}

function timingOf(t: LevelTiming): Pick<Route, 'groupWait' | 'groupInterval' | 'repeatInterval'> {
  return { groupWait: t.groupWait, groupInterval: t.groupInterval, repeatInterval: t.repeatInterval };
}

/** A route sending what reaches it to every receiver in `names` (one child per receiver, `continue` between them). */
function fanOut(names: ReadonlyArray<string>): Pick<Route, 'receiver' | 'routes'> {
  if (names.length <= 1) return { receiver: names[0] };
  return {
    receiver: names[0],
    routes: names.map((name, i) => ({ receiver: name, continue: i < names.length - 1 })),
  };
}

/** The level routes (see `LEVEL_SELECTORS`), each with the profile's timing for its level. */
export function escalationRoutes(profile: EnvironmentProfile, levels: LevelReceivers): Route[] {
  return LEVEL_SELECTORS
    .filter((s) => levels[s.level].length > 0)
    .map((s) => ({ matchers: s.matchers, ...timingOf(profile.escalation[s.level]), ...fanOut(levels[s.level]) }));
}

/** One tenant's own routing. */
export interface TenantRouting {
  /** The tenant id (the `tenant` label value). */
  readonly tenant: string;
  /** The tenant's receivers; levels they do not serve fall back to the platform's receivers. */
  readonly receivers: ReadonlyArray<Receiver>;
  /** Names that did not resolve to a receiver (reported by validation). @default - none */
  readonly unresolved?: ReadonlyArray<string>;
  /** Time intervals outside which the tenant's notifications are muted. @default - always */
  readonly activeTimeIntervals?: ReadonlyArray<string>;
}

/** What the route tree is built from. */
export interface RoutingPlan {
  readonly profile: EnvironmentProfile;
  /** Receivers of the platform team: the catch-all and every level a tenant does not cover. */
  readonly platformReceivers: ReadonlyArray<Receiver>;
  /** Per-tenant sub-routes, in order. */
  readonly tenants: ReadonlyArray<TenantRouting>;
  /** Routes tried before the tenant routes. @default - none */
  readonly extraRoutes?: ReadonlyArray<Route>;
  /** Grouping labels. @default DEFAULT_GROUP_BY */
  readonly groupBy?: ReadonlyArray<string>;
  /** The catch-all receiver's name. @default - the platform's first L2 receiver (after fallback) */
  readonly defaultReceiver?: string;
}

/**
 * Build the route tree: custom routes, then one sub-route per tenant (matched on `tenant="<id>"`,
 * with level routes over the tenant's receivers plus the platform's shared ones, such as the
 * remediation webhook), then the platform's level routes. The root's
 * receiver catches everything else, so no alert is dropped.
 */
export function buildRouteTree(plan: RoutingPlan): Route {
  const platformOwn = receiversByLevel(plan.platformReceivers, plan.profile);
  const platform = resolveLevelReceivers(platformOwn);
  const shared = receiversByLevel(plan.platformReceivers.filter((r) => r.shared), plan.profile);
  const tenantRoutes: Route[] = plan.tenants.map((t) => {
    const own = resolveLevelReceivers(receiversByLevel(t.receivers, plan.profile), platformOwn);
    const levels = Object.fromEntries(ESCALATION_LEVELS.map((l) => [l, [...new Set([...own[l], ...shared[l]])]])) as unknown as LevelReceivers;
    const unresolved = t.unresolved ?? [];
    return {
      matchers: [Matcher.eq(TENANT_LABEL, t.tenant)],
      receiver: unresolved[0] ?? levels.L2[0],
      activeTimeIntervals: t.activeTimeIntervals,
      routes: unresolved.length > 0 ? unresolved.map((name) => ({ receiver: name })) : escalationRoutes(plan.profile, levels),
    };
  });
  return {
    receiver: plan.defaultReceiver ?? platform.L2[0],
    groupBy: plan.groupBy ?? DEFAULT_GROUP_BY,
    ...timingOf(plan.profile.escalation.L2),
    routes: [...(plan.extraRoutes ?? []), ...tenantRoutes, ...escalationRoutes(plan.profile, platform)],
  };
}

/**
 * The correlation rules:
 * - a critical alert mutes the warning of the same alert name and tenant;
 * - a page-level SLO burn mutes the ticket-level burn of the same SLO and tenant;
 * - `PlatformComponentDown{component="x"}` mutes every other alert carrying `component="x"`.
 */
export function defaultInhibitRules(): InhibitRule[] {
  return [
    {
      sourceMatchers: [Matcher.eq('severity', 'critical')],
      targetMatchers: [Matcher.eq('severity', 'warning')],
      equal: ['alertname', TENANT_LABEL],
    },
    {
      sourceMatchers: [Matcher.eq('severity', 'critical'), Matcher.regex('slo', '.+')],
      targetMatchers: [Matcher.eq('severity', 'warning'), Matcher.regex('slo', '.+')],
      equal: ['slo', TENANT_LABEL],
    },
    {
      sourceMatchers: [Matcher.eq('alertname', COMPONENT_DOWN_ALERT)],
      targetMatchers: [Matcher.regex(COMPONENT_LABEL, '.+'), Matcher.notEq('alertname', COMPONENT_DOWN_ALERT)],
      equal: [COMPONENT_LABEL],
    },
  ];
}
