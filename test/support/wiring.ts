/**
 * Checks across objects, made the way the kubelet and the operators read the synthesized
 * manifests: files a configuration reads must be mounted, names a panel uses must be provisioned,
 * list-maps must not repeat a key. Each returns its problems as readable lines (empty when sound).
 *
 * The mount layouts are written here from the operators' documentation, independently of the
 * library code that renders the configurations:
 * - prometheus-operator, Alertmanager: `spec.configSecret` keys under `/etc/alertmanager/config/`,
 *   `spec.secrets[i]` under `/etc/alertmanager/secrets/<name>/`, `spec.configMaps[i]` under
 *   `/etc/alertmanager/configmaps/<name>/` (API reference, AlertmanagerSpec).
 * - prometheus-operator, Prometheus: `spec.secrets[i]` under `/etc/prometheus/secrets/<name>/`,
 *   `spec.configMaps[i]` under `/etc/prometheus/configmaps/<name>/`, plus the pod's ServiceAccount
 *   token under `/var/run/secrets/kubernetes.io/serviceaccount/` (PrometheusSpec).
 * - kubelet: a container sees a file only under one of its `volumeMounts`; a ConfigMap or Secret
 *   volume with `items` holds exactly those paths, a ConfigMap volume without them holds its keys.
 */
import { parse } from 'yaml';
import { Manifest } from './schema';
import { podTemplates } from './pod-security';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** A file a config reads: its path and where the reference was found. */
interface FileRead {
  readonly path: string;
  readonly source: string;
}

/** Every value of `*_file` / `*File` fields and `templates` entries, at any depth. */
function fileFields(value: unknown, at: string, out: FileRead[] = [], field?: string): FileRead[] {
  if (Array.isArray(value)) value.forEach((v, i) => fileFields(v, `${at}[${i}]`, out, field));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) fileFields(v, `${at}.${k}`, out, k);
  else if (typeof value === 'string' && field !== undefined && (/(_file|File)$/.test(field) || field === 'templates')) out.push({ path: value, source: at });
  return out;
}

function under(dir: string, file: string): boolean {
  return file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** The Secret or ConfigMap object of the output, if the app synthesizes it. */
function findObject(objects: ReadonlyArray<Manifest>, kind: string, namespace: string, name: string): Obj | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === namespace) as Obj | undefined;
}

function dataKeys(o: Obj): string[] {
  return [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {}), ...Object.keys(o.binaryData ?? {})];
}

/**
 * Files read by each operator-managed Alertmanager's configuration (from its config Secret, when
 * the app synthesizes it) and by each Prometheus and its ServiceMonitors, against the operator's
 * mount layout.
 */
