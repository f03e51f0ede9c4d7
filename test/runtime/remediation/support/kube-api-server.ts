/**
 * A Kubernetes API test server (node:http on 127.0.0.1) implementing the endpoints the remediation
 * controller calls, with their real semantics: resourceVersion preconditions (409 Conflict),
 * AlreadyExists (409) on create, NotFound (404), merge-patch only for PATCH (415 otherwise),
 * a new resourceVersion on every change (annotations included) but a generation bump only when
 * the spec changes, `changes` recording spec changes, creates and deletes, bearer-token authentication (401), plus injected
 * faults (status codes, slow responses, concurrent writers).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

type Json = Record<string, unknown>;

/** A fault applied to the next `count` requests matching `method` and `path`. */
export interface Fault {
  readonly method?: string;
  readonly path: RegExp;
  /** Answer with this status instead of serving the request. */
  readonly status?: number;
  /** Serve the request (writes are applied), then answer only after this many milliseconds. */
  readonly delayMs?: number;
  /** Before serving, change the object's resourceVersion as a concurrent writer would. */
  readonly concurrentWrite?: boolean;
  /** With `status`, send this `Retry-After` (seconds). */
  readonly retryAfterSeconds?: number;
  count: number;
}

/** One request as the server saw it. */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
}

/** One change to the stored state (a create, a spec change, a delete). */
export interface StateChange {
  readonly kind: 'create' | 'update' | 'delete';
  readonly key: string;
  readonly spec?: unknown;
}

/** Paths served: namespace, resource, optional name, optional `scale` subresource. */
const ROUTES: readonly RegExp[] = [
  /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)(?:\/([^/]+))?(?:\/(scale))?$/,
  /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/(horizontalpodautoscalers)(?:\/([^/]+))?$/,
  /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/(networkpolicies)(?:\/([^/]+))?$/,
  /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(jobs)(?:\/([^/]+))?$/,
  /^\/api\/v1\/namespaces\/([^/]+)\/(events)(?:\/([^/]+))?$/,
];

const KINDS: Readonly<Record<string, { kind: string; apiVersion: string }>> = {
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1' },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  horizontalpodautoscalers: { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' },
  networkpolicies: { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1' },
  jobs: { kind: 'Job', apiVersion: 'batch/v1' },
  events: { kind: 'Event', apiVersion: 'v1' },
};

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The test server. */
export class KubeApiTestServer {
  readonly token = 'kube-test-token';
  readonly requests: RequestRecord[] = [];
  readonly changes: StateChange[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  private readonly objects = new Map<string, Json>();
  private readonly faults: Fault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private rv = 1000;
  private server?: http.Server;
  port = 0;

  /** Start on a free loopback port. */
  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', () => this.connections++);
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stop, closing open connections. */
  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    for (const t of this.timers) clearTimeout(t);
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Write a kubeconfig pointing at this server; returns its path. */
  writeKubeconfig(dir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeapi-'))): string {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: test, cluster: {server: "http://127.0.0.1:' + this.port + '", insecure-skip-tls-verify: true}}]',
        `users: [{name: test, user: {token: "${this.token}"}}]`,
        'contexts: [{name: test, context: {cluster: test, user: test, namespace: default}}]',
        'current-context: test',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Add a fault. */
  inject(fault: Omit<Fault, 'count'> & { count?: number }): void {
    this.faults.push({ ...fault, count: fault.count ?? 1 });
  }

  /** Add a Deployment or StatefulSet with pod selector `app=<name>`. */
  addWorkload(kind: 'deployments' | 'statefulsets', namespace: string, name: string, replicas: number): void {
    this.put(kind, namespace, name, {
      spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1.0.0' }] } } },
    });
  }

  /** Add an autoscaling/v2 HorizontalPodAutoscaler. */
  addAutoscaler(namespace: string, name: string, targetKind: string, targetName: string, minReplicas: number, maxReplicas: number): void {
    this.put('horizontalpodautoscalers', namespace, name, {
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: targetKind, name: targetName }, minReplicas, maxReplicas, metrics: [] },
    });
  }

  /** Add an object as stored (e.g. an expired NetworkPolicy). */
  addObject(resource: string, namespace: string, name: string, body: Json): void {
    this.put(resource, namespace, name, body);
  }

  /** A stored object, or undefined. */
  get(resource: string, namespace: string, name: string): Json | undefined {
    const o = this.objects.get(`${resource}/${namespace}/${name}`);
    return o === undefined ? undefined : clone(o);
  }

