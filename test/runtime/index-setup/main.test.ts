import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndexSetupPlan, DEFAULT_RETENTION_DAYS, ElasticIndicesSpec, renderIndexSetupPlan, stepPath } from '../../../src/logging/model';
import { main, USAGE } from '../../../src/runtime/index-setup/main';
import { FakeElasticsearch } from './fake-elasticsearch';

const spec: ElasticIndicesSpec = { environment: 'prod', retentionDays: DEFAULT_RETENTION_DAYS.prod, tenants: [{ tenant: 'acme' }] };
const plan = buildIndexSetupPlan(spec);

let dir: string;
let es: FakeElasticsearch;
let url: string;
let out: string[];
let err: string[];

function writeFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function args(extra: string[] = [], planText: string = renderIndexSetupPlan(plan)): string[] {
  return ['--plan', writeFile('plan.json', planText), '--url', url,
    '--username-file', writeFile('username', 'setup\n'), '--password-file', writeFile('password', 's3cret\n'),
    '--backoff-ms', '1', '--request-timeout-ms', '300', ...extra];
}

const puts = (): string[] => es.requests.filter((r) => r.method === 'PUT').map((r) => r.path);

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-setup-'));
  es = new FakeElasticsearch();
  url = await es.start();
  out = [];
  err = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
  jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err.push(String(s)); return true; });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await es.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('index-setup', () => {
  test('applies every step in order with basic authentication from the files', async () => {
    expect(await main(args())).toBe(0);
    expect(puts()).toEqual(plan.steps.map((s) => `/${stepPath(s)}`));
    expect(es.state.stream.get('logs-acme-audit')).toEqual({ template: 'tm-acme-audit' });
    expect(new Set(es.requests.map((r) => r.authorization))).toEqual(new Set([`Basic ${Buffer.from('setup:s3cret').toString('base64')}`]));
    expect(out.at(-1)).toBe(`index-setup: done: ${plan.steps.length} steps, ${plan.steps.length} created, 0 updated, 0 unchanged\n`);
    expect(err).toEqual([]);
  });

  test('changes nothing when run twice', async () => {
    expect(await main(args())).toBe(0);
    const before = es.snapshot();
    const firstRun = es.requests.length;
    expect(await main(args())).toBe(0);
    expect(es.requests.slice(firstRun).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(es.snapshot()).toEqual(before);
    expect(out.at(-1)).toBe(`index-setup: done: ${plan.steps.length} steps, 0 created, 0 updated, ${plan.steps.length} unchanged\n`);
  });

  test('updates only what the plan changed', async () => {
    expect(await main(args())).toBe(0);
    const firstRun = es.requests.length;
    const longer = buildIndexSetupPlan({ ...spec, tenants: [{ tenant: 'acme', retentionDays: { app: 14 } }] });
    expect(await main(args([], renderIndexSetupPlan(longer)))).toBe(0);
    expect(es.requests.slice(firstRun).filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/_ilm/policy/tm-acme-app']);
    expect(out).toContain('index-setup: updated _ilm/policy/tm-acme-app\n');
  });

  test('authenticates with an API key file', async () => {
    expect(await main(['--plan', writeFile('plan.json', renderIndexSetupPlan(plan)), '--url', url, '--api-key-file', writeFile('key', 'a2V5\n')])).toBe(0);
    expect(es.requests[0]!.authorization).toBe('ApiKey a2V5');
  });

  test.each([
    ['500', 500], ['429', 429],
  ])('retries a %s with backoff and succeeds', async (_, status) => {
    es.failures.push({ method: 'PUT', path: '/_ilm/policy/tm-acme-audit', status, times: 2 });
    expect(await main(args())).toBe(0);
    expect(puts().filter((p) => p === '/_ilm/policy/tm-acme-audit')).toHaveLength(3);
    expect(out.filter((l) => l.startsWith('index-setup: retry PUT _ilm/policy/tm-acme-audit'))).toEqual([
      `index-setup: retry PUT _ilm/policy/tm-acme-audit in 1 ms (attempt 1 of 6: ${status} (${status === 500 ? 'internal_server_error' : 'es_rejected_execution_exception'}: injected ${status}))\n`,
      `index-setup: retry PUT _ilm/policy/tm-acme-audit in 2 ms (attempt 2 of 6: ${status} (${status === 500 ? 'internal_server_error' : 'es_rejected_execution_exception'}: injected ${status}))\n`,
    ]);
    expect(es.state.ilm.has('tm-acme-audit')).toBe(true);
  });

  test('retries a request that times out', async () => {
    es.failures.push({ method: 'GET', path: '/_component_template/', status: 'timeout', times: 1, delayMs: 2000 });
    expect({ code: await main(args()), err }).toEqual({ code: 0, err: [] });
    expect(out.filter((l) => l.includes('timeout'))).toEqual([
      'index-setup: retry GET _component_template/tm-mappings-app-logs in 1 ms (attempt 1 of 6: timeout)\n',
    ]);
    expect(es.state.component.size).toBe(4);
  });

  test('fails after the last attempt when the server keeps failing', async () => {
    es.failures.push({ method: 'PUT', path: '/_index_template/tm-acme-app', status: 503, times: 100 });
    expect(await main(args(['--max-attempts', '3']))).toBe(1);
    expect(err).toEqual(['index-setup: PUT _index_template/tm-acme-app failed with 503 (internal_server_error: injected 503) after 3 attempts; giving up\n']);
    expect(puts().filter((p) => p === '/_index_template/tm-acme-app')).toHaveLength(3);
  });

  test('stops at a 400 without retrying and applies nothing after it', async () => {
    es.failures.push({ method: 'PUT', path: '/_component_template/tm-mappings-audit-events', status: 400, times: 1 });
    expect(await main(args())).toBe(1);
    expect(err).toEqual(['index-setup: PUT _component_template/tm-mappings-audit-events failed with 400 (illegal_argument_exception: injected 400); not retried\n']);
    expect(puts().filter((p) => p === '/_component_template/tm-mappings-audit-events')).toHaveLength(1);
    expect(puts().filter((p) => p.startsWith('/_index_template') || p.startsWith('/_data_stream'))).toEqual([]);
  });

  test('stops at a 401 with a hint about the credentials', async () => {
    es.failures.push({ method: 'GET', path: '/_ilm/policy/', status: 401, times: 1 });
    expect(await main(args())).toBe(1);
    expect(err).toEqual(['index-setup: GET _ilm/policy/tm-acme-app failed with 401 (security_exception: injected 401); not retried: check the credentials\n']);
    expect(puts()).toEqual([]);
  });

  test('reports a real 400 from the server with its reason', async () => {
    const broken = { version: 1, steps: [{ kind: 'index_template', request: { name: 't', index_patterns: ['x'], composed_of: ['missing'] } }] };
    expect(await main(args([], JSON.stringify(broken)))).toBe(1);
    expect(err).toEqual(['index-setup: PUT _index_template/t failed with 400 (invalid_index_template_exception: index template [t] specifies component templates ["missing"] that do not exist); not retried\n']);
  });
});

describe('index-setup options', () => {
  test('runs as a script through its require.main guard', () => {
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/runtime/index-setup/main.ts', '--help'], { encoding: 'utf8', cwd: path.resolve(__dirname, '../../..') });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: USAGE });
  });

  test('prints usage with --help', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(out.join('')).toBe(USAGE);
  });

  test.each([
    ['without a plan', ['--url', 'http://127.0.0.1:9'], 'index-setup: --plan (or INDEX_SETUP_PLAN) is required\n'],
    ['on an unknown option', ['--bogus', 'x'], 'index-setup: unknown option --bogus; see --help\n'],
    ['on an API key together with a password', ['--api-key-file', 'k', '--password-file', 'p', '--username-file', 'u'], 'index-setup: give either --api-key-file or --username-file with --password-file, not both\n'],
    ['on a password without a user name', ['--password-file', 'p'], 'index-setup: --username-file and --password-file go together\n'],
    ['on a bad attempt count', ['--max-attempts', '0'], "index-setup: --max-attempts must be a positive whole number, got '0'\n"],
  ])('fails %s', async (_, extra, message) => {
    const argv = extra.includes('--url') ? extra : [...args().slice(0, 4), ...extra];
    expect(await main(argv)).toBe(2);
    expect(err).toEqual([message]);
  });
});
