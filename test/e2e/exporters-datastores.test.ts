/**
 * The datastore and endpoint probe alerts fire on what real exporters expose. A real PostgreSQL
 * (run as the unprivileged postgres user, on loopback) with Debian's postgres_exporter, a real
 * redis-server with redis_exporter, and blackbox_exporter probing loopback endpoints are scraped
 * by a real Prometheus at the deployed release, which evaluates the packs rendered as the
 * platform deploys them (the aggregated layout, `aggregatedTenantRuleGroups`). The scrape
 * configuration adds the tenant label the way the tenant's ServiceMonitor relabelling does
 * (`replace` into `tenant`), never by editing exporter output.
 *
 * Each exporter is driven into an alert's condition (connections filled to max_connections, a
 * deadlock, a session idle in a transaction, a server stopped, Redis filled to maxmemory so it
 * refuses writes and then evicts, maxclients exceeded, a replica without its primary, a dead
 * port probed, a certificate about to expire), and the time from driving the condition to the
 * alert firing in Prometheus is recorded and printed.
 *
 * Shortened for the test, through the supported environment override layer only: every `for`
 * is 3 s, and the idle-in-transaction threshold is 5 s (default 120 s). Scrape and evaluation
 * intervals are 1 s (5 s for postgres_exporter, whose scrape takes about 3 s when the server is down).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Duration } from '../../src/core/duration';
import { PROD } from '../../src/core/environment';
import { aggregatedTenantRuleGroups } from '../../src/prometheus/aggregated';
import { renderRuleGroups } from '../../src/prometheus/model';
import { AlertOverrides } from '../../src/prometheus/overrides';
import { DATASTORE_ALERT_THRESHOLDS, PROBE_ALERT_THRESHOLDS } from '../../src/prometheus/packs';
import { freePort, stopProcesses } from '../support/processes';
import { requireTool } from '../support/tools';

jest.setTimeout(300_000);

const TENANT = 'acme';
const HOLD = Duration.seconds(3);
const IDLE_IN_TRANSACTION_SECONDS = 5;

interface Alert { readonly labels: Record<string, string>; readonly state: string }
interface Measurement { readonly exporter: string; readonly version: string; readonly alert: string; readonly condition: string; readonly seconds: number }

const children: ChildProcess[] = [];
const logs: string[] = [];
const measurements: Measurement[] = [];
const versions: Record<string, string> = {};
let dir = '';
let promPort = 0;
const ports = { pg: 0, pgExporter: 0, redis: 0, redisExporter: 0, replica: 0, replicaExporter: 0, deadPrimary: 0, blackbox: 0, tls: 0, dead: 0 };
let postgres: ChildProcess | undefined;
let redis: ChildProcess | undefined;
/** When the replica of a dead primary and the probes of a dead port started: their conditions hold from then. */
let replicaStartedAt = 0;
let probesStartedAt = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** uid and gid of a system user (the Debian packages create postgres and redis). */
function account(user: string): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A PostgreSQL server binary: Debian keeps them in /usr/lib/postgresql/<major>/bin. */
function postgresBinary(name: string): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', name))).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error(`required tool '${name}' was not found in ${root}/*/bin; install it with: apt-get install -y postgresql (see .ci/run)`);
  return path.join(root, majors[0], 'bin', name);
}

function start(name: string, file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {}): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, uid: opts.uid, gid: opts.gid, cwd: opts.cwd });
  child.stdout?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  children.push(child);
  return child;
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function versionOf(file: string, args: string[] = ['--version']): string {
  const out = spawnSync(file, args, { encoding: 'utf8' });
  const text = `${out.stdout}\n${out.stderr}`;
  const m = /version[ :]*v?([0-9]+\.[0-9]+(\.[0-9]+)?)/i.exec(text) ?? /Exporter v?([0-9]+\.[0-9]+\.[0-9]+)/.exec(text) ?? /v=([0-9.]+)/.exec(text) ?? /\) ([0-9]+\.[0-9]+)/.exec(text);
  if (!m) throw new Error(`no version in the output of ${file}: ${text.slice(0, 200)}`);
  return m[1];
}

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${promPort}${p}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${p}: ${body.error}`);
  return body.data;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.slice(-30).join('')}`);
    await sleep(250);
  }
}

/** Whether the instant query returns a sample with the tenant label. */
async function hasTenantSeries(query: string): Promise<boolean> {
  const r = await api<{ result: Array<{ metric: Record<string, string> }> }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
  return r.result.some((s) => s.metric.tenant === TENANT);
}

