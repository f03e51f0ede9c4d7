/**
 * Synthesis benchmark: the prod environment with N generated tenants, synthesized to a temporary
 * directory exactly as `npm run synth` does. Run one size per process so peak memory is per size:
 *   npx ts-node --transpile-only bench/synth.ts 100
 * Prints one JSON line: {"tenants":100,"objects":...,"bytes":...,"seconds":...,"peakRssMiB":...}
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

/** One synthesis: tenants, objects and bytes written, files, wall seconds and the process's peak RSS. */
export interface SynthResult { tenants: number; objects: number; bytes: number; files: number; seconds: number; peakRssMiB: number }

export function runSynth(n: number): SynthResult {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const start = process.hrtime.bigint();
  const [dir] = synthToDirectory(out, [{ name: 'prod', build: (app) => createEnvironment(app, { profile: PROD, tenants: tenants(n) }) }]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const files = fs.readdirSync(dir);
  let objects = 0;
  let bytes = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    objects += text.match(/^kind: /gm)?.length ?? 0;
    bytes += Buffer.byteLength(text);
  }
  fs.rmSync(out, { recursive: true, force: true });
  return { tenants: n, objects, bytes, files: files.length, seconds: Number(seconds.toFixed(3)), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? '10');
  process.stdout.write(`${JSON.stringify(runSynth(n))}\n`);
}