export function operatorMountProblems(objects: ReadonlyArray<Manifest>): string[] {
  const problems: string[] = [];
  for (const am of objects.filter((o) => o.kind === 'Alertmanager')) {
    const spec = am.spec as Obj;
    const ns = am.metadata.namespace ?? '';
    const secret = spec.configSecret ? findObject(objects, 'Secret', ns, spec.configSecret) : undefined;
    if (spec.configSecret && !secret) continue; // created out of band: nothing to read here
    const configKeys = secret ? dataKeys(secret) : [];
    const text = secret?.stringData?.['alertmanager.yaml'] ?? (secret?.data?.['alertmanager.yaml'] ? Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString() : undefined);
    if (text === undefined) continue;
    const dirs: Array<[string, string[] | undefined]> = [
      ['/etc/alertmanager/config', configKeys],
      ...(spec.secrets ?? []).map((s: string): [string, undefined] => [`/etc/alertmanager/secrets/${s}`, undefined]),
      ...(spec.configMaps ?? []).map((c: string): [string, string[] | undefined] => {
        const cm = findObject(objects, 'ConfigMap', ns, c);
        return [`/etc/alertmanager/configmaps/${c}`, cm ? dataKeys(cm) : undefined];
      }),
    ];
    for (const f of fileFields(parse(text), 'alertmanager.yaml')) {
      const dir = dirs.find(([d]) => under(d, f.path));
      if (!dir) {
        problems.push(`${key(am)}: ${f.source} reads ${f.path}, but the operator mounts nothing there (spec.secrets: ${(spec.secrets ?? []).join(', ') || 'none'})`);
        continue;
      }
      const rest = f.path.slice(dir[0].length + 1);
      const keys = dir[1];
      if (keys && !rest.includes('*') && !keys.includes(rest)) problems.push(`${key(am)}: ${f.source} reads ${f.path}, but ${dir[0]} holds only ${keys.join(', ')}`);
      if (keys && rest.includes('*')) {
        const re = new RegExp(`^${rest.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
        if (!keys.some((k) => re.test(k))) problems.push(`${key(am)}: ${f.source} reads ${f.path}, which matches no key of ${dir[0]}`);
      }
    }
  }
  for (const prom of objects.filter((o) => o.kind === 'Prometheus')) {
    const spec = prom.spec as Obj;
    const dirs = [
      ...(spec.secrets ?? []).map((s: string) => `/etc/prometheus/secrets/${s}`),
      ...(spec.configMaps ?? []).map((c: string) => `/etc/prometheus/configmaps/${c}`),
      '/var/run/secrets/kubernetes.io/serviceaccount',
    ];
    const reads = [
      ...fileFields(spec, `${key(prom)} spec`),
      ...objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor').flatMap((m) => fileFields(m.spec, `${key(m)} spec`)),
    ];
    for (const f of reads) {
      if (!dirs.some((d) => under(d, f.path))) problems.push(`${key(prom)}: ${f.source} reads ${f.path}, but the operator mounts nothing there`);
    }
  }
  return problems;
}

/** Absolute paths a string names (not inside URLs). */
const PATH_IN_TEXT = /(?<![\w:/.$-])\/(?:etc|var|run|tmp|data|usr|opt|srv)\/[\w.@+-]+(?:\/[\w.@+-]+)*/g;
const FILE_FLAG = /(file|config|policy|plan|path|dir|folder|template)/i;

/** Candidate files a container reads: flag values of its args, path-valued env, paths in mounted ConfigMaps. */
function containerReads(container: Obj, volumes: Obj[], objects: ReadonlyArray<Manifest>, ns: string): FileRead[] {
  const reads: FileRead[] = [];
  const args: string[] = [...(container.command ?? []), ...(container.args ?? [])];
  args.forEach((a, i) => {
    const eq = /^--?([\w.-]+)=(\/.*)$/.exec(a);
    if (eq && FILE_FLAG.test(eq[1])) reads.push({ path: eq[2], source: `args ${a}` });
    const flag = /^--?([\w.-]+)$/.exec(a);
    if (flag && FILE_FLAG.test(flag[1]) && args[i + 1]?.startsWith('/')) reads.push({ path: args[i + 1], source: `args ${a} ${args[i + 1]}` });
  });
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string' && /^\/[\w.-]/.test(e.value)) reads.push({ path: e.value, source: `env ${e.name}` });
  }
  for (const m of container.volumeMounts ?? []) {
    const vol = volumes.find((v) => v.name === m.name);
    const cm = vol?.configMap ? findObject(objects, 'ConfigMap', ns, vol.configMap.name) : undefined;
    for (const [k, text] of Object.entries((cm?.data ?? {}) as Record<string, string>)) {
      if (/\.json$/.test(k) && /"panels"/.test(text)) continue; // dashboards name no files
      for (const p of text.match(PATH_IN_TEXT) ?? []) reads.push({ path: p, source: `ConfigMap ${cm?.metadata.name} key ${k}` });
      for (const p of text.matchAll(/\$__file\{([^}]+)\}/g)) reads.push({ path: p[1], source: `ConfigMap ${cm?.metadata.name} key ${k}` });
    }
  }
  return reads;
}

/** What a volume holds, when the output says: the relative paths, or `undefined` for anything. */
function volumeContents(vol: Obj, objects: ReadonlyArray<Manifest>, ns: string): string[] | undefined {
  if (vol.configMap) {
    if (vol.configMap.items) return vol.configMap.items.map((i: Obj) => i.path);
    const cm = findObject(objects, 'ConfigMap', ns, vol.configMap.name);
    return cm ? dataKeys(cm) : undefined;
  }
  if (vol.secret) return vol.secret.items ? vol.secret.items.map((i: Obj) => i.path) : undefined;
  if (vol.projected) {
    const parts = (vol.projected.sources as Obj[]).map((s) => {
      const src = s.secret ?? s.configMap;
      if (src?.items) return src.items.map((i: Obj) => i.path as string);
      if (s.configMap) {
        const cm = findObject(objects, 'ConfigMap', ns, s.configMap.name);
        return cm ? dataKeys(cm) : undefined;
      }
      return s.serviceAccountToken ? [s.serviceAccountToken.path] : undefined;
    });
    return parts.some((p) => p === undefined) ? undefined : parts.flat() as string[];
  }
  return undefined;
}

/**
 * Every file a container's arguments, path-valued environment variables or mounted ConfigMaps
 * name lies under one of its volume mounts, and, where the volume's contents are known (a
 * synthesized ConfigMap, `items` of a Secret), is one of its files.
 */
export function podMountProblems(objects: ReadonlyArray<Manifest>): string[] {
  const problems: string[] = [];
  for (const t of podTemplates(objects)) {
    const ns = t.object.split('/')[1];
    const spec = t.spec as Obj;
    const volumes: Obj[] = spec.volumes ?? [];
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Obj[]) {
      for (const r of containerReads(c, volumes, objects, ns)) {
        const mounts = (c.volumeMounts ?? []) as Obj[];
        const mount = mounts.filter((m) => r.path === m.mountPath || under(m.mountPath, r.path))
          .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
        // A directory whose subdirectories are mounted (GF_PATHS_PROVISIONING) is there.
        if (!mount && mounts.some((m) => under(r.path, m.mountPath))) continue;
        if (!mount) {
          problems.push(`${t.object} container ${c.name}: ${r.source} reads ${r.path}, which is under none of its volume mounts (${mounts.map((m) => m.mountPath).join(', ') || 'none'})`);
          continue;
        }
        if (r.path === mount.mountPath) continue;
        const vol = volumes.find((v) => v.name === mount.name);
        const contents = vol ? volumeContents(vol, objects, ns) : undefined;
        const rest = r.path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
        const file = mount.subPath ? undefined : rest;
        if (contents && file !== undefined && !contents.includes(file) && !contents.some((p) => p.startsWith(`${file}/`))) {
          problems.push(`${t.object} container ${c.name}: ${r.source} reads ${r.path}, but volume ${mount.name} holds only ${contents.join(', ')}`);
        }
      }
    }
  }
  return problems;
}

/** The duplicate values of `keyOf` in a list, each once. */
function duplicates<T>(items: ReadonlyArray<T>, keyOf: (t: T) => string | undefined): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const i of items) {
    const k = keyOf(i);
    if (k === undefined) continue;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return [...dup];
}

/**
 * Kubernetes list-maps with a repeated key, which server-side apply refuses: container names,
 * env names per container, container ports (port/protocol) and port names, volume names,
 * volume mount paths, Service ports.
 */
export function listMapDuplicateProblems(objects: ReadonlyArray<Manifest>): string[] {
  const problems: string[] = [];
  const report = (where: string, what: string, dups: string[]) => dups.forEach((d) => problems.push(`${where}: duplicate ${what} ${d}`));
  for (const t of podTemplates(objects)) {
    const spec = t.spec as Obj;
    const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    report(t.object, 'container name', duplicates(containers, (c) => c.name));
    report(t.object, 'volume name', duplicates((spec.volumes ?? []) as Obj[], (v) => v.name));
    for (const c of containers) {
      const at = `${t.object} container ${c.name}`;
      report(at, 'env name', duplicates((c.env ?? []) as Obj[], (e) => e.name));
      report(at, 'containerPort', duplicates((c.ports ?? []) as Obj[], (p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`));
      report(at, 'port name', duplicates((c.ports ?? []) as Obj[], (p) => p.name));
      report(at, 'volume mount path', duplicates((c.volumeMounts ?? []) as Obj[], (m) => m.mountPath));
    }
  }
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const ports = ((s.spec as Obj).ports ?? []) as Obj[];
    report(key(s), 'port', duplicates(ports, (p) => `${p.port}/${p.protocol ?? 'TCP'}`));
    report(key(s), 'port name', duplicates(ports, (p) => p.name));
  }
  return problems;
}

