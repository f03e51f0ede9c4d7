/**
 * `npm run synth` as users run it (a new process: bundle, load, synthesize, write), next to the in-process figure
 * (synthesis and writing only, the code already loaded) for the same three example environments.
 *   npx ts-node --transpile-only bench/synth-command.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthAll } from '../stacks/main';

const ROOT = path.resolve(__dirname, '..');
const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function seconds(f: () => void): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-command-'));
try {
  const command = Array.from({ length: RUNS }, () => seconds(() => {
    const r = spawnSync('npm', ['run', '--silent', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OUTPUT_DIR: out, npm_config_update_notifier: 'false' } });
    if (r.status !== 0) throw new Error(`npm run synth exited ${r.status}:\n${r.stderr}`);
  }));
  const inProcess = Array.from({ length: RUNS }, () => seconds(() => synthAll({ ...process.env, OUTPUT_DIR: out })));
  process.stdout.write(`what                                  median s (of ${RUNS})\n`);
  process.stdout.write(`npm run synth (as users run it)       ${median(command).toFixed(2).padStart(8)}\n`);
  process.stdout.write(`synthAll in process (code loaded)     ${median(inProcess).toFixed(2).padStart(8)}\n`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