async function firing(alert: string, match: Record<string, string> = {}): Promise<boolean> {
  const { alerts } = await api<{ alerts: Alert[] }>('/api/v1/alerts');
  return alerts.some((a) => a.state === 'firing' && a.labels.alertname === alert && a.labels.tenant === TENANT && Object.entries(match).every(([k, v]) => a.labels[k] === v));
}

/** Wait for `alert` to fire after the condition was driven at `since`, and record the time it took. */
async function measure(exporter: string, alert: string, condition: string, since: number, match: Record<string, string> = {}): Promise<number> {
  try {
    await until(`${alert} to fire`, () => firing(alert, match), 90_000);
  } catch (e) {
    // Say what Prometheus saw: the alert's state and the series it reads.
    const { alerts } = await api<{ alerts: Alert[] }>('/api/v1/alerts');
    const seen = alerts.filter((a) => a.labels.alertname === alert).map((a) => `${a.state} ${JSON.stringify(a.labels)}`);
    const rule = (await api<{ groups: Array<{ rules: Array<{ name: string; query: string; health: string; lastError?: string }> }> }>('/api/v1/rules')).groups.flatMap((g) => g.rules).find((r) => r.name === alert);
    const now = rule ? await api<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(rule.query)}`) : undefined;
    throw new Error(`${(e as Error).message.split('\n')[0]}; alerts: [${seen.join(', ')}]; rule health ${rule?.health} ${rule?.lastError ?? ''}; its query now: ${JSON.stringify(now?.result)}; query: ${rule?.query}`);
  }
  const seconds = Math.round((Date.now() - since) / 100) / 10;
  measurements.push({ exporter, version: versions[exporter], alert, condition, seconds });
  return seconds;
}

function psqlArgs(user: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(ports.pg), '-U', user, '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
}

function psql(sql: string, user = 'postgres'): string {
  return execFileSync(requireTool('psql', 'install it with: apt-get install -y postgresql-client (see .ci/run)'), [...psqlArgs(user), '-At', '-c', sql], { encoding: 'utf8' });
}

/** A session that runs `sql` from stdin and stays connected until its stdin closes. */
function session(name: string, sql: string, user = 'app'): ChildProcess {
  const child = spawn(requireTool('psql'), psqlArgs(user), { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => logs.push(`[${name}] ${d.toString()}`));
  child.stdin?.write(`${sql}\n`);
  children.push(child);
  return child;
}

/** Open `n` TCP connections to `port`, keep them for `holdMs`, then close them all. */
async function burstConnections(port: number, n: number, holdMs: number): Promise<void> {
  const sockets = Array.from({ length: n }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await sleep(holdMs);
  sockets.forEach((s) => s.destroy());
}

/** Write keys of `valueBytes` until Redis answers `errorPrefix` (or `maxKeys` are written); returns the replies seen. */
function fillRedis(prefix: string, keys: number, valueBytes: number): string {
  const value = 'x'.repeat(valueBytes);
  const input = Array.from({ length: keys }, (_, i) => `SET ${prefix}:${i} ${value}\r\n`).join('');
  // Every refused write prints a line: room for all of them.
  const out = spawnSync(requireTool('redis-cli', 'install it with: apt-get install -y redis-tools (see .ci/run)'), ['-p', String(ports.redis), '--pipe'], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return `${out.stdout}${out.stderr}`;
}

function redisCli(port: number, ...args: string[]): string {
  return execFileSync(requireTool('redis-cli'), ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
}

/** The scrape job of one exporter, with the tenant label the tenant's ServiceMonitor relabelling adds. */
function job(name: string, target: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { job_name: name, static_configs: [{ targets: [target] }], relabel_configs: [{ action: 'replace', target_label: 'tenant', replacement: TENANT }], ...extra };
}

/** A blackbox probe job: the standard relabelling from target to `?target=` plus the tenant label. */
function probeJob(name: string, module: string, target: string): Record<string, unknown> {
  return {
    job_name: name,
    metrics_path: '/probe',
    params: { module: [module] },
    static_configs: [{ targets: [target] }],
    relabel_configs: [
      { source_labels: ['__address__'], target_label: '__param_target' },
      { source_labels: ['__param_target'], target_label: 'instance' },
      { target_label: '__address__', replacement: `127.0.0.1:${ports.blackbox}` },
      { action: 'replace', target_label: 'tenant', replacement: TENANT },
    ],
  };
}

/** The environment override layer: every datastore and probe alert held for HOLD, the idle-in-transaction threshold lowered. */
function testOverrides(): AlertOverrides {
  const names = [...Object.keys(DATASTORE_ALERT_THRESHOLDS), ...Object.keys(PROBE_ALERT_THRESHOLDS)];
  const out: Record<string, AlertOverrides[string]> = Object.fromEntries(names.map((n) => [n, { for: HOLD }]));
  out.PostgresIdleInTransaction = { for: HOLD, thresholds: { postgresIdleInTransactionSeconds: IDLE_IN_TRANSACTION_SECONDS } };
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exporters-datastores-'));
  fs.chmodSync(dir, 0o755);
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  promPort = await freePort();

  const pgUser = account('postgres');
  const redisUser = account('redis');
  versions.postgres_exporter = versionOf(requireTool('prometheus-postgres-exporter'));
  versions.redis_exporter = versionOf(requireTool('prometheus-redis-exporter'), ['--version']);
  versions.blackbox_exporter = versionOf(requireTool('prometheus-blackbox-exporter'));
  versions.postgresql = versionOf(postgresBinary('postgres'));
  versions['redis-server'] = versionOf(requireTool('redis-server', 'install it with: apt-get install -y redis-server (see .ci/run)'));
  versions.prometheus = versionOf(requireTool('prometheus'));

  // PostgreSQL as the postgres user: its own cluster in a temporary folder, loopback only.
  // Two slots are reserved for superusers (the exporter holds two connections: its collectors'
  // and its query runner's); the application role gets the other eighteen.
  const pgData = path.join(dir, 'pg');
  fs.mkdirSync(pgData, { mode: 0o700 });
  fs.chownSync(pgData, pgUser.uid, pgUser.gid);
  execFileSync(postgresBinary('initdb'), ['-D', pgData, '-A', 'trust', '-U', 'postgres', '--no-sync'], { ...pgUser, stdio: 'pipe' });
  postgres = start('postgres', postgresBinary('postgres'), [
    '-D', pgData, '-p', String(ports.pg), '-k', pgData, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'max_connections=20', '-c', 'superuser_reserved_connections=2', '-c', 'deadlock_timeout=200ms', '-c', 'fsync=off',
  ], pgUser);
  await until('PostgreSQL', async () => psql('SELECT 1').trim() === '1');
  psql('CREATE ROLE app LOGIN; CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 0), (2, 0); GRANT SELECT, UPDATE ON accounts TO app;');
  start('postgres_exporter', requireTool('prometheus-postgres-exporter'), [`--web.listen-address=127.0.0.1:${ports.pgExporter}`], {
    env: { ...process.env, DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${ports.pg}/postgres?sslmode=disable` },
  });

  // Redis as the redis user: a small maxmemory that refuses writes when full (noeviction).
  const redisDir = path.join(dir, 'redis');
  fs.mkdirSync(redisDir);
  fs.chownSync(redisDir, redisUser.uid, redisUser.gid);
  const redisArgs = (port: number, extra: string[]): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`, ...extra];
  redis = start('redis', requireTool('redis-server'), redisArgs(ports.redis, ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction']), redisUser);
  // A replica of a primary that does not exist: its replication link never comes up.
  replicaStartedAt = Date.now();
  start('redis-replica', requireTool('redis-server'), redisArgs(ports.replica, ['--replicaof', '127.0.0.1', String(ports.deadPrimary)]), redisUser);
  await until('Redis', async () => redisCli(ports.redis, 'PING') === 'PONG' && redisCli(ports.replica, 'PING') === 'PONG');
  start('redis_exporter', requireTool('prometheus-redis-exporter'), [`--redis.addr=redis://127.0.0.1:${ports.redis}`, `--web.listen-address=127.0.0.1:${ports.redisExporter}`]);
  start('redis_exporter-replica', requireTool('prometheus-redis-exporter'), [`--redis.addr=redis://127.0.0.1:${ports.replica}`, `--web.listen-address=127.0.0.1:${ports.replicaExporter}`]);

  // blackbox_exporter with a TCP module and an HTTPS module that reports the served chain.
  const blackboxConfig = path.join(dir, 'blackbox.yml');
  fs.writeFileSync(blackboxConfig, stringify({
    modules: {
      tcp_connect: { prober: 'tcp', timeout: '2s' },
      https_2xx: { prober: 'http', timeout: '2s', http: { fail_if_not_ssl: true, tls_config: { insecure_skip_verify: true } } },
    },
  }));
  start('blackbox_exporter', requireTool('prometheus-blackbox-exporter'), [`--config.file=${blackboxConfig}`, `--web.listen-address=127.0.0.1:${ports.blackbox}`]);

  // The packs as the platform deploys them: once for all tenants, with the environment's overrides.
  const groups = renderRuleGroups(aggregatedTenantRuleGroups(PROD, { alertOverrides: { environment: testOverrides() } }))
    .filter((g) => ['tenants-postgres', 'tenants-redis', 'tenants-probes'].includes(g.name));
  expect(groups).toHaveLength(3);
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [path.join(dir, 'rules.yaml')],
    scrape_configs: [
      // postgres_exporter retries a refused connection for about 3 s before it answers pg_up 0.
      job('postgres', `127.0.0.1:${ports.pgExporter}`, { scrape_interval: '5s', scrape_timeout: '4s' }),
      job('redis', `127.0.0.1:${ports.redisExporter}`),
      job('redis-replica', `127.0.0.1:${ports.replicaExporter}`),
      probeJob('probe-dead-port', 'tcp_connect', `127.0.0.1:${ports.dead}`),
      probeJob('probe-tls', 'https_2xx', `https://127.0.0.1:${ports.tls}/`),
    ],
  }));
  probesStartedAt = Date.now();
  start('prometheus', requireTool('prometheus'), [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'prometheus-db')}`, `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  await until('Prometheus to load the rules', async () => (await api<{ groups: unknown[] }>('/api/v1/rules')).groups.length === 3);
  await until('tenant-labelled exporter series', async () => await hasTenantSeries('pg_up == 1') && await hasTenantSeries('redis_up == 1') && await hasTenantSeries('probe_success'));
});