/** A Grafana as the output deploys it: the datasources it provisions and the dashboards its sidecar loads. */
interface GrafanaView {
  readonly name: string;
  readonly datasources: Array<{ uid: string; type: string; name: string; url?: string; tls: boolean }>;
  readonly dashboards: Array<{ source: string; json: Obj }>;
}

function grafanas(objects: ReadonlyArray<Manifest>): GrafanaView[] {
  const out: GrafanaView[] = [];
  for (const t of podTemplates(objects)) {
    const spec = t.spec as Obj;
    const grafana = (spec.containers as Obj[]).find((c) => /grafana\/grafana:/.test(c.image ?? ''));
    if (!grafana) continue;
    const ns = t.object.split('/')[1];
    const volumes: Obj[] = spec.volumes ?? [];
    const datasources: GrafanaView['datasources'] = [];
    for (const m of (grafana.volumeMounts ?? []) as Obj[]) {
      if (!under('/etc/grafana/provisioning', m.mountPath) || !/datasources$/.test(m.mountPath)) continue;
      const vol = volumes.find((v) => v.name === m.name);
      const cm = vol?.configMap ? findObject(objects, 'ConfigMap', ns, vol.configMap.name) : undefined;
      for (const text of Object.values((cm?.data ?? {}) as Record<string, string>)) {
        for (const d of (parse(text).datasources ?? []) as Obj[]) datasources.push({ uid: d.uid, type: d.type, name: d.name, url: d.url, tls: Boolean(d.jsonData?.tlsAuthWithCACert && d.secureJsonData?.tlsCACert) });
      }
    }
    // The sidecar loads ConfigMaps carrying its LABEL (= LABEL_VALUE) from NAMESPACE (ALL: every namespace).
    const sidecar = (spec.containers as Obj[]).find((c) => (c.env ?? []).some((e: Obj) => e.name === 'LABEL'));
    const env = (n: string) => ((sidecar?.env ?? []) as Obj[]).find((e) => e.name === n)?.value as string | undefined;
    const label = env('LABEL');
    const value = env('LABEL_VALUE');
    const namespaces = (env('NAMESPACE') ?? ns).split(',');
    const dashboards = label === undefined ? [] : objects
      .filter((o) => o.kind === 'ConfigMap' && (namespaces.includes('ALL') || namespaces.includes(o.metadata.namespace ?? '')))
      .filter((o) => o.metadata.labels?.[label] !== undefined && (value === undefined || o.metadata.labels?.[label] === value))
      .flatMap((o) => Object.entries(((o as Obj).data ?? {}) as Record<string, string>).map(([k, text]) => ({ source: `${key(o)} ${k}`, json: JSON.parse(text) as Obj })));
    out.push({ name: t.object, datasources, dashboards });
  }
  return out;
}

