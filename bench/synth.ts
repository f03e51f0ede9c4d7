/**
 * Synthesis benchmark: the prod environment with N generated tenants, synthesized to a temporary
 * directory exactly as `npm run synth` does. Run one size per process so peak memory is per size:
 *   npx ts-node --transpile-only bench/synth.ts 100
 * Prints one JSON line: {"tenants":100,"objects":...,"seconds":...,"peakRssMiB":...}
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROD } from '../src/core/environment';
import { ExampleTenant } from '../stacks/tenants';
import { createEnvironment } from '../stacks/environment-stack';
import { synthToDirectory } from '../stacks/main';

function tenants(n: number): ExampleTenant[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `tenant-${String(i).padStart(4, '0')}`,
    tier: (['basic', 'standard', 'premium'] as const)[i % 3],
    contacts: { team: `team-${i}`, email: `team-${i}@example.com` },
    autoscaling: [],
    models: [],
  }));
}

export function runSynth(n: number): { tenants: number; objects: number; files: number; seconds: number; peakRssMiB: number } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const start = process.hrtime.bigint();
  const [dir] = synthToDirectory(out, [{ name: 'prod', build: (app) => createEnvironment(app, { profile: PROD, tenants: tenants(n) }) }]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const files = fs.readdirSync(dir);
  const objects = files.reduce((sum, f) => sum + (fs.readFileSync(path.join(dir, f), 'utf8').match(/^kind: /gm)?.length ?? 0), 0);
  fs.rmSync(out, { recursive: true, force: true });
  return { tenants: n, objects, files: files.length, seconds: Number(seconds.toFixed(3)), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? '10');
  process.stdout.write(`${JSON.stringify(runSynth(n))}\n`);
}
