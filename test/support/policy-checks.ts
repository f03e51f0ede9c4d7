/**
 * The policy suite: named checks over every synthesized object, each with an id and the public
 * standard it comes from. A failing check reports the object and the reason.
 */
import { Manifest } from './schema';
import { PodSpecLike, podTemplates, restrictedViolations } from './pod-security';

type Obj = Manifest & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

/** One named check. */
export interface PolicyCheck {
  /** Stable id, e.g. `RBAC-001`. */
  readonly id: string;
  /** What it requires. */
  readonly title: string;
  /** The public standard it comes from. */
  readonly standard: string;
  /** The violations in a set of objects, each naming the object and the reason. */
  readonly run: (objects: ReadonlyArray<Obj>) => string[];
}

const ref = (o: Obj) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Does a label selector (matchLabels + matchExpressions) select these labels? An empty selector selects all. */
export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
  }
  return true;
}

/** Workloads with their pod template, labels and namespace. */
interface Workload {
  readonly object: Obj;
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly pod: PodSpecLike & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly replicas: number;
}

function workloads(objects: ReadonlyArray<Obj>): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    const spec = o.spec;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) && spec?.template) {
      out.push({ object: o, namespace: o.metadata.namespace ?? '', podLabels: spec.template.metadata?.labels ?? {}, pod: spec.template.spec, replicas: spec.replicas ?? 1 });
    } else if (o.kind === 'CronJob' && spec?.jobTemplate?.spec?.template) {
      const t = spec.jobTemplate.spec.template;
      out.push({ object: o, namespace: o.metadata.namespace ?? '', podLabels: t.metadata?.labels ?? {}, pod: t.spec, replicas: 1 });
    }
  }
  return out;
}

const containersOf = (w: Workload) => [...(w.pod.containers ?? []), ...(w.pod.initContainers ?? [])] as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SECRETISH_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const SECRET_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bAKIA[0-9A-Z]{16}\b/, /\bxox[abpr]-[0-9A-Za-z-]{10,}/, /hooks\.slack\.com\/services\/[A-Z0-9]/,
  /discord(app)?\.com\/api\/webhooks\/\d/, /"?(password|passwd|secret|token|api_key|routing_key)"?\s*[:=]\s*"?(?!\$\{)(?!\/)[^\s"',}{]{6,}/i,
];