/** Every datasource reference of a dashboard: panels (nested in rows), their targets, annotations, variables. */
function datasourceRefs(dashboard: Obj): Array<{ at: string; ref: Obj | string }> {
  const refs: Array<{ at: string; ref: Obj | string }> = [];
  const panels = (list: Obj[] | undefined, at: string) => (list ?? []).forEach((p, i) => {
    const here = `${at}[${i}] "${p.title ?? ''}"`;
    if (p.datasource) refs.push({ at: here, ref: p.datasource });
    (p.targets ?? []).forEach((t: Obj, j: number) => { if (t.datasource) refs.push({ at: `${here}.targets[${j}]`, ref: t.datasource }); });
    panels(p.panels, `${here}.panels`);
  });
  panels(dashboard.panels, 'panels');
  ((dashboard.annotations?.list ?? []) as Obj[]).forEach((a, i) => { if (a.datasource) refs.push({ at: `annotations[${i}]`, ref: a.datasource }); });
  ((dashboard.templating?.list ?? []) as Obj[]).forEach((v, i) => { if (v.datasource) refs.push({ at: `templating[${i}] ${v.name}`, ref: v.datasource }); });
  return refs;
}

/**
 * Every datasource a dashboard names is provisioned for the Grafana that loads it: a literal uid
 * must be one of its datasources (of the type the reference states), and a `${variable}` uid must
 * be a datasource variable of that dashboard whose type has at least one provisioned datasource.
 */
