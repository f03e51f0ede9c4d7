/**
 * The package as other projects use it: compiled with the project's tsconfig, packed with
 * `npm pack` (so the `files` field decides what ships), installed into a fresh cdk8s app next to
 * the peer dependencies, type-checked there and synthesized.
 *
 * The build goes to a temporary directory, not to the shared `lib/`, so this test does not race
 * with tests that run the compiled programs from `lib/`.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['cdk8s', 'cdk8s-plus-28', 'constructs'];

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: { readonly groups?: ReadonlyArray<{ readonly rules: ReadonlyArray<{ readonly expr: string; readonly alert?: string; readonly record?: string }> }> };
}

function run(command: string, args: ReadonlyArray<string>, cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.error) throw result.error;
  return result;
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const CONSUMER_MAIN = `import { App, Chart } from 'cdk8s';
import { DEV, TenantMonitoringStack } from 'cdk8s-tenant-monitoring';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'tenant-acme');
const stack: TenantMonitoringStack = new TenantMonitoringStack(chart, 'acme', {
  tenant: { id: 'acme', displayName: 'Acme', tier: 'premium', contacts: { team: 'acme', email: 'oncall@acme.example' } },
  environment: DEV,
});
app.synth();
console.log(\`synthesized \${stack.node.path}\`);
`;

describe('the packed package in a fresh cdk8s app', () => {
  let work: string;
  let files: string[];
  let objects: Manifest[];
  let mainOutput: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-monitoring-pack-'));
    // 1. Build what `npm run build` builds from src/ and imports/, into a private directory.
    const tsconfig = path.join(work, 'tsconfig.build.json');
    fs.writeFileSync(tsconfig, JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir: path.join(work, 'pkg', 'lib'), typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
      include: [path.join(ROOT, 'src/**/*.ts'), path.join(ROOT, 'imports/**/*.ts')],
    }));
    const build = run(process.execPath, [TSC, '-p', tsconfig], ROOT);
    // Type errors fail `tsc --noEmit` in `npm test`; here what matters is the emitted package.
    if (!fs.existsSync(path.join(work, 'pkg', 'lib', 'src', 'index.js'))) check(build, 'tsc');

    // 2. A package tree as the repository has it after `npm run build`; `npm pack` applies `files`.
    for (const entry of ['package.json', 'README.md', 'imports']) fs.cpSync(path.join(ROOT, entry), path.join(work, 'pkg', entry), { recursive: true });
    const packed = JSON.parse(check(run('npm', ['pack', '--json', '--pack-destination', work], path.join(work, 'pkg')), 'npm pack')) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0].files.map((f) => f.path).sort();

    // 3. A fresh cdk8s app with the tarball and the peer dependencies, at the versions this repository uses.
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    const peers = Object.fromEntries(PEERS.map((p) => [p, (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version]));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'consumer-app', version: '0.0.0', private: true,
      dependencies: { 'cdk8s-tenant-monitoring': `file:${path.join(work, packed[0].filename)}`, ...peers },
    }, null, 2));
    check(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app), 'npm install');

    // 4. The consumer's TypeScript, type-checked against the shipped declarations, then run.
    fs.writeFileSync(path.join(app, 'main.ts'), CONSUMER_MAIN);
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, outDir: '.', typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'] },
      files: ['main.ts'],
    }));
    check(run(process.execPath, [TSC, '-p', 'tsconfig.json'], app), 'tsc in the consumer app');
    mainOutput = check(run(process.execPath, ['main.js'], app), 'node main.js');
    objects = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'tenant-acme.k8s.yaml'), 'utf8')).map((d) => d.toJS() as Manifest);
  }, 120_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('ships the compiled library, its declarations, the generated imports and the CRDs, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/pulumi/index.js', 'imports/crds/SOURCES.md']));
    expect(files.some((f) => f.startsWith('lib/imports/') && f.endsWith('.d.ts'))).toBe(true);
    expect(files.filter((f) => !/^(lib\/src\/|lib\/imports\/|imports\/crds\/)/.test(f))).toEqual(['README.md', 'package.json']);
    expect(files.filter((f) => f.startsWith('lib/test/') || f.startsWith('lib/stacks/') || f.startsWith('src/'))).toEqual([]);
  });

  test('synthesizes a TenantMonitoringStack in the consumer app', () => {
    expect(mainOutput).toBe('synthesized tenant-acme/acme\n');
    const ns = objects.filter((o) => o.kind === 'Namespace');
    expect(ns.map((o) => o.metadata.name)).toEqual(['acme']);
    const namespaced = objects.filter((o) => o.kind !== 'Namespace');
    expect(namespaced.length).toBeGreaterThan(5);
    expect(namespaced.filter((o) => o.metadata.namespace !== 'acme' && o.metadata.namespace !== 'monitoring').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toContain('default-deny-all');
  });

  test('every PrometheusRule expression of the tenant carries the tenant matcher', () => {
    const rules = objects.filter((o) => o.kind === 'PrometheusRule' && o.metadata.namespace === 'acme').flatMap((o) => o.spec?.groups ?? []).flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(0);
    const selectors = rules.flatMap((r) => r.expr.match(/\{[^}]*\}/g) ?? []);
    expect(selectors.length).toBeGreaterThan(0);
    expect(selectors.filter((s) => !s.includes('tenant="acme"'))).toEqual([]);
  });

  test('the package root loads without Pulumi; the adapter subpath asks for it', () => {
    const app = path.join(work, 'app');
    expect(fs.existsSync(path.join(app, 'node_modules', '@pulumi'))).toBe(false);
    const probe = run(process.execPath, ['-e', "try { require('cdk8s-tenant-monitoring/lib/src/pulumi'); } catch (e) { console.log(e.code, /@pulumi/.test(e.message)); }"], app);
    expect(check(probe, 'require the adapter')).toBe('MODULE_NOT_FOUND true\n');
  });
});
