/**
 * Shutdown of the real controller process within its drain budget: idle keep-alive connections
 * and a client that never finishes its request do not hold it open, readiness answers 503, an
 * action that outlives the budget is audited as abandoned, and the exit code says so.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { ControllerProcess, alert, payload } from './support/controller-process';
import { KubeApiTestServer } from './support/kube-api-server';

const POLICY = `
safety: { dryRun: false, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
`;

const api = new KubeApiTestServer();

beforeAll(() => api.start());
afterAll(() => api.stop());

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path }, (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  }).on('error', reject));
}

test('drains within --drain-timeout-s despite idle and slow clients, auditing what it abandons', async () => {
  api.addWorkload('deployments', 'team-a', 'stuck', 3);
  // The write is answered only after 30 s: longer than the whole drain.
  api.inject({ method: 'PATCH', path: /\/deployments\/stuck$/, delayMs: 30_000 });
  const ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--drain-timeout-s', '3', '--request-timeout-ms', '60000', '--retry-attempts', '1']);
  await ctl.start(60_000);
  const keepAlive = new http.Agent({ keepAlive: true });
  expect((await ctl.post(payload([alert({ alertname: 'X', remediation_action: 'none' }, { fingerprint: 'idle' })]), ctl.token, keepAlive)).status).toBe(200);
  // A client that sends its headers and never its body.
  const slow = net.connect(ctl.port, '127.0.0.1');
  await new Promise((r) => slow.once('connect', r));
  slow.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ctl.token}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"version":`);
  slow.on('error', () => undefined);
  const slowClosed = new Promise((r) => slow.once('close', r));
  expect((await ctl.post(payload([alert({ alertname: 'Crash', remediation_action: 'restart', namespace: 'team-a', deployment: 'stuck' }, { fingerprint: 'stuck' })]))).status).toBe(200);
  await ctl.waitFor(() => ctl.messages('intent').length === 1);

  const t0 = Date.now();
  const exit = ctl.stop();
  await ctl.waitFor(() => ctl.messages('shutting down').length === 1);
  // Once draining, the port accepts no more connections (the listener is closed).
  await expect(get(ctl.port, '/readyz')).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
  const code = await exit;
  const seconds = (Date.now() - t0) / 1000;
  await slowClosed;
  keepAlive.destroy();
  process.stdout.write(`drain: exit ${code} after ${seconds.toFixed(2)} s with a 3 s budget\n`);
  expect(code).toBe(1);
  expect(seconds).toBeLessThan(5);
  expect(ctl.decisions().find((l) => l.fingerprint === 'stuck' && l.decision === 'abandoned')).toMatchObject({ result: 'abandoned', target: { kind: 'Deployment', name: 'stuck' } });
  expect(ctl.messages('stopped')[0]).toMatchObject({ drained: false, requestsFinished: false, abandoned: 1 });
}, 90_000);

test('rejected requests are logged with reason and source, never the token', async () => {
  const ctl = new ControllerProcess(POLICY, ['--kubeconfig', api.writeKubeconfig(), '--max-body-bytes', '2048']);
  await ctl.start(60_000);
  try {
    expect((await ctl.post(payload([]), 'wrong-token-value')).status).toBe(401);
    expect((await ctl.post('{not json')).status).toBe(400);
    expect((await ctl.post('x'.repeat(4096))).status).toBe(413);
    const rejected = await ctl.waitFor(() => ctl.messages('request rejected').length >= 3 && ctl.messages('request rejected'));
    expect(rejected.map((l) => [l.status, l.reason, l.source])).toEqual([
      [401, 'missing or wrong bearer token', '127.0.0.1'],
      [400, 'body is not valid JSON', '127.0.0.1'],
      [413, 'body larger than 2048 bytes', '127.0.0.1'],
    ]);
    expect(JSON.stringify(ctl.lines)).not.toContain('wrong-token-value');
    expect(JSON.stringify(ctl.lines)).not.toContain(ctl.token);
  } finally {
    expect(await ctl.stop()).toBe(0);
  }
}, 90_000);
