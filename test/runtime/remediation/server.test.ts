import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePolicy } from '../../../src/remediation/policy';
import { AuditLog, RemediationMetrics } from '../../../src/runtime/remediation/audit';
import { RemediationController } from '../../../src/runtime/remediation/controller';
import { WebhookServer, bearerToken, tokensMatch } from '../../../src/runtime/remediation/server';
import { requireTool, runTool } from '../../support/tools';
import { alert, payload, postJson } from './support/controller-process';
import { FakeCluster } from './support/fake-cluster';

const POLICY = parsePolicy(`
safety: { dryRun: false, cooldown: 10m, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
  - { name: scale, match: ['remediation_action="scale"'], action: { type: scale, delta: 1, max: 5 }, dryRun: true }
  - { name: block, match: ['remediation_action="block-ip"'], action: { type: block-ip }, dryRun: true }
`);
const TOKEN = 's3cret-token';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-server-'));
const tokenFile = path.join(dir, 'token');
fs.writeFileSync(tokenFile, `${TOKEN}\n`);

let cluster: FakeCluster;
let lines: Array<Record<string, unknown>>;
let controller: RemediationController;
let server: WebhookServer;
let port: number;

beforeEach(async () => {
  cluster = new FakeCluster();
  lines = [];
  controller = new RemediationController({ policy: POLICY, cluster, log: new AuditLog((l) => lines.push(JSON.parse(l) as Record<string, unknown>)), metrics: new RemediationMetrics() });
  server = new WebhookServer({ controller, tokenFile, maxBodyBytes: 4096 });
  port = await server.listen(0, '127.0.0.1');
});

afterEach(async () => {
  await server.close();
});

function raw(method: string, urlPath: string, headers: http.OutgoingHttpHeaders, body?: string | Buffer[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else req.end(body);
  });
}

const restart = (deployment: string, fingerprint: string): Record<string, unknown> => alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment }, { fingerprint });