afterAll(async () => {
  const rows = measurements.map((m) => `| ${m.exporter} | ${m.version} | ${m.alert} | ${m.condition} | ${m.seconds} |`);
  process.stdout.write(['', `Real exporters (Prometheus ${versions.prometheus}, PostgreSQL ${versions.postgresql}, Redis ${versions['redis-server']}):`,
    '| exporter | version | alert | condition driven | seconds to firing |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n'));
  await stopProcesses(children);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL through postgres_exporter', () => {
  test('a deadlock fires PostgresDeadlocks', async () => {
    const since = Date.now();
    const a = session('deadlock-a', 'BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 1; SELECT pg_sleep(0.5); UPDATE accounts SET balance = balance + 1 WHERE id = 2; COMMIT;');
    const b = session('deadlock-b', 'BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 2; SELECT pg_sleep(0.5); UPDATE accounts SET balance = balance + 1 WHERE id = 1; COMMIT;');
    a.stdin?.end();
    b.stdin?.end();
    await Promise.all([a, b].map((c) => new Promise((r) => c.once('exit', r))));
    expect(logs.join('')).toContain('deadlock detected');
    expect(await measure('postgres_exporter', 'PostgresDeadlocks', 'two transactions update two rows in opposite orders', since, { datname: 'postgres' })).toBeGreaterThan(0);
  });

  test('a session idle inside a transaction fires PostgresIdleInTransaction', async () => {
    const since = Date.now();
    const idle = session('idle-in-transaction', 'BEGIN; SELECT balance FROM accounts WHERE id = 1;');
    const seconds = await measure('postgres_exporter', 'PostgresIdleInTransaction', `a session holds an open transaction idle (threshold ${IDLE_IN_TRANSACTION_SECONDS} s)`, since);
    expect(seconds).toBeGreaterThanOrEqual(IDLE_IN_TRANSACTION_SECONDS);
    idle.stdin?.end();
    await new Promise((r) => idle.once('exit', r));
  });

  test('filling the connections to max_connections fires PostgresConnectionsSaturated with the maintenance action', async () => {
    await until('the idle session to be gone', async () => !(await hasTenantSeries('pg_stat_activity_count{state="idle in transaction"} > 0')));
    const since = Date.now();
    // Nineteen application sessions against eighteen slots: the last is refused by the server.
    const sleepers = Array.from({ length: 19 }, (_, i) => session(`sleeper-${i}`, 'SELECT pg_sleep(600);'));
    await until('the last session to be refused', async () => logs.join('').includes('remaining connection slots are reserved'), 20_000);
    expect(await measure('postgres_exporter', 'PostgresConnectionsSaturated', 'nineteen application sessions against max_connections=20 (two slots reserved)', since, { remediation_action: 'optimise-db-connections' })).toBeGreaterThan(0);
    sleepers.forEach((s) => s.kill('SIGTERM'));
    psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'app'");
  });

  test('stopping the server fires PostgresDown', async () => {
    const since = Date.now();
    await stop(postgres, 'SIGINT');
    expect(await measure('postgres_exporter', 'PostgresDown', 'the PostgreSQL server is stopped (fast shutdown)', since)).toBeGreaterThan(0);
  });
});

