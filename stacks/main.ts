import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../src/core/environment';
import { buildEnvironmentApp } from './environment-stack';
import { readSettings } from './settings';
import { EXAMPLE_TENANTS } from './tenants';

/**
 * The cdk8s app entry point (`npm run synth`). Every selected environment is synthesized into a
 * staging directory first; only when all succeed are they moved to `dist/<env>/`, so bad input
 * never leaves partial or stale manifests behind.
 */
export function synthAll(env: NodeJS.ProcessEnv = process.env): string[] {
  const settings = readSettings(env, Object.keys(ENVIRONMENTS));
  const names = settings.environments ?? Object.keys(ENVIRONMENTS);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-monitoring-synth-'));
  try {
    for (const name of names) {
      const app = buildEnvironmentApp(path.join(staging, name), {
        profile: ENVIRONMENTS[name],
        tenants: EXAMPLE_TENANTS,
        onlyTenant: settings.tenantId,
        prometheusUrl: settings.prometheusUrl,
        grafanaUrl: settings.grafanaUrl,
      });
      app.synth();
    }
    const written: string[] = [];
    fs.mkdirSync(settings.outputDir, { recursive: true });
    for (const name of names) {
      const target = path.join(settings.outputDir, name);
      fs.rmSync(target, { recursive: true, force: true });
      fs.cpSync(path.join(staging, name), target, { recursive: true });
      written.push(target);
    }
    return written;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    for (const dir of synthAll()) {
      const files = fs.readdirSync(dir).length;
      process.stdout.write(`${dir}: ${files} manifest file(s)\n`);
    }
  } catch (e) {
    process.stderr.write(`synth failed, nothing was written:\n${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
