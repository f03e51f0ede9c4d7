/**
 * The runtime image, checked without Docker: every command the manifests name exists in the compiled lib/ and
 * answers --help; the Dockerfile's entrypoint exists in lib/; the programs load nothing the image does not ship
 * (only lib/src, production dependencies and Node built-ins).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { DEV, PROD } from '../../src/core/environment';
import { ContainerImage } from '../../src/core/images';
import { ElasticIndices } from '../../src/logging/elastic-indices';
import { SecretKeyRef } from '../../src/core/secret-ref';
import { main, RUNTIME_COMMANDS, usage } from '../../src/runtime/cli';
import { runtimeCommandsIn } from '../support/runtime-commands';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { Manifest } from '../support/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');
const CLI = path.join(LIB, 'src', 'runtime', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Build lib/ with the project's tsconfig when it is missing or older than any source (as `npm run build` does). */
function ensureBuilt(): void {
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), newestSource(path.join(ROOT, 'imports')), fs.statSync(path.join(ROOT, 'package.json')).mtimeMs);
  if (fs.existsSync(CLI) && fs.statSync(CLI).mtimeMs >= sources) return;
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  // Type errors are reported by `tsc --noEmit` in `npm test`; here what matters is that the files were emitted.
  if (!fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < sources) {
    throw new Error(`tsc did not emit ${CLI} (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
  }
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

const connection = { url: 'https://es.logging.svc:9200', username: 'index-setup', password: SecretKeyRef.of('es-credentials', 'password') };

/** Everything this repository synthesizes that runs the runtime image (the lead adds whole environments). */
function synthesizedObjects(): Manifest[] {
  const chart = Testing.chart();
  new ElasticIndices(chart, 'indices', { environment: PROD, tenants: ['acme', 'globex'], elasticsearch: connection });
  new ElasticIndices(chart, 'eck', { environment: DEV, tenants: ['acme'], name: 'indices-eck', deployCluster: true });
  new ElasticIndices(chart, 'pinned', { environment: DEV, tenants: ['initech'], name: 'indices-pinned', elasticsearch: connection, image: ContainerImage.parse('ghcr.io/cdk8s-tenant-monitoring/runtime:0.0.9') });
  return Testing.synth(chart) as Manifest[];
}

/** Every `require('…')` and dynamic `import('…')` of a compiled file. */
function requiresOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/\b(?:require|import)\("([^"]+)"\)/g)].map((m) => m[1]!);
}

describe('runtime image', () => {
  beforeAll(ensureBuilt, 120_000);

  test('every command named by a synthesized workload exists in lib/ and answers --help', () => {
    const uses = runtimeCommandsIn(synthesizedObjects());
    expect(uses.map((u) => [u.object.replace(/-[0-9a-f]{8}$/, '-<hash>'), u.container, u.command])).toEqual([
      ['Job/monitoring/elastic-indices-setup-<hash>', 'index-setup', 'index-setup'],
      ['Job/monitoring/indices-eck-setup-<hash>', 'index-setup', 'index-setup'],
      ['Job/monitoring/indices-pinned-setup-<hash>', 'index-setup', 'index-setup'],
    ]);
    const commands = [...new Set(uses.map((u) => u.command))];
    expect(commands).toEqual(['index-setup']);
    for (const command of commands) {
      expect(Object.keys(RUNTIME_COMMANDS)).toContain(command);
      const moduleFile = path.join(LIB, 'src', 'runtime', `${RUNTIME_COMMANDS[command as string]!.module}.js`);
      expect(fs.existsSync(moduleFile)).toBe(true);
      const run = runCli([command as string, '--help']);
      expect({ command, status: run.status, stderr: run.stderr }).toEqual({ command, status: 0, stderr: '' });
      expect(run.stdout).toMatch(/^Usage: /);
    }
  });

  test.each(ENVIRONMENT_NAMES)('every command the %s environment names exists in lib/ and answers --help with exit 0', (env) => {
    const uses = runtimeCommandsIn(synthEnvironment(env).objects);
    const commands = [...new Set(uses.map((u) => u.command))].sort();
    // drift and anomaly CronJobs, the remediation controller, the index-setup Job.
    expect(commands).toEqual(['anomaly', 'drift', 'index-setup', 'remediation']);
    for (const command of commands) {
      const moduleFile = path.join(LIB, 'src', 'runtime', `${RUNTIME_COMMANDS[command as string]!.module}.js`);
      expect(fs.existsSync(moduleFile)).toBe(true);
      const run = runCli([command as string, '--help']);
      expect({ command, status: run.status, stderr: run.stderr }).toEqual({ command, status: 0, stderr: '' });
    }
  });

  test('every command of the CLI answers --help with exit 0', () => {
    for (const command of Object.keys(RUNTIME_COMMANDS)) {
      const run = runCli([command, '--help']);
      expect({ command, status: run.status }).toEqual({ command, status: 0 });
      expect(run.stdout).toContain('Usage');
    }
  });

  test('--help lists every command', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(usage());
    for (const command of ['drift', 'anomaly', 'remediation', 'index-setup']) expect(run.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  test('fails an unknown command with exit 2 and the usage', () => {
    const run = runCli(['reindex']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`cli: unknown command 'reindex'\n\n${usage()}`);
  });

  test('fails a missing command with exit 2 and the usage', async () => {
    const err: string[] = [];
    await expect(main([], { stdout: () => undefined, stderr: (t) => err.push(t) })).resolves.toBe(2);
    expect(err.join('')).toBe(`cli: a command is required\n\n${usage()}`);
    const run = runCli([]);
    expect(run.status).toBe(2);
  });

  test('does not treat object properties as commands', async () => {
    const err: string[] = [];
    await expect(main(['constructor'], { stdout: () => undefined, stderr: (t) => err.push(t) })).resolves.toBe(2);
    expect(err.join('')).toContain("unknown command 'constructor'");
  });

  test('the Dockerfile: pinned base, production dependencies only, non-root numeric user, entrypoint in lib/', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
    const stages = dockerfile.split(/^FROM /m);
    expect(stages[1]).toMatch(/RUN npm ci .*\n[\s\S]*RUN npm run build/);
    expect(stages[2]).toMatch(/RUN npm ci --omit=dev/);
    expect(stages[2]).toContain('COPY --from=build /src/lib/src ./lib/src');
    expect(/^USER (\S+)$/m.exec(stages[2]!)?.[1]).toBe('65532:65532');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(stages[2]!)?.[1] ?? 'null') as string[];
    expect(entrypoint).toEqual(['node', '/app/lib/src/runtime/cli.js']);
    expect(fs.existsSync(path.join(LIB, path.relative('/app/lib', entrypoint[1]!)))).toBe(true);
  });

  test('the programs load only lib/src files, production dependencies and Node built-ins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const allowed = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue = [CLI, ...Object.values(RUNTIME_COMMANDS).map((c) => path.join(LIB, 'src', 'runtime', `${c.module}.js`))];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of requiresOf(file)) {
        if (spec.startsWith('.')) {
          const target = [`${path.resolve(path.dirname(file), spec)}.js`, path.resolve(path.dirname(file), spec), path.join(path.resolve(path.dirname(file), spec), 'index.js')]
            .find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
          const inImage = target !== undefined && target.startsWith(path.join(LIB, 'src') + path.sep);
          if (!inImage) problems.push(`${path.relative(LIB, file)} requires ${spec}, which is not in lib/src (the image ships lib/src only)`);
          else if (target.endsWith('.js')) queue.push(target);
        } else {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!builtins.has(spec.replace(/^node:/, '')) && !allowed.has(name)) problems.push(`${path.relative(LIB, file)} requires ${spec}, which is not a production dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