export function datasourceProblems(objects: ReadonlyArray<Manifest>): string[] {
  const problems: string[] = [];
  for (const g of grafanas(objects)) {
    // In-cluster HTTPS services present certificates of a cluster CA, which Grafana's trust store lacks.
    for (const ds of g.datasources.filter((d) => /^https:\/\/[^/]+\.svc(:\d+)?(\/|$)/.test(d.url ?? '') && !d.tls)) {
      problems.push(`${g.name}: datasource ${ds.uid} reaches ${ds.url} over HTTPS without a CA certificate (jsonData.tlsAuthWithCACert and secureJsonData.tlsCACert)`);
    }
    const uids = new Map(g.datasources.map((d) => [d.uid, d]));
    for (const d of g.dashboards) {
      const vars = new Map(((d.json.templating?.list ?? []) as Obj[]).filter((v) => v.type === 'datasource').map((v) => [v.name as string, v]));
      for (const { at, ref } of datasourceRefs(d.json)) {
        const uid = typeof ref === 'string' ? ref : ref.uid;
        const type = typeof ref === 'string' ? undefined : ref.type;
        if (uid === undefined || uid === '-- Grafana --' || uid === 'grafana' || type === 'datasource') continue;
        const variable = /^\$\{?([\w]+)(?::[\w]+)?\}?$/.exec(String(uid));
        if (variable) {
          const v = vars.get(variable[1]);
          if (!v) problems.push(`${g.name}: ${d.source} ${at} names datasource variable $${variable[1]}, which the dashboard does not define`);
          else if (!g.datasources.some((ds) => ds.type === v.query)) problems.push(`${g.name}: ${d.source} ${at} uses $${variable[1]} of type ${v.query}, but no ${v.query} datasource is provisioned`);
          continue;
        }
        const ds = uids.get(String(uid));
        if (!ds) problems.push(`${g.name}: ${d.source} ${at} names datasource uid ${uid}, which is not provisioned (provisioned: ${[...uids.keys()].join(', ')})`);
        else if (type !== undefined && ds.type !== type) problems.push(`${g.name}: ${d.source} ${at} names ${uid} as ${type}, but it is a ${ds.type} datasource`);
      }
    }
  }
  return problems;
}

/** A pod as the output makes it: from a workload template, or by an operator from its custom resource. */
interface PodView {
  readonly object: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: Array<{ name?: string; containerPort: number }>;
}

/**
 * The pods of the output: workload templates, and the pods prometheus-operator creates for a
 * Prometheus or Alertmanager (`spec.podMetadata.labels` plus the operator's own
 * `app.kubernetes.io/name` and `app.kubernetes.io/instance` labels, and its `web` port).
 */
