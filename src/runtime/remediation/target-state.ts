/**
 * Dedup and cooldown state kept in the cluster, on the object an action changes, so that a
 * replacement pod (node drain, rollout, eviction) finds it where the previous pod left it.
 *
 * Each rule's last action on a target is a record `{ alert, at }` in one annotation of that
 * target, `remediation.tenant-monitoring.io/last-actions`, a JSON object keyed by rule name.
 * Annotations on the target were chosen over a ConfigMap or a Lease per tenant namespace because
 * the record then travels in the same write as the action: a restart's pod-template stamp and a
 * scale's `spec.replicas` are sent in one merge patch with the record, guarded by the
 * `resourceVersion` that was read, so the action and its record are applied together or not at
 * all. A separate object could only be written before the action (a crash in between leaves a
 * record of an action never taken) or after it (a crash in between repeats the action); it would
 * also need its own RBAC, a size bound, and one more API round trip per action. Objects the
 * controller creates (block NetworkPolicies, Jobs) carry the record on themselves and have names
 * derived from what they are for, so a create that was already applied is recognised by its name.
 */

/** Annotation holding a target's last action per rule (a JSON object `{ [rule]: LastAction }`). */
export const LAST_ACTIONS_ANNOTATION = 'remediation.tenant-monitoring.io/last-actions';

/** One rule's last action on a target. */
export interface LastAction {
  /** Dedup identity of the alert acted on (`fingerprint@startsAt`). */
  readonly alert: string;
  /** When the action was decided (RFC 3339). */
  readonly at: string;
}

/** What the cluster says about a new action of `rule` for `alertKey` on a target. */
export type ClusterVerdict =
  | { readonly verdict: 'act' }
  | { readonly verdict: 'duplicate'; readonly at: string }
  | { readonly verdict: 'cooldown'; readonly untilMs: number };

/**
 * Read the last-actions annotation; a value that is not a JSON object of records (hand-edited,
 * another tool's) is treated as no record, and is replaced by the next action.
 */
export function parseLastActions(annotations: Readonly<Record<string, string>> | undefined): Readonly<Record<string, LastAction>> {
  const text = annotations?.[LAST_ACTIONS_ANNOTATION];
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: Record<string, LastAction> = {};
  for (const [rule, r] of Object.entries(v as Record<string, unknown>)) {
    if (typeof r !== 'object' || r === null) continue;
    const { alert, at } = r as Record<string, unknown>;
    if (typeof alert === 'string' && typeof at === 'string' && !Number.isNaN(Date.parse(at))) out[rule] = { alert, at };
  }
  return out;
}

/** The annotation value after recording `record` for `rule`, keeping the other rules' records. */
export function withLastAction(annotations: Readonly<Record<string, string>> | undefined, rule: string, record: LastAction): string {
  return JSON.stringify({ ...parseLastActions(annotations), [rule]: record });
}

/**
 * Judge a new action from the target's annotations: the same alert already acted on by the rule is
 * a duplicate; another alert within `cooldownSeconds` of the rule's last action waits.
 */
export function clusterVerdict(annotations: Readonly<Record<string, string>> | undefined, rule: string, alertKey: string, cooldownSeconds: number, nowMs: number): ClusterVerdict {
  const last = parseLastActions(annotations)[rule];
  if (last === undefined) return { verdict: 'act' };
  if (last.alert === alertKey) return { verdict: 'duplicate', at: last.at };
  const untilMs = Date.parse(last.at) + cooldownSeconds * 1000;
  return untilMs > nowMs ? { verdict: 'cooldown', untilMs } : { verdict: 'act' };
}
