/**
 * `npm run bench`: every benchmark of the project, each in its own process so that peak memory
 * is measured per case.
 *
 * - synth: the prod environment with 1, 10, 100 and 1,000 tenants (wall time and peak RSS).
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

const only = process.env.BENCH_ONLY;
const tsNode = [require.resolve('ts-node/dist/bin.js'), '--transpile-only'];

function run(file: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', ...tsNode, path.join(__dirname, file), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench/${file} ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

if (!only || only === 'synth') {
  process.stdout.write('\n== synth: prod environment with N tenants (one process per size)\n');
  process.stdout.write('tenants  objects  files  seconds  peak RSS MiB  seconds/100 tenants\n');
  for (const n of [1, 10, 100, 1000]) {
    const r = JSON.parse(run('synth.ts', [String(n)])) as { tenants: number; objects: number; files: number; seconds: number; peakRssMiB: number };
    process.stdout.write(`${String(r.tenants).padStart(7)}  ${String(r.objects).padStart(7)}  ${String(r.files).padStart(5)}  ${r.seconds.toFixed(2).padStart(7)}  ${String(r.peakRssMiB).padStart(12)}  ${(r.seconds / r.tenants * 100).toFixed(2).padStart(19)}\n`);
  }
}

for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !['run.ts', 'synth.ts'].includes(f)).sort()) {
  if (only && only !== file.replace(/\.ts$/, '')) continue;
  process.stdout.write(`\n== ${file.replace(/\.ts$/, '')}\n`);
  process.stdout.write(run(file));
}
