import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { USAGE, main, parseArgs } from '../../../src/runtime/remediation/main';
import { postJson } from './support/controller-process';
import { FakeCluster } from './support/fake-cluster';

describe('command line', () => {
  test('flags win over environment variables', () => {
    const args = parseArgs(['--policy', 'p.yaml', '--port=9000', '--no-dry-run'], { REMEDIATION_POLICY_FILE: 'env.yaml', REMEDIATION_TOKEN_FILE: 't', REMEDIATION_DRY_RUN: 'true' });
    expect(args).toEqual({ help: false, values: { policy: 'p.yaml', port: '9000', 'token-file': 't' }, dryRun: false });
  });

  test.each<[string[], Record<string, string>, string]>([
    [['--bogus'], {}, 'unknown option --bogus; see --help'],
    [['--policy'], {}, 'option --policy needs a value'],
    [['extra'], {}, "unexpected argument 'extra'; see --help"],
    [[], { REMEDIATION_DRY_RUN: 'yes' }, "REMEDIATION_DRY_RUN must be true or false, got 'yes'"],
  ])('fails on %j', (argv, env, message) => {
    expect(() => parseArgs(argv, env)).toThrow(message);
  });

  test('--help prints the usage and returns 0', async () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--help'])).toBe(0);
      expect(spy).toHaveBeenCalledWith(USAGE);
    } finally {
      spy.mockRestore();
    }
  });

  test('fails to start without a policy, and on an invalid one', async () => {
    const lines: string[] = [];
    expect(await main(['--token-file', 'x'], { write: (l) => lines.push(l), cluster: new FakeCluster() })).toBe(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-main-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), 'rules: []\n');
    expect(await main(['--policy', path.join(dir, 'policy.yaml'), '--token-file', 'x'], { write: (l) => lines.push(l), cluster: new FakeCluster() })).toBe(1);
    expect(lines.map((l) => (JSON.parse(l) as { error: string }).error)).toEqual([
      '--policy (or REMEDIATION_POLICY_FILE) is required',
      `invalid policy ${path.join(dir, 'policy.yaml')}: policy.safety.allowedNamespaces: is required: list the tenant namespaces the controller may act in`,
    ]);
  });

  test('runs until stopped, then drains and returns 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-main-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), "safety: {dryRun: false, allowedNamespaces: [team-a]}\nrules: [{name: r, match: ['a=\"b\"'], action: {type: restart}}]\n");
    fs.writeFileSync(path.join(dir, 'token'), 'tok');
    const cluster = new FakeCluster();
    cluster.delayMs = 200;
    const lines: Array<Record<string, unknown>> = [];
    let stop: () => void = () => undefined;
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      void main(['--policy', path.join(dir, 'policy.yaml'), '--token-file', path.join(dir, 'token'), '--host', '127.0.0.1', '--port', '0'], {
        cluster,
        write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
        onListening: (p) => {
          port = p;
          resolve();
        },
        stopSignal: new Promise<void>((r) => (stop = r)),
      }).then((code) => lines.push({ msg: 'exit', code }));
    });
    await listening;
    const alert = { status: 'firing', labels: { a: 'b', namespace: 'team-a', deployment: 'web' }, startsAt: '2024-05-01T10:00:00Z', fingerprint: 'f' };
    expect((await postJson(port, '/webhook', { version: '4', groupKey: 'g', status: 'firing', alerts: [alert] }, 'tok')).status).toBe(200);
    stop();
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (lines.some((l) => l.msg === 'exit')) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    // The intent follows the read of the target, so it may come before or after the shutdown starts.
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m !== 'intent')).toEqual(['listening', 'shutting down', 'decision', 'stopped', 'exit']);
    expect(msgs.indexOf('intent')).toBeGreaterThan(0);
    expect(msgs.indexOf('intent')).toBeLessThan(msgs.indexOf('decision'));
    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ drained: true, pending: 0 });
    expect(lines.find((l) => l.msg === 'exit')).toEqual({ msg: 'exit', code: 0 });
  });
});