  /** All stored objects of a resource in a namespace. */
  list(resource: string, namespace: string): Json[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${resource}/${namespace}/`)).map(([, v]) => clone(v));
  }

  /** Changes to one object key (`resource/namespace/name`). */
  changesOf(key: string): StateChange[] {
    return this.changes.filter((c) => c.key === key);
  }

  private put(resource: string, namespace: string, name: string, body: Json): Json {
    const meta = isObj(body.metadata) ? body.metadata : {};
    const obj: Json = {
      ...KINDS[resource],
      ...body,
      metadata: { ...meta, name, namespace, resourceVersion: String(++this.rv), generation: 1, uid: `uid-${this.rv}`, creationTimestamp: new Date().toISOString() },
    };
    this.objects.set(`${resource}/${namespace}/${name}`, obj);
    return obj;
  }

  private takeFault(method: string, p: string): Fault | undefined {
    const f = this.faults.find((x) => x.count > 0 && (x.method === undefined || x.method === method) && x.path.test(p));
    if (f !== undefined) f.count--;
    return f;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      const fault = this.takeFault(method, url.pathname);
      const reply = (code: number, body: Json): void => {
        const send = (): void => {
          if (res.destroyed) return;
          const text = JSON.stringify(body);
          const retryAfter = fault?.status !== undefined && fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
          res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...retryAfter });
          res.end(text);
        };
        this.requests.push({ method, path: url.pathname, status: code, at: Date.now() });
        if (fault?.delayMs !== undefined) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            send();
          }, fault.delayMs);
          this.timers.add(t);
        } else send();
      };
      if (req.headers.authorization !== `Bearer ${this.token}`) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
      if (fault?.status !== undefined) return reply(fault.status, status(fault.status, 'InternalError', `injected ${fault.status}`));
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return reply(400, status(400, 'BadRequest', 'invalid JSON body'));
      }
      const [code, out] = this.serve(method, url, req.headers['content-type'] ?? '', body, fault?.concurrentWrite === true);
      reply(code, out);
    });
  }

  private serve(method: string, url: URL, contentType: string, body: unknown, concurrentWrite: boolean): [number, Json] {
    const route = ROUTES.map((r) => r.exec(url.pathname)).find((m) => m !== null);
    if (route === undefined || route === null) return [404, status(404, 'NotFound', `the server could not find the requested resource ${url.pathname}`)];
    const [, namespace, resource, name, sub] = route;
    const key = `${resource}/${namespace}/${name}`;
    if (name === undefined) {
      if (method === 'GET') {
        const selector = url.searchParams.get('labelSelector');
        const items = this.list(resource, namespace).filter((o) => {
          if (selector === null || selector === '') return true;
          const labels = ((o.metadata as Json).labels ?? {}) as Record<string, string>;
          return selector.split(',').every((pair) => {
            const [k, v] = pair.split('=');
            return labels[k] === v;
          });
        });
        return [200, { kind: `${KINDS[resource].kind}List`, apiVersion: KINDS[resource].apiVersion, metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (method === 'POST') {
        if (!isObj(body) || !isObj(body.metadata) || typeof body.metadata.name !== 'string') return [422, status(422, 'Invalid', 'metadata.name: Required value')];
        const n = body.metadata.name;
        if (this.objects.has(`${resource}/${namespace}/${n}`)) return [409, status(409, 'AlreadyExists', `${resource} "${n}" already exists`)];
        const obj = this.put(resource, namespace, n, body);
        this.changes.push({ kind: 'create', key: `${resource}/${namespace}/${n}`, spec: obj.spec });
        return [201, clone(obj)];
      }
      return [405, status(405, 'MethodNotAllowed', 'method not allowed')];
    }
    const stored = this.objects.get(key);
    if (stored === undefined) return [404, status(404, 'NotFound', `${resource}.${KINDS[resource].apiVersion.split('/')[0]} "${name}" not found`)];
    const meta = stored.metadata as Json;
    if (concurrentWrite) meta.resourceVersion = String(++this.rv);
    if (method === 'DELETE') {
      this.objects.delete(key);
      this.changes.push({ kind: 'delete', key });
      return [200, status(200, '', 'deleted')];
    }
    const scaleView = (o: Json): Json => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, resourceVersion: (o.metadata as Json).resourceVersion },
      spec: { replicas: (o.spec as Json).replicas },
      status: { replicas: (o.spec as Json).replicas },
    });
    if (method === 'GET') return [200, sub === 'scale' ? scaleView(stored) : clone(stored)];
    if (method !== 'PATCH') return [405, status(405, 'MethodNotAllowed', 'method not allowed')];
    if (!contentType.startsWith('application/merge-patch+json')) return [415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${contentType})`)];
    if (!isObj(body)) return [400, status(400, 'BadRequest', 'patch body must be an object')];
    const wantRv = isObj(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (wantRv !== undefined && wantRv !== meta.resourceVersion) {
      return [409, status(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`)];
    }
    const patchBody = { ...body, metadata: isObj(body.metadata) ? { ...body.metadata, resourceVersion: undefined } : undefined };
    const oldSpec = JSON.stringify(stored.spec);
    let next: Json;
    if (sub === 'scale') {
      const replicas = isObj(body.spec) ? body.spec.replicas : undefined;
      next = typeof replicas === 'number' ? { ...stored, spec: { ...(stored.spec as Json), replicas } } : stored;
    } else {
      next = mergePatch(stored, JSON.parse(JSON.stringify(patchBody)) as Json) as Json;
    }
    const changed = JSON.stringify(next.spec) !== oldSpec;
    // Any change bumps resourceVersion (an annotation too); only a spec change bumps generation.
    const metaChanged = JSON.stringify({ ...(next.metadata as Json), resourceVersion: undefined }) !== JSON.stringify({ ...meta, resourceVersion: undefined });
    const nextMeta = { ...(next.metadata as Json), resourceVersion: changed || metaChanged ? String(++this.rv) : meta.resourceVersion, generation: (meta.generation as number) + (changed ? 1 : 0) };
    next = { ...next, metadata: nextMeta };
    this.objects.set(key, next);
    if (changed) this.changes.push({ kind: 'update', key, spec: clone(next.spec) });
    return [200, sub === 'scale' ? scaleView(next) : clone(next)];
  }
}
