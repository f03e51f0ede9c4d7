import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDrift } from '../../../src/runtime/drift/main';
import { captureIo, closedPortUrl, promAnswer, pushgateway, startServer, TestServer } from './servers';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-main-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeConfig(config: object): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

function writeFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const FAST_HTTP = { attempts: 3, backoffMs: 5, timeoutMs: 2000 };
interface Report {
  driftDetected: boolean;
  pushed: boolean;
  features: Array<{ name: string; referenceCount: number; currentCount: number; results: Array<{ method: string; score: number; pValue?: number; threshold: number; level: string }> }>;
}

/** The exposition body the program must push for a report (format, label sets and order). */
function expectedBody(report: Report, tenant: string, model: string, finishedAtMs: number): string {
  const base = `tenant="${tenant}",model="${model}"`;
  const family = (name: string, help: string, lines: string[]) => (lines.length ? `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${lines.join('')}` : '');
  const per = (fn: (r: Report['features'][0]['results'][0]) => number | undefined) =>
    report.features.flatMap((f) => f.results.flatMap((r) => (fn(r) === undefined ? [] : [`{${base},feature="${f.name}",method="${r.method}"} ${fn(r)}\n`])));
  const named = (name: string, lines: string[]) => lines.map((l) => `${name}${l}`);
  const drifted = report.features.filter((f) => f.results.some((r) => r.level === 'alert')).length;
  return [
    family('ml_drift_score', 'Drift score per feature and method: KS statistic D, PSI, or Jensen-Shannon distance (base 2).', named('ml_drift_score', per((r) => r.score))),
    family('ml_drift_p_value', 'Two-sided p-value of the two-sample Kolmogorov-Smirnov test.', named('ml_drift_p_value', per((r) => r.pValue))),
    family('ml_drift_threshold', 'Detection threshold per feature and method (for ks: the significance level of the p-value).', named('ml_drift_threshold', per((r) => r.threshold))),
    family('ml_drift_detected', '1 when the method detects drift on the feature (alert level), else 0.', named('ml_drift_detected', per((r) => (r.level === 'alert' ? 1 : 0)))),
    family('ml_drift_warning', '1 when the score is at or above the warning level (PSI warn; alert level for the other methods), else 0.', named('ml_drift_warning', per((r) => (r.level === 'ok' ? 0 : 1)))),
    family(
      'ml_drift_samples',
      'Observations per feature and window.',
      report.features.flatMap((f) => [`ml_drift_samples{${base},feature="${f.name}",window="reference"} ${f.referenceCount}\n`, `ml_drift_samples{${base},feature="${f.name}",window="current"} ${f.currentCount}\n`]),
    ),
    family('ml_drift_features_drifted', 'Number of features with drift detected by at least one method.', [`ml_drift_features_drifted{${base}} ${drifted}\n`]),
    family('ml_drift_last_success_timestamp_seconds', 'Unix time of the last successful drift run.', [`ml_drift_last_success_timestamp_seconds{${base}} ${finishedAtMs / 1000}\n`]),
  ].join('');
}

