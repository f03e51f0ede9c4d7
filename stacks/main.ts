import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../src/core/environment';
import { App } from 'cdk8s';
import { writeApp } from '../src/core/synth';
import { createEnvironment } from './environment-stack';
import { readSettings } from './settings';
import { EXAMPLE_TENANTS } from './tenants';

/** One environment to synthesize: its name (the output folder) and how to build its app. */
export interface EnvironmentBuild {
  readonly name: string;
  readonly build: (app: App) => void;
}

/**
 * Synthesize environments into `outputDir/<name>/`. Every environment is built and synthesized
 * into a staging directory first; only when all succeed are they copied to the output, so bad
 * input never leaves partial or stale manifests behind. Returns the written directories.
 */
export function synthToDirectory(outputDir: string, builds: ReadonlyArray<EnvironmentBuild>): string[] {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-monitoring-synth-'));
  try {
    for (const b of builds) {
      const app = new App({ outdir: path.join(staging, b.name) });
      b.build(app);
      writeApp(app, path.join(staging, b.name));
    }
    fs.mkdirSync(outputDir, { recursive: true });
    return builds.map((b) => {
      const target = path.join(outputDir, b.name);
      fs.rmSync(target, { recursive: true, force: true });
      fs.cpSync(path.join(staging, b.name), target, { recursive: true });
      return target;
    });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** What `npm run synth` (stacks/synth.ts) runs: the example tenants in every selected environment. */
export function synthAll(env: NodeJS.ProcessEnv = process.env): string[] {
  const settings = readSettings(env, Object.keys(ENVIRONMENTS));
  const names = settings.environments ?? Object.keys(ENVIRONMENTS);
  return synthToDirectory(settings.outputDir, names.map((name) => ({
    name,
    build: (app: App) => createEnvironment(app, {
      profile: ENVIRONMENTS[name],
      tenants: EXAMPLE_TENANTS,
      onlyTenant: settings.tenantId,
      prometheusUrl: settings.prometheusUrl,
      grafanaUrl: settings.grafanaUrl,
    }),
  })));
}
