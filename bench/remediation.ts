/**
 * Remediation controller benchmark, open loop, three processes: this one runs the Kubernetes API
 * test server (test/runtime/remediation/support), the controller is the real program
 * (src/runtime/remediation/main.ts) in a child process, and the load generator
 * (bench/support/remediation-load.ts) is another child. The generator sends each notification at
 * its scheduled time whatever happened to the earlier ones, and times it from that schedule, so a
 * stalled controller shows as latency, not as a late send. /healthz is probed every 100 ms the
 * same way. The controller's RSS is sampled from /proc every 100 ms. All three share the
 * machine's cores.
 *
 * Load: 1,000 alerts/s in notifications of 10 for 20 s, 75 % of them repeats of alerts already
 * sent (Alertmanager's re-sends), the rest new alerts every second; restart rule on 500 targets
 * with a 10 m cooldown, so most new alerts are refused (a refusal Event at most once a minute per
 * target) and a few act. The first 2 s at the full rate are a warm-up and are not measured.
 *
 *   npx ts-node --transpile-only bench/remediation.ts
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeApiTestServer } from '../test/runtime/remediation/support/kube-api-server';
import type { LoadResult } from './support/remediation-load';

const ROOT = path.resolve(__dirname, '..');
const TARGETS = 500;
const ALERTS_PER_SECOND = Number(process.env.BENCH_ALERTS_PER_SECOND ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TOKEN = 'bench-token';
/** The controller container's memory limit (SMALL_RESOURCES). */
const LIMIT_MIB = 256;

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/** Run a child to completion; on failure print what it wrote and how it ended, then throw. */
function runChild(name: string, child: ChildProcess): Promise<string> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) return resolve(stdout);
      process.stderr.write(`${name} exited ${code ?? signal}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${Buffer.concat(err).toString('utf8').slice(-4000)}\n`);
      reject(new Error(`${name} failed (${code ?? signal})`));
    });
  });
}

/** Compile the controller program and what it imports into .bench/; returns the entry point. */
function compileController(): string {
  const dir = path.join(ROOT, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'tsconfig.remediation.json');
  fs.writeFileSync(config, JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { outDir: 'remediation-runtime', rootDir: '..', declaration: false, sourceMap: false, types: ['node'] },
    include: [],
    files: ['../src/runtime/remediation/main.ts'],
  }));
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return path.join(dir, 'remediation-runtime', 'src', 'runtime', 'remediation', 'main.js');
}

interface Controller {
  readonly child: ChildProcess;
  port: number;
  readonly exited: Promise<number>;
  lines: number;
}

async function startController(program: string, dir: string, kubeconfig: string, dryRun: boolean): Promise<Controller> {
  const policyFile = path.join(dir, `policy-${dryRun}.yaml`);
  fs.writeFileSync(policyFile, `
safety: { dryRun: ${dryRun}, cooldown: 10m, perNamespaceCap: 50, globalCap: 200, maxAttempts: 3, allowedNamespaces: [team-a] }
rules:
  - { name: restart, match: ['remediation_action="restart"'], action: { type: restart } }
`);
  fs.writeFileSync(path.join(dir, 'token'), TOKEN);
  const child = spawn(process.execPath, [program, '--policy', policyFile, '--token-file', path.join(dir, 'token'), '--host', '127.0.0.1', '--port', '0', '--kubeconfig', kubeconfig, '--state-dir', path.join(dir, `state-${dryRun}`)], {
    cwd: ROOT,
    env: { ...process.env, REMEDIATION_DRY_RUN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  let buffer = '';
  const ctl: Controller = { child, port: 0, exited, lines: 0 };
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        ctl.lines++;
        if (line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { port: number }).port);
        if (line.includes('"msg":"startup failed"')) reject(new Error(line));
      }
    });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    void exited.then((code) => reject(new Error(`controller exited ${code} before listening`)));
  });
  ctl.port = port;
  return ctl;
}

interface Row {
  readonly mode: string;
  readonly result: LoadResult;
  readonly rssMaxMiB: number;
  readonly apiWrites: number;
  readonly exitCode: number;
}

async function runMode(program: string, mode: 'dry-run' | 'live', api: KubeApiTestServer, dir: string, kubeconfig: string): Promise<Row> {
  const ctl = await startController(program, dir, kubeconfig, mode === 'dry-run');
  let rssMax = rssMiB(ctl.child.pid ?? 0);
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(ctl.child.pid ?? 0))), 100);
  const writesBefore = api.changes.length;
  const spec = { port: ctl.port, token: TOKEN, alertsPerSecond: ALERTS_PER_SECOND, alertsPerRequest: 10, seconds: SECONDS, duplicateShare: 0.75, targets: TARGETS, timeoutMs: 2000, warmupSeconds: 2 };
  const load = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bench/support/remediation-load.ts', JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = JSON.parse(await runChild('load generator', load)) as LoadResult;
  clearInterval(sampler);
  ctl.child.kill('SIGTERM');
  const exitCode = await ctl.exited;
  return { mode, result, rssMaxMiB: rssMax, apiWrites: api.changes.length - writesBefore, exitCode };
}

async function main(): Promise<void> {
  const program = compileController();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remediation-bench-'));
  const api = new KubeApiTestServer();
  await api.start();
  for (let i = 0; i < TARGETS; i++) api.addWorkload('deployments', 'team-a', `d-${i}`, 2);
  const kubeconfig = api.writeKubeconfig(dir);
  const rows: Row[] = [];
  try {
    for (const mode of ['dry-run', 'live'] as const) rows.push(await runMode(program, mode, api, dir, kubeconfig));
  } finally {
    await api.stop();
  }
  const pad = (s: string, n: number): string => s.padStart(n);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(`remediation webhook, open loop: ${ALERTS_PER_SECOND} alerts/s (10 per notification, 75 % repeats) for ${SECONDS} s; latency from the scheduled send`);
  console.log('mode     alerts/s  requests    p50 ms   p99 ms   max ms  200    429/503  timeouts  healthz p99/max ms  RSS max MiB  API writes  exit');
  let ok = true;
  for (const r of rows) {
    const lat = [...r.result.latencyMs].sort((a, b) => a - b);
    const hz = [...r.result.healthzMs].sort((a, b) => a - b);
    const refused = (r.result.statuses['429'] ?? 0) + (r.result.statuses['503'] ?? 0);
    const errors = r.result.requests - (r.result.statuses['200'] ?? 0);
    console.log(`${r.mode.padEnd(8)} ${pad(String(ALERTS_PER_SECOND), 8)} ${pad(String(r.result.requests), 9)} ${pad(quantile(lat, 0.5).toFixed(2), 9)} ${pad(quantile(lat, 0.99).toFixed(2), 8)} ${pad(lat[lat.length - 1].toFixed(1), 8)} ${pad(String(r.result.statuses['200'] ?? 0), 5)} ${pad(String(refused), 9)} ${pad(String(r.result.timeouts), 9)} ${pad(`${quantile(hz, 0.99).toFixed(1)}/${hz[hz.length - 1].toFixed(1)}`, 19)} ${pad(r.rssMaxMiB.toFixed(0), 12)} ${pad(String(r.apiWrites), 11)} ${pad(String(r.exitCode), 5)}`);
    ok = ok && quantile(lat, 0.99) < 50 && r.result.timeouts === 0 && errors === 0 && r.rssMaxMiB < LIMIT_MIB && r.exitCode === 0;
  }
  console.log(`target (p99 < 50 ms, no timeouts or errors, RSS < ${LIMIT_MIB} MiB): ${ok ? 'met' : 'NOT met'}`);
  if (!ok) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/remediation: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