describe('drift program against a Prometheus API and a Pushgateway on 127.0.0.1', () => {
  let prom: TestServer;
  let pg: TestServer;
  const refTime = (NOW - 86_400_000) / 1000;
  const curTime = NOW / 1000;
  const buckets = (counts: number[]) => ['0.1', '0.5', '1', '+Inf'].map((le, i) => ({ metric: { le }, value: [0, String(counts.slice(0, i + 1).reduce((a, b) => a + b, 0))] }));

  beforeAll(async () => {
    prom = await startServer((req) => {
      const q = req.params.get('query') ?? '';
      const current = Number(req.params.get('time')) === curTime;
      if (q.includes('latency_seconds_bucket')) return promAnswer('vector', buckets(current ? [100, 300, 400, 200] : [400, 300, 200, 100]));
      return promAnswer('vector', [
        { metric: { category: 'de' }, value: [0, current ? '500' : '480'] },
        { metric: { category: 'us' }, value: [0, current ? '500' : '520'] },
      ]);
    });
    pg = await pushgateway();
  });
  afterAll(async () => {
    await prom.close();
    await pg.close();
  });

  test('queries both windows, pushes one exact exposition body and prints the report', async () => {
    const config = writeConfig({
      tenant: 'acme',
      model: 'fraud',
      features: [
        { name: 'latency', kind: 'numeric', metric: 'model_latency_seconds' },
        { name: 'country', kind: 'categorical', metric: 'model_country_total' },
      ],
      source: { type: 'prometheus', url: prom.url },
      pushgateway: { url: pg.url },
      http: FAST_HTTP,
    });
    const io = captureIo(NOW);
    expect(await runDrift(['--config', config, '--time', '2024-06-01T12:00:00Z'], io)).toBe(0);
    expect(io.err).toEqual([]);
    expect(prom.requests.map((r) => [r.path, r.params.get('query'), Number(r.params.get('time'))]).sort()).toEqual(
      [
        ['/api/v1/query', 'sum by (le) (increase(model_latency_seconds_bucket{tenant="acme",model="fraud"}[7d]))', refTime],
        ['/api/v1/query', 'sum by (le) (increase(model_latency_seconds_bucket{tenant="acme",model="fraud"}[1d]))', curTime],
        ['/api/v1/query', 'sum by (category) (increase(model_country_total{tenant="acme",model="fraud"}[7d]))', refTime],
        ['/api/v1/query', 'sum by (category) (increase(model_country_total{tenant="acme",model="fraud"}[1d]))', curTime],
      ].sort(),
    );
    const report = JSON.parse(io.out.join('')) as Report;
    expect(report.pushed).toBe(true);
    expect(report.driftDetected).toBe(true);
    expect(report.features.map((f) => [f.name, f.referenceCount, f.currentCount, f.results.map((r) => `${r.method}:${r.level}`)])).toEqual([
      ['latency', 1000, 1000, ['ks:alert', 'psi:alert', 'jensenShannon:alert']],
      ['country', 1000, 1000, ['psi:ok', 'jensenShannon:ok']],
    ]);
    expect(pg.requests).toHaveLength(1);
    expect(pg.requests[0].method).toBe('PUT');
    expect(pg.requests[0].path).toBe('/metrics/job/ml-drift/tenant/acme/model/fraud');
    expect(pg.requests[0].body).toBe(expectedBody(report, 'acme', 'fraud', NOW));
  });

  test('adds the configured grouping labels (the tenant namespace) to the push', async () => {
    const before = pg.requests.length;
    const config = writeConfig({
      tenant: 'acme',
      model: 'fraud',
      features: [{ name: 'country', kind: 'categorical', metric: 'model_country_total' }],
      source: { type: 'prometheus', url: prom.url },
      pushgateway: { url: pg.url, grouping: { namespace: 'acme' } },
      http: FAST_HTTP,
    });
    expect(await runDrift(['--config', config, '--time', '2024-06-01T12:00:00Z'], captureIo(NOW))).toBe(0);
    expect(pg.requests.slice(before).map((r) => r.path)).toEqual(['/metrics/job/ml-drift/tenant/acme/model/fraud/namespace/acme']);
  });

  test('fails a grouping label the program sets itself', async () => {
    const config = writeConfig({
      tenant: 'acme', model: 'fraud', features: [{ name: 'country', kind: 'categorical', metric: 'model_country_total' }],
      source: { type: 'prometheus', url: prom.url }, pushgateway: { url: pg.url, grouping: { tenant: 'other' } },
    });
    const io = captureIo(NOW);
    expect(await runDrift(['--config', config], io)).toBe(2);
    expect(io.err.join('')).toContain('DriftJobConfig: pushgateway.grouping.tenant: got "tenant"; allowed: labels other than job, tenant and model (the program sets those)');
  });

  test('fails with exit code 4 after the bounded retries when Prometheus is unreachable, pushing nothing', async () => {
    const before = pg.requests.length;
    const url = await closedPortUrl();
    const config = writeConfig({ tenant: 'acme', model: 'fraud', features: [{ name: 'latency', kind: 'numeric', metric: 'm' }], source: { type: 'prometheus', url }, pushgateway: { url: pg.url }, http: FAST_HTTP });
    const io = captureIo(NOW);
    expect(await runDrift(['--config', config], io)).toBe(4);
    expect(io.err.join('')).toMatch(new RegExp(`^drift: Prometheus is unreachable: POST ${url}/api/v1/query failed after 3 attempts: .*ECONNREFUSED`));
    expect(io.out).toEqual([]);
    expect(pg.requests.length).toBe(before);
  });

  test('retries 503 answers and succeeds on the third attempt', async () => {
    let calls = 0;
    const flaky = await startServer(() => (++calls <= 2 ? { status: 503, body: 'overloaded' } : promAnswer('vector', buckets([1, 2, 3, 4]))));
    const config = writeConfig({ tenant: 'acme', model: 'fraud', features: [{ name: 'latency', kind: 'numeric', metric: 'm' }], methods: ['psi'], windows: { reference: { range: '1h' } }, source: { type: 'prometheus', url: flaky.url }, http: { ...FAST_HTTP, attempts: 3 } });
    const io = captureIo(NOW);
    const code = await runDrift(['--config', config, '--no-push'], io);
    await flaky.close();
    expect(code).toBe(0);
    expect(flaky.requests).toHaveLength(4);
  });

  test('fails with exit code 3 when Prometheus rejects the query', async () => {
    const rejecting = await startServer(() => ({ status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }) }));
    const config = writeConfig({ tenant: 'acme', model: 'fraud', features: [{ name: 'latency', kind: 'numeric', metric: 'm' }], source: { type: 'prometheus', url: rejecting.url }, http: FAST_HTTP });
    const io = captureIo(NOW);
    const code = await runDrift(['--config', config], io);
    await rejecting.close();
    expect(code).toBe(3);
    expect(io.err.join('')).toContain('drift: Prometheus rejected the query "sum by (le) (increase(m_bucket{tenant=\\"acme\\",model=\\"fraud\\"}[');
    expect(io.err.join('')).toContain(': bad_data: parse error\n');
  });

  test('fails with exit code 5 when the Pushgateway keeps failing', async () => {
    const broken = await pushgateway(500);
    const ref = writeFile('push-ref.csv', 'x\n1\n2\n3\n');
    const config = writeConfig({ tenant: 'acme', model: 'fraud', features: [{ name: 'x', kind: 'numeric' }], source: { type: 'samples', reference: ref, current: ref }, pushgateway: { url: broken.url }, http: FAST_HTTP });
    const io = captureIo(NOW);
    const code = await runDrift(['--config', config], io);
    await broken.close();
    expect(code).toBe(5);
    expect(broken.requests).toHaveLength(3);
    expect(io.err.join('')).toBe(`drift: push to the Pushgateway failed: PUT ${broken.url}/metrics/job/ml-drift/tenant/acme/model/fraud failed after 3 attempts: HTTP 500 storage unavailable\n`);
    expect(io.out).toEqual([]);
  });
});

