/**
 * The HTTP(S) front of the controller: `POST /webhook` (Alertmanager), `/healthz`, `/readyz`, `/metrics`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { AuditLog } from './audit';
import { RemediationController } from './controller';
import { PayloadError, validatePayload } from './webhook';

/** Settings of `WebhookServer`. */
export interface WebhookServerOptions {
  readonly controller: RemediationController;
  /** File holding the bearer token (a mounted Secret key); re-read when it changes. */
  readonly tokenFile: string;
  /** Largest accepted body in bytes; larger requests get 413. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /** PEM certificate and key files; both or neither. @default - plain HTTP */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Path of the webhook. @default '/webhook' */
  readonly path?: string;
  /** Where rejected requests are logged (status, reason, source address; never the token). @default - not logged */
  readonly log?: AuditLog;
  /** Longest time a client may take to send a whole request, in milliseconds. @default 10_000 */
  readonly requestTimeoutMs?: number;
  /** Most webhooks handled at once; more get 429 with `Retry-After: 1` before their body is read. @default 64 */
  readonly maxConcurrentRequests?: number;
}

/**
 * Compare a presented bearer token with the expected one in constant time. Both are hashed first
 * so that the comparison does not leak the expected token's length either.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  if (expected === '') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m === null ? undefined : m[1];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the token file again when its modification time changes (Secret rotation). */
class TokenSource {
  private token = '';
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(private readonly file: string) {
    this.load();
  }

  current(): string {
    const now = Date.now();
    if (now - this.checkedAt > 5000) {
      this.checkedAt = now;
      try {
        if (fs.statSync(this.file).mtimeMs !== this.mtimeMs) this.load();
      } catch {
        // Keep the last token while a Secret volume is being swapped.
      }
    }
    return this.token;
  }

  private load(): void {
    const st = fs.statSync(this.file);
    this.token = fs.readFileSync(this.file, 'utf8').trim();
    this.mtimeMs = st.mtimeMs;
    if (this.token === '') throw new Error(`token file ${this.file} is empty`);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Statuses worth a log line when a webhook is turned away. */
const LOGGED_REJECTIONS: ReadonlySet<number> = new Set([400, 401, 405, 413, 429, 503]);

/** The HTTP server; `listen` then `close` for a graceful shutdown. */
export class WebhookServer {
  private readonly server: http.Server;
  private readonly tokens: TokenSource;
  private readonly maxBody: number;
  private readonly path: string;
  private ready = false;
  private draining = false;
  private closed?: Promise<void>;
  private active = 0;

  constructor(private readonly options: WebhookServerOptions) {
    this.tokens = new TokenSource(options.tokenFile);
    this.maxBody = options.maxBodyBytes ?? 1_048_576;
    this.path = options.path ?? '/webhook';
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.route(req, res);
    };
    this.server = options.tls
      ? https.createServer({ cert: fs.readFileSync(options.tls.certFile), key: fs.readFileSync(options.tls.keyFile) }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = 65_000;
    // A client that trickles its request in is cut off, so it cannot hold a drain open.
    this.server.requestTimeout = options.requestTimeoutMs ?? 10_000;
    this.server.headersTimeout = Math.min(this.server.requestTimeout, 5_000);
  }

  /** Start listening; resolves to the bound port. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.ready = true;
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Begin the drain: readiness answers 503, no new connections are accepted, idle keep-alive
   * connections are closed, and any request still arriving on an open connection gets 503 with
   * `Connection: close`.
   */
  stopAccepting(): void {
    if (this.closed !== undefined) return;
    this.ready = false;
    this.draining = true;
    this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
  }

  /**
   * Stop accepting (see `stopAccepting`), wait at most `graceMs` for the requests being served,
   * then cut every connection still open (slow clients). Resolves to whether all requests had
   * finished by themselves.
   */
  async close(graceMs = 5_000): Promise<boolean> {
    this.stopAccepting();
    const closed = this.closed as Promise<void>;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
    clearTimeout(timer);
    if (!finished) {
      this.server.closeAllConnections();
      await closed;
    }
    return finished;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    if (url === this.path) {
      const end = this.options.controller.metrics.webhookDuration.startTimer();
      let status = 500;
      if (this.draining) res.setHeader('connection', 'close');
      try {
        if (this.draining) throw new HttpError(503, 'shutting down');
        if (req.method !== 'POST') throw new HttpError(405, 'use POST');
        // Backpressure before any work: the body is not even read.
        if (this.active >= (this.options.maxConcurrentRequests ?? 64)) throw new HttpError(429, 'too many webhooks at once; retry');
        if (this.options.controller.saturated) throw new HttpError(503, 'too many actions running; retry');
        this.active++;
        try {
          status = await this.webhook(req, res);
        } finally {
          this.active--;
        }
      } catch (e) {
        status = e instanceof HttpError ? e.status : 500;
        const reason = e instanceof HttpError ? e.message : 'internal error';
        if (status === 503) res.setHeader('retry-after', this.draining ? '5' : '1');
        if (status === 429) res.setHeader('retry-after', '1');
        if (this.draining) res.setHeader('connection', 'close');
        send(res, status, { error: reason });
        if (status === 413 || status === 429 || status === 503) req.resume();
        if (LOGGED_REJECTIONS.has(status)) {
          this.options.log?.log('warn', 'request rejected', { status, reason, method: req.method, path: url, source: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? '' });
        }
      } finally {
        end({ code: String(status) });
      }
      return;
    }
    if (this.draining) res.setHeader('connection', 'close');
    if (req.method !== 'GET') return send(res, 405, { error: 'use GET' });
    if (url === '/healthz') return send(res, 200, { status: 'ok' });
    if (url === '/readyz') return send(res, this.ready ? 200 : 503, { status: this.ready ? 'ready' : 'shutting down' });
    if (url === '/metrics') {
      const reg = this.options.controller.metrics.registry;
      return send(res, 200, await reg.metrics(), reg.contentType);
    }
    send(res, 404, { error: `no route ${url}` });
  }

  private async webhook(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined || !tokensMatch(token, this.tokens.current())) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'missing or wrong bearer token');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.maxBody) throw new HttpError(413, `body larger than ${this.maxBody} bytes`);
    const body = await this.readBody(req);
    // A request whose body arrived after the drain began is not acted on.
    if (this.draining) throw new HttpError(503, 'shutting down');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'body is not valid JSON');
    }
    let payload;
    try {
      payload = validatePayload(json);
    } catch (e) {
      if (e instanceof PayloadError) throw new HttpError(400, e.message);
      throw e;
    }
    const receipts = this.options.controller.handle(payload);
    send(res, 200, { alerts: receipts });
    return 200;
  }

  private readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBody) {
          req.removeAllListeners('data');
          reject(new HttpError(413, `body larger than ${this.maxBody} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }
}
