import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure the fake server injects into matching requests. */
export interface InjectedFailure {
  /** HTTP method to match. */
  readonly method: string;
  /** Path prefix to match, e.g. `/_ilm/policy/tm-acme-app`. */
  readonly path: string;
  /** Status to answer with, or `'timeout'` to answer only after `delayMs`. */
  readonly status: number | 'timeout';
  /** How many matching requests fail. */
  times: number;
  /** Delay of a `'timeout'` failure. */
  readonly delayMs?: number;
}

/** One request the server received. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

function notFound(type: string, reason: string): { status: number; body: unknown } {
  return { status: 404, body: { error: { root_cause: [{ type, reason }], type, reason }, status: 404 } };
}

function badRequest(type: string, reason: string): { status: number; body: unknown } {
  return { status: 400, body: { error: { root_cause: [{ type, reason }], type, reason }, status: 400 } };
}

/**
 * An in-memory Elasticsearch that implements the endpoints the index-setup program calls, with the product
 * header the v9 client checks, a request log, and injectable failures.
 */
export class FakeElasticsearch {
  /** Objects by kind and name, as PUT. */
  public readonly state = {
    ilm: new Map<string, Record<string, unknown>>(),
    component: new Map<string, Record<string, unknown>>(),
    index: new Map<string, Record<string, unknown>>(),
    stream: new Map<string, Record<string, unknown>>(),
  };
  /** Every request, in arrival order. */
  public readonly requests: LoggedRequest[] = [];
  /** Failures still to inject. */
  public readonly failures: InjectedFailure[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  /** Listen on 127.0.0.1 and return the base URL. */
  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stop listening and drop open connections. */
  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A deep copy of the stored objects, for before/after comparisons. */
  public snapshot(): unknown {
    return JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(this.state).map(([k, m]) => [k, Object.fromEntries(m)]))));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      this.requests.push({ method, path, authorization: req.headers.authorization });
      const send = (status: number, body: unknown): void => {
        if (res.destroyed) {
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(JSON.stringify(body));
      };
      const failure = this.failures.find((f) => f.times > 0 && f.method === method && path.startsWith(f.path));
      if (failure !== undefined) {
        failure.times--;
        if (failure.status === 'timeout') {
          setTimeout(() => send(200, {}), failure.delayMs ?? 1000);
        } else {
          const type = failure.status === 401 ? 'security_exception' : failure.status >= 500 ? 'internal_server_error' : failure.status === 429 ? 'es_rejected_execution_exception' : 'illegal_argument_exception';
          send(failure.status, { error: { type, reason: `injected ${failure.status}` }, status: failure.status });
        }
        return;
      }
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      const r = this.route(method, path, body);
      send(r.status, r.body);
    });
  }

  private route(method: string, path: string, body: Record<string, unknown>): { status: number; body: unknown } {
    if (path === '/' && method === 'GET') {
      return { status: 200, body: { name: 'fake', cluster_name: 'fake', version: { number: '9.0.0', build_flavor: 'default' }, tagline: 'You Know, for Search' } };
    }
    const m = /^\/(_ilm\/policy|_component_template|_index_template|_data_stream)\/([^/]+)$/.exec(path);
    if (m === null) {
      return badRequest('invalid_request', `no handler for ${method} ${path}`);
    }
    const [, endpoint, name] = m as unknown as [string, string, string];
    const ok = { status: 200, body: { acknowledged: true } };
    switch (endpoint) {
      case '_ilm/policy': {
        const stored = this.state.ilm.get(name);
        if (method === 'GET') {
          return stored === undefined ? notFound('resource_not_found_exception', `Lifecycle policy not found: ${name}`) : { status: 200, body: { [name]: { version: 1, modified_date: '2024-01-01T00:00:00Z', policy: stored.policy } } };
        }
        this.state.ilm.set(name, body);
        return ok;
      }
      case '_component_template': {
        const stored = this.state.component.get(name);
        if (method === 'GET') {
          return stored === undefined ? notFound('resource_not_found_exception', `component template matching [${name}] not found`) : { status: 200, body: { component_templates: [{ name, component_template: stored }] } };
        }
        this.state.component.set(name, body);
        return ok;
      }
      case '_index_template': {
        const stored = this.state.index.get(name);
        if (method === 'GET') {
          return stored === undefined ? notFound('resource_not_found_exception', `index template matching [${name}] not found`) : { status: 200, body: { index_templates: [{ name, index_template: stored }] } };
        }
        // Like Elasticsearch: a template may only be composed of component templates that exist.
        const missing = ((body.composed_of as string[] | undefined) ?? []).filter((c) => !this.state.component.has(c));
        if (missing.length > 0) {
          return badRequest('invalid_index_template_exception', `index template [${name}] specifies component templates ${JSON.stringify(missing)} that do not exist`);
        }
        this.state.index.set(name, body);
        return ok;
      }
      default: {
        const stored = this.state.stream.get(name);
        if (method === 'GET') {
          return stored === undefined ? notFound('index_not_found_exception', `no such index [${name}]`) : { status: 200, body: { data_streams: [{ name, ...stored }] } };
        }
        if (stored !== undefined) {
          return badRequest('resource_already_exists_exception', `data_stream [${name}] already exists`);
        }
        const template = [...this.state.index.entries()].find(([, t]) => t.data_stream !== undefined && (t.index_patterns as string[]).some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(name)));
        if (template === undefined) {
          return badRequest('illegal_argument_exception', `no matching index template found for data stream [${name}]`);
        }
        this.state.stream.set(name, { template: template[0] });
        return ok;
      }
    }
  }
}