describe('drift program on sample files', () => {
  const ref = writeFile('ref.csv', 'amount,country,ignored\n1.5,de,x\n2.5,"us",y\n3.5,de,z\n4,fr,w\n');
  const base = { tenant: 'acme', model: 'fraud', features: [{ name: 'amount', kind: 'numeric' }, { name: 'country', kind: 'categorical' }], http: FAST_HTTP };

  const bad: Array<[string, string, string, string]> = [
    ['fails on NaN', 'nan.csv', 'amount,country\n1,de\nNaN,us\n', "drift: current samples (<file>), line 3: feature 'amount' has the value \"NaN\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n"],
    ['fails on Infinity', 'inf.csv', 'amount,country\nInfinity,de\n', "drift: current samples (<file>), line 2: feature 'amount' has the value \"Infinity\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n"],
    ['fails on a hexadecimal number', 'hex.csv', 'amount,country\n0x1A,de\n', "drift: current samples (<file>), line 2: feature 'amount' has the value \"0x1A\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n"],
    ['fails on a binary number', 'bin.csv', 'amount,country\n0b101,de\n', "drift: current samples (<file>), line 2: feature 'amount' has the value \"0b101\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n"],
    ['fails on an octal number', 'oct.csv', 'amount,country\n0o17,de\n', "drift: current samples (<file>), line 2: feature 'amount' has the value \"0o17\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n"],
    ['fails on a decimal beyond the double range', 'huge.csv', 'amount,country\n1e999,de\n', "drift: current samples (<file>), line 2: feature 'amount' has the value \"1e999\", out of range (beyond ±1.7976931348623157e308); allowed: a finite number\n"],
    ['fails on an empty value', 'empty-value.csv', 'amount,country\n,de\n', "drift: current samples (<file>), line 2: feature 'amount' has an empty value; allowed: a finite number\n"],
    ['fails on a file with only a header', 'header.csv', 'amount,country\n', 'drift: current samples (<file>): no samples (only a header)\n'],
    ['fails on an empty file', 'empty.csv', '', 'drift: current samples (<file>): no samples\n'],
    ['fails on a feature missing on one side', 'missing.csv', 'amount\n1\n', "drift: current samples (<file>): feature 'country' missing from the header (columns: amount)\n"],
    ['fails on a ragged row', 'ragged.csv', 'amount,country\n1,de,extra\n', 'drift: current samples (<file>), line 2: 3 fields; the header has 2\n'],
  ];
  test.each(bad)('%s with exit code 3', async (_, name, text, message) => {
    const cur = writeFile(name, text);
    const io = captureIo(NOW);
    expect(await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', reference: ref, current: cur } })], io)).toBe(3);
    expect(io.err.join('')).toBe(message.replace('<file>', cur));
  });

  test.each<[string, string, string]>([
    ['1e999', '{"amount": 1e999, "country": "de"}', "feature 'amount' has a number out of range (beyond ±1.7976931348623157e308); allowed: a finite number"],
    ['a hexadecimal string', '{"amount": "0x1A", "country": "de"}', "feature 'amount' has the value \"0x1A\"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)"],
    ['null', '{"amount": null, "country": "de"}', "feature 'amount' has the value null; allowed: a finite number"],
  ])('fails with exit code 3 on JSON lines with %s', async (_name, line, message) => {
    const cur = writeFile('strict.jsonl', `{"amount": 1, "country": "de"}\n${line}\n`);
    const io = captureIo(NOW);
    expect(await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', format: 'jsonl', reference: cur, current: cur } })], io)).toBe(3);
    expect(io.err.join('')).toBe(`drift: reference samples (${cur}), line 2: ${message}\n`);
  });

  test('reads decimal numbers in every notation', async () => {
    const cur = writeFile('decimal.csv', 'amount,country\n12,de\n-0.5,us\n+.25,de\n1e-3,fr\n 3.0 ,de\n6.,us\n');
    const io = captureIo(NOW);
    expect(await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', reference: ref, current: cur } })], io)).toBe(0);
  });

  test('fails with exit code 3 on JSON lines with a missing feature', async () => {
    const cur = writeFile('missing.jsonl', '{"amount": 1, "country": "de"}\n{"amount": 2}\n');
    const io = captureIo(NOW);
    expect(await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', format: 'jsonl', reference: cur, current: cur } })], io)).toBe(3);
    expect(io.err.join('')).toBe(`drift: reference samples (${cur}), line 2: feature 'country' has no value; allowed: a category (string, number or boolean)\n`);
  });

  test('fails with exit code 4 on a missing sample file', async () => {
    const io = captureIo(NOW);
    const missing = path.join(dir, 'nope.csv');
    expect(await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', reference: ref, current: missing } })], io)).toBe(4);
    expect(io.err.join('')).toBe(`drift: cannot read current samples (${missing}): ENOENT: no such file or directory, access '${missing}'\n`);
  });

  test('reads JSON lines from an HTTP URL and exits 1 on drift with --fail-on-drift', async () => {
    const jsonl = Array.from({ length: 200 }, (_, i) => JSON.stringify({ amount: 100 + i, country: i % 2 ? 'us' : 'jp' })).join('\n');
    const files = await startServer((req) => ({ status: 200, body: req.path === '/cur.jsonl' ? jsonl : '', type: 'application/x-ndjson' }));
    const refJsonl = writeFile('ref.jsonl', '{"amount": 1.5, "country": "de"}\n{"amount": 2, "country": "us"}\n');
    const io = captureIo(NOW);
    const code = await runDrift(['--config', writeConfig({ ...base, source: { type: 'samples', reference: refJsonl, current: `${files.url}/cur.jsonl` } }), '--fail-on-drift'], io);
    await files.close();
    expect(code).toBe(1);
    const report = JSON.parse(io.out.join('')) as Report;
    expect(report.features.map((f) => [f.referenceCount, f.currentCount])).toEqual([[2, 200], [2, 200]]);
    expect(report.pushed).toBe(false);
  });

  test('prints usage for --help and fails with exit code 2 on a bad command line or configuration', async () => {
    const help = captureIo(NOW);
    expect(await runDrift(['--help'], help)).toBe(0);
    expect(help.out.join('')).toMatch(/^Usage: drift --config <file>/);
    const unknown = captureIo(NOW);
    expect(await runDrift(['--config', 'x.json', '--bogus'], unknown)).toBe(2);
    expect(unknown.err.join('')).toBe('drift: unknown argument "--bogus"\nrun \'drift --help\' for usage\n');
    const invalid = captureIo(NOW);
    expect(await runDrift(['--config', writeConfig({ ...base, tenant: 'ACME', source: { type: 'samples', reference: ref, current: ref } })], invalid)).toBe(2);
    expect(invalid.err.join('')).toMatch(/^drift: invalid configuration: DriftJobConfig: tenant: got "ACME"; allowed: a DNS-1123 label/);
  });
});

describe('drift program as a script', () => {
  test('runs the example from the command line (require.main guard)', () => {
    const root = path.join(__dirname, '../../..');
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'src/runtime/drift/main.ts', '--config', 'examples/ml/drift-config.json'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { driftedFeatures: string[] };
    expect(report.driftedFeatures).toEqual(['amount', 'country']);
  });

  test('the program, as a process, refuses a hexadecimal CSV value and a JSONL 1e999 with exit code 3', () => {
    const root = path.resolve(__dirname, '../../..');
    const hex = writeFile('process-hex.csv', 'amount,country\n1,de\n0x1A,us\n');
    const huge = writeFile('process-huge.jsonl', '{"amount": 1e999, "country": "de"}\n');
    const base = { tenant: 'acme', model: 'fraud', features: [{ name: 'amount', kind: 'numeric' }, { name: 'country', kind: 'categorical' }] };
    const run = (source: object) => spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'src/runtime/drift/main.ts', '--config', writeConfig({ ...base, source })], { cwd: root, encoding: 'utf8' });
    const a = run({ type: 'samples', reference: hex, current: hex });
    expect([a.status, a.stderr]).toEqual([3, `drift: reference samples (${hex}), line 3: feature 'amount' has the value "0x1A"; allowed: a finite number in decimal notation (such as 12, -0.5 or 1e-3)\n`]);
    const b = run({ type: 'samples', format: 'jsonl', reference: huge, current: huge });
    expect([b.status, b.stderr]).toEqual([3, `drift: reference samples (${huge}), line 1: feature 'amount' has a number out of range (beyond ±1.7976931348623157e308); allowed: a finite number\n`]);
  });
});
