import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ProgramIo } from '../../../src/runtime/drift/program';

/** A request seen by a test server. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly body: string;
}

/** A local HTTP server on 127.0.0.1 that records requests and answers with `handler`. */
export interface TestServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: (req: SeenRequest) => { status: number; body: string; type?: string }): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = new URLSearchParams(url.search);
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) new URLSearchParams(body).forEach((v, k) => params.set(k, v));
      const seen = { method: req.method ?? 'GET', path: url.pathname, params, body };
      requests.push(seen);
      const answer = handler(seen);
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A Pushgateway stand-in: accepts PUT /metrics/... (or fails with `status`). */
export function pushgateway(status: number = 200): Promise<TestServer> {
  return startServer(() => ({ status, body: status === 200 ? '' : 'storage unavailable', type: 'text/plain' }));
}

/** A port nothing listens on (a server is opened and closed). */
export async function closedPortUrl(): Promise<string> {
  const s = await startServer(() => ({ status: 200, body: '' }));
  await s.close();
  return s.url;
}

/** Captured program output with a fixed clock. */
export function captureIo(nowMs: number): ProgramIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), now: () => nowMs };
}

/** A JSON Prometheus API answer. */
export function promAnswer(resultType: 'vector' | 'matrix', result: unknown[]): { status: number; body: string } {
  return { status: 200, body: JSON.stringify({ status: 'success', data: { resultType, result } }) };
}