describe('Redis through redis_exporter', () => {
  test('filling Redis to maxmemory fires RedisOutOfMemoryRefusals and RedisMemoryNearLimit', async () => {
    const since = Date.now();
    const replies = fillRedis('fill', 60_000, 100);
    expect(replies).toMatch(/errors: [1-9]/);
    expect(await measure('redis_exporter', 'RedisOutOfMemoryRefusals', 'writes past maxmemory=4mb with noeviction', since)).toBeGreaterThan(0);
    expect(await measure('redis_exporter', 'RedisMemoryNearLimit', 'the same', since)).toBeGreaterThan(0);
  });

  test('writing on with an eviction policy fires RedisEvictingKeys', async () => {
    redisCli(ports.redis, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const since = Date.now();
    fillRedis('more', 20_000, 100);
    expect(Number(/evicted_keys:(\d+)/.exec(redisCli(ports.redis, 'INFO', 'stats'))?.[1])).toBeGreaterThan(0);
    expect(await measure('redis_exporter', 'RedisEvictingKeys', 'writes past maxmemory with allkeys-lru', since)).toBeGreaterThan(0);
  });

  test('connections beyond maxclients fire RedisRejectedConnections', async () => {
    redisCli(ports.redis, 'CONFIG', 'SET', 'maxclients', '4');
    const since = Date.now();
    await burstConnections(ports.redis, 12, 1000);
    await sleep(300);
    redisCli(ports.redis, 'CONFIG', 'SET', 'maxclients', '10000');
    expect(Number(/rejected_connections:(\d+)/.exec(redisCli(ports.redis, 'INFO', 'stats'))?.[1])).toBeGreaterThan(0);
    expect(await measure('redis_exporter', 'RedisRejectedConnections', '12 connections against maxclients=4', since)).toBeGreaterThan(0);
  });

  test('a replica whose primary is unreachable fires RedisReplicationBroken', async () => {
    // The replica has pointed at a dead primary since it started: measured from its start.
    expect(redisCli(ports.replica, 'INFO', 'replication')).toContain('master_link_status:down');
    expect(await measure('redis_exporter', 'RedisReplicationBroken', 'a replica started against a primary that does not answer (from its start)', replicaStartedAt, { master_port: String(ports.deadPrimary) })).toBeGreaterThan(0);
  });

  test('stopping the server fires RedisDown', async () => {
    const since = Date.now();
    await stop(redis);
    expect(await measure('redis_exporter', 'RedisDown', 'the Redis server is stopped', since)).toBeGreaterThan(0);
  });
});

describe('endpoints through blackbox_exporter', () => {
  test('probing a dead port fires EndpointProbeFailed', async () => {
    // Nothing has listened on the port since the probes started: measured from Prometheus' start.
    expect(await measure('blackbox_exporter', 'EndpointProbeFailed', 'a TCP probe of a port nothing listens on (from the first probe)', probesStartedAt, { instance: `127.0.0.1:${ports.dead}` })).toBeGreaterThan(0);
  });

  test('an endpoint serving a certificate that expires within two days fires both certificate alerts', async () => {
    const openssl = requireTool('openssl');
    const key = path.join(dir, 'tls.key');
    const cert = path.join(dir, 'tls.crt');
    execFileSync(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    const since = Date.now();
    start('tls-endpoint', openssl, ['s_server', '-accept', `127.0.0.1:${ports.tls}`, '-cert', cert, '-key', key, '-www', '-quiet']);
    const instance = `https://127.0.0.1:${ports.tls}/`;
    expect(await measure('blackbox_exporter', 'EndpointCertificateExpiryCritical', 'an HTTPS endpoint starts serving a certificate valid for 2 days', since, { instance })).toBeGreaterThan(0);
    expect(await measure('blackbox_exporter', 'EndpointCertificateExpiringSoon', 'the same', since, { instance })).toBeGreaterThan(0);
    expect(await firing('EndpointProbeFailed', { instance })).toBe(false);
  });
});
