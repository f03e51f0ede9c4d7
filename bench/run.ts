/**
 * `npm run bench`: every benchmark of the project, each in its own process so that peak memory
 * is measured per case.
 *
 * - synth: the prod environment with 1, 100, 1,000 and 10,000 tenants (wall time, peak RSS, output
 *   bytes and objects per tenant; `BENCH_SYNTH_SIZES=1,100` for other sizes).
 * - remote-write: the two remote-write tenancy designs side by side at 100 and 500 tenants.
 * - every other `bench/*.ts` file (ML statistics, remediation controller, rule evaluation, ...),
 *   which print their own tables. The rule benchmark runs a real Prometheus per layout and tenant
 *   count (about 10 minutes by default); `BENCH_RULES_TENANTS=10,100` and `BENCH_RULES_SECONDS=15`
 *   shorten it.
 *
 * `BENCH_ONLY=synth` (or another file name without .ts) runs one benchmark.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SynthResult } from './synth';

const only = process.env.BENCH_ONLY;
const tsNode = [require.resolve('ts-node/dist/bin.js'), '--transpile-only'];

function run(file: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', ...tsNode, path.join(__dirname, file), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    // Say how it ended and what it printed before: a bench that fails must not fail silently.
    process.stderr.write(`bench/${file} ${args.join(' ')} ${r.error !== undefined ? `could not run: ${r.error.message}` : r.signal !== null ? `was killed by ${r.signal}` : `exited ${r.status}`}\n${r.stdout ?? ''}\n`);
    throw new Error(`bench/${file} ${args.join(' ')} failed`);
  }
  return r.stdout;
}

if (!only || only === 'synth') {
  process.stdout.write('\n== synth: prod environment with N tenants (one process per size)\n');
  process.stdout.write('tenants  objects  files  MiB out  seconds  peak RSS MiB  seconds/100 tenants  objects/tenant  KiB/tenant\n');
  const sizes = (process.env.BENCH_SYNTH_SIZES ?? '1,100,1000,10000').split(',').map(Number);
  const results = sizes.map((n) => JSON.parse(run('synth.ts', [String(n)])) as SynthResult);
  const first = results[0];
  for (const r of results) {
    // Per tenant: what one more tenant adds, against the smallest size (which is mostly the platform).
    const extra = first && r.tenants > first.tenants ? r.tenants - first.tenants : r.tenants;
    const objectsPerTenant = first && r !== first ? (r.objects - first.objects) / extra : r.objects / r.tenants;
    const kibPerTenant = (first && r !== first ? (r.bytes - first.bytes) / extra : r.bytes / r.tenants) / 1024;
    process.stdout.write(`${String(r.tenants).padStart(7)}  ${String(r.objects).padStart(7)}  ${String(r.files).padStart(5)}  ${(r.bytes / 1024 ** 2).toFixed(1).padStart(7)}  ${r.seconds.toFixed(2).padStart(7)}  ${String(r.peakRssMiB).padStart(12)}  ${(r.seconds / r.tenants * 100).toFixed(2).padStart(19)}  ${objectsPerTenant.toFixed(1).padStart(14)}  ${kibPerTenant.toFixed(1).padStart(10)}\n`);
  }
}

for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !['run.ts', 'synth.ts'].includes(f)).sort()) {
  if (only && only !== file.replace(/\.ts$/, '')) continue;
  process.stdout.write(`\n== ${file.replace(/\.ts$/, '')}\n`);
  process.stdout.write(run(file));
}