describe('authentication', () => {
  test('tokens are compared in constant time after hashing', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  test('fails with 401 on a wrong or missing token, and acts on nothing', async () => {
    const wrong = await postJson(port, '/webhook', payload([restart('web', 'f1')]), 'nope');
    expect(wrong).toEqual({ status: 401, body: { error: 'missing or wrong bearer token' } });
    const missing = await raw('POST', '/webhook', { 'content-type': 'application/json' }, '{}');
    expect(missing.status).toBe(401);
    expect(cluster.calls).toEqual([]);
    expect(lines.filter((l) => l.msg === 'decision')).toEqual([]);
  });
});

describe('request validation', () => {
  test('fails with 413 on a declared body over the limit', async () => {
    const big = JSON.stringify(payload([restart('web', 'x'.repeat(5000))]));
    expect(await postJson(port, '/webhook', big, TOKEN)).toEqual({ status: 413, body: { error: 'body larger than 4096 bytes' } });
  });

  test('fails with 413 on a streamed (chunked) body over the limit', async () => {
    const chunk = Buffer.alloc(1024, 'a');
    const r = await raw('POST', '/webhook', { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' }, [chunk, chunk, chunk, chunk, chunk]);
    expect(r).toEqual({ status: 413, text: '{"error":"body larger than 4096 bytes"}' });
  });

  test.each<[string, unknown, string]>([
    ['invalid JSON', '{"version": "4",', 'body is not valid JSON'],
    ['another payload version', { ...payload([]), version: '3' }, 'version: expected "4", got "3"'],
    ['no alerts array', { ...payload([]), alerts: undefined }, 'alerts: expected an array'],
    ['a bad alert status', payload([{ ...restart('web', 'f'), status: 'pending' }]), 'alerts[0].status: expected "firing" or "resolved", got "pending"'],
    ['a non-string label', payload([{ ...restart('web', 'f'), labels: { replicas: 3 } }]), 'alerts[0].labels.replicas: expected a string, got 3'],
    ['a bad start time', payload([{ ...restart('web', 'f'), startsAt: 'yesterday' }]), 'alerts[0].startsAt: expected an RFC 3339 time, got "yesterday"'],
    ['no group key', { ...payload([]), groupKey: undefined }, 'groupKey: expected a string, got nothing'],
  ])('fails with 400 on %s', async (_name, body, error) => {
    expect(await postJson(port, '/webhook', typeof body === 'string' ? body : JSON.stringify(body), TOKEN)).toEqual({ status: 400, body: { error } });
  });

  test('fails with 405 on GET /webhook and 404 elsewhere', async () => {
    expect((await raw('GET', '/webhook', {})).status).toBe(405);
    expect(await raw('GET', '/nope', {})).toEqual({ status: 404, text: '{"error":"no route /nope"}' });
  });
});

describe('handling', () => {
  test('answers with a decision per alert and audits each one', async () => {
    const body = payload([restart('web', 'f1'), restart('web', 'f1'), { ...restart('api', 'f2'), status: 'resolved' }, alert({ remediation_action: 'scale', namespace: 'team-a', deployment: 'db' }, { fingerprint: 'f3' })]);
    const r = await postJson(port, '/webhook', body, TOKEN);
    expect(r).toEqual({
      status: 200,
      body: {
        alerts: [
          { fingerprint: 'f1', decision: 'execute' },
          { fingerprint: 'f1', decision: 'duplicate' },
          { fingerprint: 'f2', decision: 'resolved' },
          { fingerprint: 'f3', decision: 'execute' },
        ],
      },
    });
    expect(await controller.drain(2000)).toBe(true);
    expect(lines.filter((l) => l.msg === 'decision').map((l) => l.decision).sort()).toEqual(['acted', 'dry_run', 'duplicate', 'resolved']);
    expect(cluster.of('patchWorkload')).toHaveLength(1);
    // The dry-run rule wrote nothing but its Event.
    expect(cluster.of('patchWorkload').filter((c) => (c.args[1] as { replicas?: number }).replicas !== undefined)).toEqual([]);
    expect(cluster.of('createEvent').map((c) => (c.args[1] as { reason: string }).reason).sort()).toEqual(['RemediationDryRun', 'RemediationSucceeded']);
  });

  test('a refusal for a known target is audited with a Warning Event', async () => {
    await postJson(port, '/webhook', payload([restart('web', 'a1')]), TOKEN);
    await postJson(port, '/webhook', payload([restart('web', 'a2')]), TOKEN);
    expect(await controller.drain(2000)).toBe(true);
    const refused = lines.find((l) => l.decision === 'refused_cooldown');
    expect(refused).toMatchObject({ fingerprint: 'a2', rule: 'restart', action: 'restart', target: { kind: 'Deployment', namespace: 'team-a', name: 'web' }, dryRun: false });
    const events = cluster.of('createEvent').map((c) => c.args[1] as { reason: string; type: string; involvedObject: unknown });
    expect(events.find((e) => e.reason === 'RemediationRefused')).toMatchObject({ type: 'Warning', involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web' } });
  });

  test('serves health, readiness and metrics', async () => {
    await postJson(port, '/webhook', payload([restart('web', 'm1'), alert({ remediation_action: 'x' }, { fingerprint: 'm2' })]), TOKEN);
    await controller.drain(2000);
    expect(await raw('GET', '/healthz', {})).toEqual({ status: 200, text: '{"status":"ok"}' });
    expect(await raw('GET', '/readyz', {})).toEqual({ status: 200, text: '{"status":"ready"}' });
    const metrics = (await raw('GET', '/metrics', {})).text;
    expect(metrics).toContain('remediation_actions_total{action="restart",result="success"} 1');
    expect(metrics).toContain('remediation_decisions_total{decision="no_match"} 1');
    expect(metrics).toContain('remediation_decisions_total{decision="acted"} 1');
    expect(metrics).toMatch(/remediation_webhook_duration_seconds_count\{code="200"\} 1/);
  });

  test('a webhook whose body arrives after the drain began gets 503 and Connection: close, and nothing is acted on', async () => {
    const body = JSON.stringify(payload([restart('late', 'late-1')]));
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString('utf8')));
    socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((r) => setTimeout(r, 50));
    server.stopAccepting();
    socket.write(body.slice(10));
    await new Promise((r) => socket.once('close', r));
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(response).toContain('{"error":"shutting down"}');
    expect(cluster.calls).toEqual([]);
    expect(await server.close(1000)).toBe(true);
    server = new WebhookServer({ controller, tokenFile });
    port = await server.listen(0, '127.0.0.1');
  });

  test('drain waits for a slow action before shutdown completes', async () => {
    cluster.delayMs = 300;
    await postJson(port, '/webhook', payload([restart('slow', 's1')]), TOKEN);
    expect(controller.pending).toBe(1);
    await server.close();
    expect(await controller.drain(5000)).toBe(true);
    expect(lines.find((l) => l.fingerprint === 's1' && l.msg === 'decision')).toMatchObject({ decision: 'acted' });
    server = new WebhookServer({ controller, tokenFile });
    port = await server.listen(0, '127.0.0.1');
  });

  test('the sweeper deletes only expired blocks', async () => {
    const owned = { labels: { 'app.kubernetes.io/managed-by': 'tenant-monitoring-remediation' }, podSelector: {}, policyTypes: ['Ingress'], ingress: [] };
    cluster.networkPolicies = [
      { ...owned, namespace: 'team-a', name: 'expired', annotations: { 'remediation.tenant-monitoring.io/expires-at': '2020-01-01T00:00:00Z' } },
      { ...owned, namespace: 'team-a', name: 'current', annotations: { 'remediation.tenant-monitoring.io/expires-at': '2999-01-01T00:00:00Z' } },
      { ...owned, namespace: 'team-a', name: 'no-expiry', annotations: {} },
    ];
    expect(await controller.sweepExpiredBlocks()).toBe(1);
    expect(cluster.of('deleteNetworkPolicy').map((c) => c.args)).toEqual([['team-a', 'expired']]);
    expect(cluster.of('listNetworkPolicies')[0].args).toEqual(['team-a', 'app.kubernetes.io/managed-by=tenant-monitoring-remediation']);
  });
});

test('serves HTTPS with the given certificate', async () => {
  const openssl = requireTool('openssl');
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  runTool(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const tls = new WebhookServer({ controller, tokenFile, tls: { certFile: cert, keyFile: key } });
  const tlsPort = await tls.listen(0, '127.0.0.1');
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: tlsPort, path: '/healthz', ca: fs.readFileSync(cert) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  } finally {
    await tls.close();
  }
});

describe('backpressure', () => {
  test('more webhooks at once than allowed get 429 before their body is read; /healthz still answers', async () => {
    const c = new RemediationController({ policy: POLICY, cluster: new FakeCluster(), log: new AuditLog(() => undefined), metrics: new RemediationMetrics() });
    const s = new WebhookServer({ controller: c, tokenFile, maxConcurrentRequests: 2 });
    const p = await s.listen(0, '127.0.0.1');
    const stalled = await Promise.all([0, 1].map(async () => {
      const socket = net.connect(p, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
      return socket;
    }));
    await new Promise((r) => setTimeout(r, 50));
    const third = await postJson(p, '/webhook', payload([restart('web', 'bp-1')]), TOKEN);
    expect(third).toEqual({ status: 429, body: { error: 'too many webhooks at once; retry' } });
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port: p, path: '/healthz' }, (res) => {
      expect(res.statusCode).toBe(200);
      res.resume();
      resolve();
    }).on('error', reject));
    expect(Date.now() - t0).toBeLessThan(200);
    stalled.forEach((x) => x.destroy());
    await s.close(100);
  });

  test('with maxPending actions running, notifications get 503 until they finish', async () => {
    const slow = new FakeCluster();
    slow.delayMs = 300;
    const c = new RemediationController({ policy: POLICY, cluster: slow, log: new AuditLog(() => undefined), metrics: new RemediationMetrics(), maxPending: 1 });
    const s = new WebhookServer({ controller: c, tokenFile });
    const p = await s.listen(0, '127.0.0.1');
    expect((await postJson(p, '/webhook', payload([restart('web', 'mp-1')]), TOKEN)).status).toBe(200);
    expect(c.saturated).toBe(true);
    expect(await postJson(p, '/webhook', payload([restart('api', 'mp-2')]), TOKEN)).toEqual({ status: 503, body: { error: 'too many actions running; retry' } });
    expect(await c.drain(5000)).toBe(true);
    expect((await postJson(p, '/webhook', payload([restart('api', 'mp-2')]), TOKEN)).status).toBe(200);
    await c.drain(5000);
    await s.close(100);
  });
});
