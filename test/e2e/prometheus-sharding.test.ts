/**
 * Scrape sharding with real processes: N Prometheus servers (the deployed release) on loopback,
 * each with the relabelling prometheus-operator renders for `spec.shards` (src/platform/sharding.ts,
 * `$(SHARD)` replaced by the shard's index as the operator's config reloader does), and one
 * unsharded server, all over the same targets (small HTTP servers in this process serving
 * per-tenant series). Every target must be scraped by exactly one shard, and the union of the
 * shards' stored series must equal the unsharded server's.
 *
 * The evaluation tier (ThanosRuler over Thanos Query) is not run: neither Thanos nor Mimir is
 * packaged in Debian, so no binary is available here; its output is checked against the upstream
 * CRD in test/platform/scale-out.test.ts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { shardingRelabelConfigs } from '../../src/platform/sharding';
import { freePort, stopProcesses } from '../support/processes';
import { requireTool } from '../support/tools';

const SHARDS = 3;
const TARGETS = 12;
const children: ChildProcess[] = [];
const servers: http.Server[] = [];
const logs: string[] = [];
let dir = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server { readonly name: string; readonly port: number }
let shards: Server[] = [];
let unsharded: Server;
let targets: string[] = [];

async function api<T>(s: Server, p: string): Promise<T> {
  const body = (await (await fetch(`http://127.0.0.1:${s.port}${p}`)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${s.name} ${p}: ${body.error}`);
  return body.data;
}

async function startPrometheus(name: string, relabel: ReadonlyArray<object>): Promise<Server> {
  const port = await freePort();
  const configFile = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(configFile, stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'tenants', static_configs: [{ targets }], relabel_configs: relabel }],
  }));
  const child = spawn(requireTool('prometheus'), [
    `--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, `${name}-db`)}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  children.push(child);
  return { name, port };
}

/** A target serving three series for its tenant. */
function startTarget(i: number): Promise<string> {
  const tenant = `tenant-${i % 5}`;
  const server = http.createServer((_, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end([
      `app_requests_total{tenant="${tenant}",code="200"} ${100 + i}`,
      `app_requests_total{tenant="${tenant}",code="500"} ${i}`,
      `app_inflight{tenant="${tenant}"} ${i % 3}`,
      '',
    ].join('\n'));
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function ready(s: Server): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`http://127.0.0.1:${s.port}/-/ready`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) throw new Error(`${s.name} did not become ready:\n${logs.join('').slice(-3000)}`);
    await sleep(200);
  }
}

interface Target { readonly scrapeUrl: string; readonly health: string; readonly discoveredLabels: Record<string, string> }

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-sharding-'));
  targets = await Promise.all(Array.from({ length: TARGETS }, (_, i) => startTarget(i)));
  shards = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => startPrometheus(`shard-${shard}`, shardingRelabelConfigs(SHARDS, shard))));
  unsharded = await startPrometheus('unsharded', []);
  await Promise.all([...shards, unsharded].map(ready));
  // Until every server has scraped each of its targets at least twice.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const counts = await Promise.all([...shards, unsharded].map(async (s) => (await api<{ result: unknown[] }>(s, '/api/v1/query?query=' + encodeURIComponent('count_over_time(up[1m]) >= 2'))).result.length));
    if (counts.slice(0, SHARDS).reduce((a, b) => a + b, 0) === TARGETS && counts[SHARDS] === TARGETS) break;
    if (Date.now() > deadline) throw new Error(`scrapes did not complete: ${JSON.stringify(counts)}\n${logs.join('').slice(-3000)}`);
    await sleep(500);
  }
}, 60_000);

afterAll(async () => {
  await stopProcesses(children);
  for (const s of servers) s.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test(`every one of ${TARGETS} targets is scraped by exactly one of ${SHARDS} shards`, async () => {
  const active = await Promise.all(shards.map(async (s) => (await api<{ activeTargets: Target[] }>(s, '/api/v1/targets?state=active')).activeTargets));
  const owners = new Map<string, string[]>();
  active.forEach((list, shard) => list.forEach((t) => {
    expect(t.health).toBe('up');
    owners.set(t.discoveredLabels.__address__, [...(owners.get(t.discoveredLabels.__address__) ?? []), `shard-${shard}`]);
  }));
  expect([...owners.keys()].sort()).toEqual([...targets].sort());
  for (const [, o] of owners) expect(o).toHaveLength(1);
  // The hash spreads the targets: no shard is left without any.
  expect(active.map((l) => l.length).every((n) => n > 0)).toBe(true);
  process.stdout.write(`sharding: ${TARGETS} targets over ${SHARDS} shards: ${active.map((l) => l.length).join(' / ')}\n`);
});

test('the union of the shards\' series equals the unsharded run\'s, with no series on two shards', async () => {
  const series = async (s: Server) => (await api<Array<Record<string, string>>>(s, `/api/v1/series?match[]=${encodeURIComponent('{job="tenants"}')}`))
    .map((labels) => JSON.stringify(Object.fromEntries(Object.entries(labels).sort())));
  const perShard = await Promise.all(shards.map(series));
  const union = perShard.flat();
  expect(new Set(union).size).toBe(union.length);
  const expected = await series(unsharded);
  // 3 application series plus the 5 series Prometheus adds per scrape (up, scrape_*), per target.
  expect(expected).toHaveLength(TARGETS * 8);
  expect([...union].sort()).toEqual([...expected].sort());
  process.stdout.write(`sharding: ${union.length} series on the shards (${perShard.map((s) => s.length).join(' + ')}) = ${expected.length} unsharded\n`);
});