/** The suite. */
export const POLICY_CHECKS: ReadonlyArray<PolicyCheck> = [
  {
    id: 'PSS-001',
    title: 'Every pod meets the Pod Security Standards "restricted" profile',
    standard: 'Kubernetes Pod Security Standards, restricted profile (v1.28)',
    run: (objects) => podTemplates(objects).flatMap(restrictedViolations).filter((v) => !/must (request|limit)|dedicated ServiceAccount|read-only root/.test(v)),
  },
  {
    id: 'RES-001',
    title: 'Every container sets CPU and memory requests and limits',
    standard: 'NSA/CISA Kubernetes Hardening Guide (resource policies); Kubernetes docs, Resource Management for Pods and Containers',
    run: (objects) => workloads(objects).flatMap((w) => containersOf(w).flatMap((c) => ['cpu', 'memory'].flatMap((r) => [
      ...(c.resources?.requests?.[r] ? [] : [`${ref(w.object)}: container ${c.name} has no ${r} request`]),
      ...(c.resources?.limits?.[r] ? [] : [`${ref(w.object)}: container ${c.name} has no ${r} limit`]),
    ]))),
  },
  {
    id: 'PROBE-001',
    title: 'Pods behind a Service have readiness and liveness probes on their serving containers',
    standard: 'Kubernetes docs, Configure Liveness, Readiness and Startup Probes',
    run: (objects) => {
      const services = objects.filter((o) => o.kind === 'Service' && o.spec?.selector);
      return workloads(objects).filter((w) => services.some((s) => s.metadata.namespace === w.namespace && selects({ matchLabels: s.spec.selector }, w.podLabels)))
        .flatMap((w) => containersOf(w).filter((c) => (c.ports ?? []).length > 0).flatMap((c) => [
          ...(c.readinessProbe ? [] : [`${ref(w.object)}: container ${c.name} is behind a Service but has no readinessProbe`]),
          ...(c.livenessProbe ? [] : [`${ref(w.object)}: container ${c.name} is behind a Service but has no livenessProbe`]),
        ]));
    },
  },
  {
    id: 'SA-001',
    title: 'Every workload runs under its own ServiceAccount',
    standard: 'CIS Kubernetes Benchmark 5.1.5 (default service accounts are not actively used)',
    run: (objects) => {
      const accounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      const users = new Map<string, string[]>();
      const out: string[] = [];
      for (const w of workloads(objects)) {
        const sa = w.pod.serviceAccountName;
        if (!sa || sa === 'default') { out.push(`${ref(w.object)}: uses the default ServiceAccount`); continue; }
        if (!accounts.has(`${w.namespace}/${sa}`)) out.push(`${ref(w.object)}: ServiceAccount ${sa} is not defined`);
        const key = `${w.namespace}/${sa}`;
        users.set(key, [...(users.get(key) ?? []), ref(w.object)]);
      }
      for (const [sa, ws] of users) if (ws.length > 1) out.push(`ServiceAccount/${sa}: shared by ${ws.join(', ')}`);
      return out;
    },
  },
  {
    id: 'SA-002',
    title: 'API tokens are mounted only into pods that use the Kubernetes API (bound to a Role)',
    standard: 'CIS Kubernetes Benchmark 5.1.6 (service account tokens are only mounted where necessary)',
    run: (objects) => {
      const bound = new Set(objects.filter((o) => o.kind === 'RoleBinding').flatMap((b) => (b.subjects ?? []).map((s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`)));
      const accounts = new Map(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
      return workloads(objects).flatMap((w) => {
        const key = `${w.namespace}/${w.pod.serviceAccountName}`;
        const mounted = w.pod.automountServiceAccountToken ?? accounts.get(key)?.automountServiceAccountToken ?? true;
        return mounted && !bound.has(key) ? [`${ref(w.object)}: mounts an API token but its ServiceAccount has no Role`] : [];
      });
    },
  },
  {
    id: 'IMG-001',
    title: 'Every image is pinned to a tag or digest (never :latest or untagged)',
    standard: 'NSA/CISA Kubernetes Hardening Guide (use immutable, scanned images)',
    run: (objects) => workloads(objects).flatMap((w) => containersOf(w).flatMap((c) => {
      const image = String(c.image ?? '');
      const pinned = /@sha256:[a-f0-9]{64}$/.test(image) || (/:[\w][\w.-]*$/.test(image.split('/').pop() ?? '') && !image.endsWith(':latest'));
      return pinned ? [] : [`${ref(w.object)}: container ${c.name} image ${JSON.stringify(image)} is not pinned`];
    })),
  },
  {
    id: 'HA-001',
    title: 'Workloads with more than one replica have a PodDisruptionBudget and anti-affinity',
    standard: 'Kubernetes docs, Disruptions and Assigning Pods to Nodes (pod anti-affinity)',
    run: (objects) => {
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
      const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
      return workloads(objects).filter((w) => w.replicas > 1 || hpas.some((h) => h.metadata.namespace === w.namespace && h.spec.scaleTargetRef.name === w.object.metadata.name)).flatMap((w) => [
        ...(pdbs.some((p) => p.metadata.namespace === w.namespace && selects(p.spec.selector, w.podLabels)) ? [] : [`${ref(w.object)}: ${w.replicas} replicas but no PodDisruptionBudget selects its pods`]),
        ...(w.pod.affinity?.podAntiAffinity || w.pod.topologySpreadConstraints ? [] : [`${ref(w.object)}: ${w.replicas} replicas but no pod anti-affinity or topology spread`]),
      ]);
    },
  },
  {
    id: 'HPA-001',
    title: 'A PodDisruptionBudget never requires as many pods as the autoscaler minimum',
    standard: 'Kubernetes docs, Specifying a Disruption Budget (a budget at the minimum blocks node drains)',
    run: (objects) => objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').flatMap((h) => {
      const min = h.spec.minReplicas ?? 1;
      return objects.filter((p) => p.kind === 'PodDisruptionBudget' && p.metadata.namespace === h.metadata.namespace && p.metadata.name === h.metadata.name).flatMap((p) => {
        const minAvailable = p.spec.minAvailable;
        if (typeof minAvailable === 'number' && minAvailable >= min) return [`${ref(p)}: minAvailable ${minAvailable} is not below ${ref(h)} minReplicas ${min}`];
        if (p.spec.maxUnavailable === 0) return [`${ref(p)}: maxUnavailable 0 blocks every drain`];
        return [];
      });
    }),
  },
  {
    id: 'JOB-001',
    title: 'Jobs and CronJobs bound their run time, retries and history; CronJobs do not overlap',
    standard: 'Kubernetes docs, Jobs and CronJob (activeDeadlineSeconds, backoffLimit, concurrencyPolicy, history limits)',
    run: (objects) => objects.flatMap((o) => {
      const job = o.kind === 'Job' ? o.spec : o.kind === 'CronJob' ? o.spec.jobTemplate?.spec : undefined;
      if (!job) return [];
      const out: string[] = [];
      if (job.activeDeadlineSeconds === undefined) out.push(`${ref(o)}: no activeDeadlineSeconds`);
      if (job.backoffLimit === undefined) out.push(`${ref(o)}: no backoffLimit`);
      if (o.kind === 'CronJob') {
        if (o.spec.concurrencyPolicy !== 'Forbid' && o.spec.concurrencyPolicy !== 'Replace') out.push(`${ref(o)}: concurrencyPolicy must be Forbid or Replace`);
        if (o.spec.startingDeadlineSeconds === undefined) out.push(`${ref(o)}: no startingDeadlineSeconds`);
        if (o.spec.successfulJobsHistoryLimit === undefined || o.spec.failedJobsHistoryLimit === undefined) out.push(`${ref(o)}: unbounded job history`);
      }
      return out;
    }),
  },
  {
    id: 'RBAC-001',
    title: 'RBAC is namespace-scoped, without wildcards, escalate, bind, impersonate, pods/exec or unscoped Secret reads',
    standard: 'CIS Kubernetes Benchmark 5.1.1, 5.1.2, 5.1.3, 5.1.8; Kubernetes docs, RBAC Good Practices',
    run: (objects) => objects.flatMap((o) => {
      if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') return [`${ref(o)}: cluster-scoped RBAC`];
      if (o.kind !== 'Role') return [];
      return (o.rules ?? []).flatMap((r: { verbs: string[]; resources?: string[]; apiGroups?: string[]; resourceNames?: string[] }, i: number) => {
        const out: string[] = [];
        const at = `${ref(o)}: rules[${i}]`;
        if ([...r.verbs, ...(r.resources ?? []), ...(r.apiGroups ?? [])].includes('*')) out.push(`${at} uses a wildcard`);
        for (const v of ['escalate', 'bind', 'impersonate']) if (r.verbs.includes(v)) out.push(`${at} grants ${v}`);
        if ((r.resources ?? []).some((x) => x === 'pods/exec' || x === 'pods/attach')) out.push(`${at} grants exec/attach into pods`);
        if ((r.resources ?? []).includes('secrets') && r.verbs.some((v) => ['get', 'list', 'watch'].includes(v)) && !(r.resourceNames ?? []).length) out.push(`${at} reads Secrets without resourceNames`);
        return out;
      });
    }),
  },
  {
    id: 'SEC-001',
    title: 'No credential in a ConfigMap or in a plain environment value',
    standard: 'CIS Kubernetes Benchmark 5.4.1 (prefer Secrets as files over environment variables); OWASP Kubernetes Top 10 K08',
    run: (objects) => [
      ...objects.filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.entries({ ...(o.data ?? {}) } as Record<string, string>).flatMap(([k, v]) =>
        SECRET_VALUE.some((re) => re.test(v)) ? [`${ref(o)}: key ${k} looks like it holds a credential`] : [])),
      ...workloads(objects).flatMap((w) => containersOf(w).flatMap((c) => (c.env ?? []).filter((e: { name: string; value?: string }) => e.value !== undefined && SECRETISH_NAME.test(e.name))
        .map((e: { name: string }) => `${ref(w.object)}: container ${c.name} sets ${e.name} as a plain value`))),
    ],
  },
  {
    id: 'NET-001',
    title: 'Every pod is selected by NetworkPolicies that restrict both its ingress and its egress',
    standard: 'CIS Kubernetes Benchmark 5.3.2 (all namespaces have NetworkPolicies defined)',
    run: (objects) => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      return workloads(objects).flatMap((w) => {
        const mine = policies.filter((p) => p.metadata.namespace === w.namespace && selects(p.spec.podSelector, w.podLabels));
        return ['Ingress', 'Egress'].filter((t) => !mine.some((p) => (p.spec.policyTypes ?? ['Ingress']).includes(t)))
          .map((t) => `${ref(w.object)}: no NetworkPolicy governs its ${t.toLowerCase()}`);
      });
    },
  },
  {
    id: 'NET-002',
    title: 'Every NetworkPolicy rule names both its peers and its ports (a rule without either opens every peer or every port)',
    standard: 'Kubernetes docs, Network Policies (least privilege: rules select peers and ports); NSA/CISA Kubernetes Hardening Guide (network separation)',
    run: (objects) => objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((o) => (['ingress', 'egress'] as const).flatMap((dir) =>
      ((o.spec?.[dir] ?? []) as Array<{ from?: unknown[]; to?: unknown[]; ports?: unknown[] }>).flatMap((r, i) => [
        ...((dir === 'ingress' ? r.from : r.to)?.length ? [] : [`${ref(o)}: ${dir}[${i}] admits every peer`]),
        ...(r.ports?.length ? [] : [`${ref(o)}: ${dir}[${i}] opens every port`]),
      ]))),
  },
  {
    id: 'TEN-001',
    title: 'Every tenant namespace has default-deny ingress and egress, a ResourceQuota and a LimitRange',
    standard: 'NSA/CISA Kubernetes Hardening Guide (namespaces, network separation, resource policies)',
    run: (objects) => objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['monitoring.cdk8s.io/tenant-namespace'] === 'true').flatMap((ns) => {
      const n = ns.metadata.name;
      const inNs = objects.filter((o) => o.metadata.namespace === n);
      const out: string[] = [];
      const denyAll = inNs.some((o) => o.kind === 'NetworkPolicy' && Object.keys(o.spec.podSelector ?? {}).length === 0
        && ['Ingress', 'Egress'].every((t) => (o.spec.policyTypes ?? []).includes(t)) && !o.spec.ingress && !o.spec.egress);
      if (!denyAll) out.push(`${ref(ns)}: no default-deny NetworkPolicy for ingress and egress`);
      if (!inNs.some((o) => o.kind === 'ResourceQuota')) out.push(`${ref(ns)}: no ResourceQuota`);
      if (!inNs.some((o) => o.kind === 'LimitRange')) out.push(`${ref(ns)}: no LimitRange`);
      if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') out.push(`${ref(ns)}: does not enforce Pod Security "restricted"`);
      return out;
    }),
  },
];

/** Run every check; returns `[id, violation]` pairs. */
export function runPolicySuite(objects: ReadonlyArray<Obj>): Array<[string, string]> {
  return POLICY_CHECKS.flatMap((c) => c.run(objects).map((v) => [c.id, v] as [string, string]));
}
