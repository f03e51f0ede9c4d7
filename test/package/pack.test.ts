/**
 * The package as other projects get it: a clean clone of the repository (committed files only), packed with
 * `npm pack` (whose `prepack` builds `lib/`, and whose `files` field decides what ships), installed into a new
 * cdk8s app that uses the tsconfig of cdk8s's own `typescript-app` template (CommonJS, default module resolution,
 * no `skipLibCheck`), type-checked there with every TypeScript snippet of the README, and synthesized.
 *
 * The clone reuses this checkout's `node_modules` through a symlink (an `npm ci` of the same lockfile, without
 * the download). The build happens inside the clone, so this test does not race with tests that run the
 * compiled programs from the shared `lib/`.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readmeSnippets, SNIPPET_GLOBALS } from './readme-snippets';

const ROOT = path.resolve(__dirname, '../..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['cdk8s', 'cdk8s-plus-28', 'constructs'];
/** The tsconfig `cdk8s init typescript-app` writes. */
const TEMPLATE_TSCONFIG = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app', 'tsconfig.json');

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
  let snippetCount: number;
  let typeCheck: SpawnSyncReturns<string>;
  let typeCheckNode16: SpawnSyncReturns<string>;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-monitoring-pack-'));
    // 1. A clean clone of the commit under test, with this checkout's dependencies.
    const clone = path.join(work, 'clone');
    const head = check(run('git', ['rev-parse', 'HEAD'], ROOT), 'git rev-parse').trim();
    check(run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], work), 'git clone');
    check(run('git', ['checkout', '--quiet', head], clone), 'git checkout');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    expect(fs.existsSync(path.join(clone, 'lib'))).toBe(false);

    // 2. `npm pack` as a publisher runs it: `prepack` builds, `files` selects.
    const packed = JSON.parse(check(run('npm', ['pack', '--json', '--pack-destination', work], clone), 'npm pack')) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0].files.map((f) => f.path).sort();

    // 3. A new cdk8s app with the tarball and the peer dependencies, at the versions this repository uses.
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    const peers = Object.fromEntries(PEERS.map((p) => [p, (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version]));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'consumer-app', version: '0.0.0', private: true,
      dependencies: { 'cdk8s-tenant-monitoring': `file:${path.join(work, packed[0].filename)}`, ...peers },
    }, null, 2));
    check(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app), 'npm install');
    // The template's devDependencies include @types/node; when no dependency brought it, this repository's.
    fs.mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true });
    if (!fs.existsSync(path.join(app, 'node_modules', '@types', 'node'))) fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(app, 'node_modules', '@types', 'node'), 'dir');

    // 4. The consumer's TypeScript and the README's snippets, type-checked with the template's tsconfig, then run.
    fs.writeFileSync(path.join(app, 'main.ts'), CONSUMER_MAIN);
    // As the template writes it; only the node16 snippets are left to their own tsconfig.
    const template = JSON.parse(fs.readFileSync(TEMPLATE_TSCONFIG, 'utf8')) as { exclude: string[] };
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ ...template, exclude: [...template.exclude, 'snippets-node16'] }, null, 2));
    const snippets = readmeSnippets(path.join(ROOT, 'README.md'));
    snippetCount = snippets.length;
    fs.mkdirSync(path.join(app, 'snippets'));
    fs.mkdirSync(path.join(app, 'snippets-node16'));
    fs.writeFileSync(path.join(app, 'snippets', 'globals.d.ts'), SNIPPET_GLOBALS);
    fs.writeFileSync(path.join(app, 'snippets-node16', 'globals.d.ts'), SNIPPET_GLOBALS);
    for (const s of snippets) fs.writeFileSync(path.join(app, s.needsNode16 ? 'snippets-node16' : 'snippets', s.fileName), `// README.md line ${s.line}\n${s.source}`);
    // Snippets that import the grafana-foundation-sdk use the node16 resolution the README asks for; nothing else changes.
    fs.writeFileSync(path.join(app, 'tsconfig.node16.json'), JSON.stringify({
      extends: './tsconfig.json', compilerOptions: { module: 'node16', moduleResolution: 'node16', noEmit: true }, include: ['snippets-node16/**/*.ts'], exclude: ['node_modules'],
    }));
    typeCheck = run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    typeCheckNode16 = run(process.execPath, [TSC, '-p', 'tsconfig.node16.json'], app);
    check(typeCheck, 'tsc in the consumer app');
    mainOutput = check(run(process.execPath, ['main.js'], app), 'node main.js');
    objects = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'tenant-acme.k8s.yaml'), 'utf8')).map((d) => d.toJS() as Manifest);
  }, 240_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('ships the compiled library, its declarations, the generated imports and the CRDs, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/pulumi/index.js', 'imports/crds/SOURCES.md']));
    expect(files.some((f) => f.startsWith('lib/imports/') && f.endsWith('.d.ts'))).toBe(true);
    expect(files.filter((f) => !/^(lib\/src\/|lib\/imports\/|imports\/crds\/)/.test(f))).toEqual(['README.md', 'package.json']);
    expect(files.filter((f) => f.startsWith('lib/test/') || f.startsWith('lib/stacks/') || f.startsWith('src/'))).toEqual([]);
  });

  test('the consumer app and every README snippet type-check with the typescript-app template tsconfig, without skipLibCheck', () => {
    const tsconfig = JSON.parse(fs.readFileSync(TEMPLATE_TSCONFIG, 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions).toMatchObject({ module: 'CommonJS' });
    expect(tsconfig.compilerOptions.moduleResolution).toBeUndefined();
    expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
    expect(snippetCount).toBeGreaterThanOrEqual(7);
    expect(`${typeCheck.stdout}${typeCheck.stderr}`).toBe('');
    expect(`${typeCheckNode16.stdout}${typeCheckNode16.stderr}`).toBe('');
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