export function podsOf(objects: ReadonlyArray<Manifest>): PodView[] {
  const pods: PodView[] = [];
  for (const o of objects) {
    const spec = o.spec as Obj | undefined;
    const template = o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) ? spec?.template : undefined;
    if (template) {
      const ports = ((template.spec.containers ?? []) as Obj[]).flatMap((c) => (c.ports ?? []) as PodView['ports']);
      pods.push({ object: key(o), namespace: o.metadata.namespace ?? '', labels: template.metadata?.labels ?? {}, ports });
    }
    const operated: Record<string, [string, number]> = { Prometheus: ['prometheus', 9090], Alertmanager: ['alertmanager', 9093] };
    if (operated[o.kind]) {
      const [name, port] = operated[o.kind];
      pods.push({
        object: key(o), namespace: o.metadata.namespace ?? '',
        labels: { ...(spec?.podMetadata?.labels ?? {}), 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': o.metadata.name },
        ports: [{ name: 'web', containerPort: port }],
      });
    }
  }
  return pods;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Selectors and target references resolve: every Service selects a pod that has its target
 * ports, every platform ServiceMonitor selects a Service that has its endpoint ports, and every
 * HorizontalPodAutoscaler and PodDisruptionBudget points at a workload of the output. Monitors in
 * a tenant's namespace select the tenant's own applications (labelled for scraping by
 * convention), which the output does not contain, so they are not checked here.
 */
export function selectorProblems(objects: ReadonlyArray<Manifest>, tenantNamespaces: ReadonlyArray<string>): string[] {
  const problems: string[] = [];
  const pods = podsOf(objects);
  const services = objects.filter((o) => o.kind === 'Service');
  for (const s of services) {
    const spec = s.spec as Obj;
    if (!spec.selector) continue;
    const selected = pods.filter((p) => p.namespace === s.metadata.namespace && matches(spec.selector, p.labels));
    if (selected.length === 0) {
      problems.push(`${key(s)}: its selector ${JSON.stringify(spec.selector)} matches no pod`);
      continue;
    }
    for (const port of (spec.ports ?? []) as Obj[]) {
      const target = port.targetPort ?? port.port;
      const ok = selected.every((p) => p.ports.some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target)));
      if (!ok) problems.push(`${key(s)}: port ${port.name ?? port.port} targets ${target}, which not every selected pod (${selected.map((p) => p.object).join(', ')}) exposes`);
    }
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    if (tenantNamespaces.includes(m.metadata.namespace ?? '')) continue;
    const spec = m.spec as Obj;
    const namespaces: string[] = spec.namespaceSelector?.matchNames ?? [m.metadata.namespace ?? ''];
    const selected = services.filter((s) => namespaces.includes(s.metadata.namespace ?? '') && matches(spec.selector?.matchLabels, s.metadata.labels ?? {}));
    if (selected.length === 0) {
      problems.push(`${key(m)}: its selector ${JSON.stringify(spec.selector?.matchLabels)} matches no Service in ${namespaces.join(', ')}`);
      continue;
    }
    for (const e of (spec.endpoints ?? []) as Obj[]) {
      if (!selected.some((s) => (((s.spec as Obj).ports ?? []) as Obj[]).some((p) => p.name === e.port))) problems.push(`${key(m)}: endpoint port ${e.port} is not a port of ${selected.map(key).join(', ')}`);
    }
  }
  const workloads = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  for (const h of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = (h.spec as Obj).scaleTargetRef as Obj;
    const target = `${ref.kind}/${h.metadata.namespace ?? ''}/${ref.name}`;
    // A tenant's HPA scales the tenant's own workload, which the tenant deploys.
    if (!workloads.has(target) && !tenantNamespaces.includes(h.metadata.namespace ?? '')) problems.push(`${key(h)}: scaleTargetRef ${target} is not in the output`);
  }
  for (const b of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    if (tenantNamespaces.includes(b.metadata.namespace ?? '')) continue;
    const selector = (b.spec as Obj).selector?.matchLabels as Record<string, string> | undefined;
    if (!pods.some((p) => p.namespace === b.metadata.namespace && matches(selector, p.labels))) problems.push(`${key(b)}: its selector ${JSON.stringify(selector)} matches no pod`);
  }
  return problems;
}
